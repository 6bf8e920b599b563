/**
 * Access control before accept (the README's 'request' snippet, runnable): only known users may
 * publish, each encrypted with their own passphrase, and each publication is recorded to a file.
 *   node dist/examples/access-control.js 9000
 *   srt-live-transmit file://con \
 *     'srt://127.0.0.1:9000?streamid=#!::u=alice,r=cam1,m=publish&passphrase=alice-secret-1' < in.ts
 * Anyone else is refused before any connection exists: an unknown user with SRT_REJX_FORBIDDEN
 * (1403), a known user who does not publish with SRT_REJX_BAD_MODE (1405).
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { createServer, parseStreamIdKeys, type ConnectionRequest, type SrtServer } from '../src/index';

export interface User {
  passphrase: string;
}

/**
 * The decision for one caller. Users live in a Map: with a plain object, "u=constructor" (or
 * __proto__, toString...) would find Object.prototype's member and pass for a user.
 */
export function decide(req: ConnectionRequest, users: ReadonlyMap<string, User>): void {
  const user = users.get(req.user ?? '');
  if (!user) return req.reject('SRT_REJX_FORBIDDEN');
  if (req.mode !== 'publish') return req.reject('SRT_REJX_BAD_MODE');
  req.accept({ passphrase: user.passphrase, latency: 300 });
}

/** The server; not yet listening. Each accepted publication goes to <user>-<resource>.ts. */
export function createAccessControlServer(users: ReadonlyMap<string, User>): SrtServer {
  const server = createServer({ latency: 200 }, (sock) => {
    const { u: user, r: resource = 'stream' } = parseStreamIdKeys(sock.streamId) ?? {}; // decide() let only users in
    // The caller chose these names: keep them a plain file name in this directory.
    const file = `${`${user}-${resource}`.replace(/[^\w.-]+/g, '_')}.ts`;
    // pipeline handles 'error' on both: a publisher that vanishes (ECONNRESET) ends its file, not the process.
    pipeline(sock, fs.createWriteStream(file), (err) => {
      console.log(`access-control: ${file} ${err ? `failed: ${err.message}` : `done, ${sock.bytesRead} bytes`}`);
    });
  });
  server.on('request', (req) => decide(req, users));
  server.on('reject', (r) => console.log(`access-control: refused ${r.address}:${r.port} ${JSON.stringify(r.streamId ?? '')}: ${r.reason}`));
  return server;
}

if (require.main === module) {
  const users = new Map<string, User>([
    ['alice', { passphrase: 'alice-secret-1' }],
    ['bob', { passphrase: 'bob-secret-22' }],
  ]);
  const server = createAccessControlServer(users);
  server.on('error', (err) => {
    console.error(`access-control: ${err.message}`); // EADDRINUSE: the port is taken
    process.exitCode = 1;
  });
  server.listen(Number(process.argv[2] ?? 9000), () => console.log('access-control: listening on', server.address()));
}
