/**
 * A strict TypeScript consumer of the packed package (see test/integration/package-consumer.test.ts):
 * it must compile with `strict` and `skipLibCheck: false`, and its @ts-expect-error lines prove that
 * typos do not compile. Run, it echoes a few chunks over loopback.
 */
import { once } from 'node:events';
import { PassThrough } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import {
  connect,
  createServer,
  type ConnectionRequest,
  RejectCode,
  type RejectInfo,
  type SrtError,
  SrtServer,
  SrtSocket,
  type SrtStats,
} from 'srt-stream';

async function main(): Promise<void> {
  const server: SrtServer = createServer({ latency: 120 });
  server.on('request', (req: ConnectionRequest) => {
    if (req.streamId === 'nope') req.reject(RejectCode.SRT_REJX_FORBIDDEN);
    else req.accept();
  });
  server.on('reject', (info: RejectInfo) => void info.reason);
  server.on('error', (err: SrtError) => void err.code);
  server.on('connection', (sock: SrtSocket) => {
    // An echo server, as a pipeline.
    void pipeline(sock, new PassThrough(), sock).catch(() => undefined);
  });
  server.listen({ port: 0, host: '127.0.0.1' });
  await once(server, 'listening');
  const { port } = server.address() as { port: number };

  const sock = connect({ port, host: '127.0.0.1', streamId: 'hello', latency: 120 });
  sock.on('error', (err: SrtError) => void err.reason);
  await once(sock, 'connect');
  sock.write(Buffer.from('ping'));
  const chunks: Buffer[] = [];
  for await (const chunk of sock) {
    chunks.push(chunk as Buffer);
    if (Buffer.concat(chunks).length >= 4) break; // leaving the loop destroys the socket
  }
  const stats: SrtStats = sock.getStats();
  const rtt: number = stats.msRTT;
  void rtt;

  // @ts-expect-error a typo in a stats name does not compile
  void stats.msRTTT;
  // @ts-expect-error not a reject code
  void RejectCode.NOPE;
  // @ts-expect-error a typo in an option name does not compile
  connect({ port, latncy: 120 }).destroy();
  // @ts-expect-error connection listeners get an SrtSocket
  server.on('connection', (s: string) => void s);

  server.close();
  console.log(Buffer.concat(chunks).toString());
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
