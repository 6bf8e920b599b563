// STUB: replaced by the real implementation.
import { EventEmitter } from 'node:events';
import type { ServerOptions } from './options';
import type { SrtSocket } from './srt-socket';
export class SrtServer extends EventEmitter {
  listen(_port: number, _host?: string | (() => void), _cb?: () => void): this { return this; }
  address(): { address: string; family: string; port: number } | null { return null; }
  close(_cb?: (err?: Error) => void): this { return this; }
}
export function createServer(_o?: ServerOptions | ((s: SrtSocket) => void), _l?: (s: SrtSocket) => void): SrtServer { return new SrtServer(); }
