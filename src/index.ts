export { SrtSocket, connect } from './net/srt-socket';
export { SrtServer, createServer } from './net/srt-server';
export type { SrtOptions, ConnectOptions, ServerOptions } from './net/options';
