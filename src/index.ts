export { SrtSocket } from './net/srt-socket';
export { connect } from './net/connect';
export { SrtServer, createServer } from './net/srt-server';
export type { RejectInfo, ServerCounters } from './net/srt-server';
export type { SrtOptions, ConnectOptions, ServerOptions } from './net/options';
export { ConnectionRequest, RejectCode } from './net/connection-request';
export { parseStreamIdKeys } from './protocol/stream-id';
