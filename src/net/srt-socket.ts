// STUB: replaced by the real implementation.
import { Duplex } from 'readable-stream';
import type { ConnectOptions } from './options';
export class SrtSocket extends Duplex {
  streamId = '';
  remoteAddress?: string; remotePort?: number; localAddress?: string; localPort?: number;
  bytesRead = 0; bytesWritten = 0;
  getStats(_opts?: { clear?: boolean }): Record<string, number> { return {}; }
}
export function connect(_options: ConnectOptions, _cb?: () => void): SrtSocket { throw new Error('not implemented'); }
