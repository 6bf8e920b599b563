/**
 * A fan-out relay on one port: publishers and players are told apart by their stream ID,
 * using the access-control convention  #!::r=<resource>,m=publish|request
 *   publisher: srt://host:9000?streamid=#!::r=live/cam1,m=publish
 *   player:    srt://host:9000?streamid=#!::r=live/cam1,m=request      (as many as you like)
 * Every byte a publisher sends is written to every player of the same resource.
 *   node dist/examples/relay-by-stream-id.js 9000
 *   ffmpeg -re -f lavfi -i testsrc -c:v libx264 -f mpegts 'srt://127.0.0.1:9000?streamid=#!::r=live/cam1,m=publish'
 *   ffplay 'srt://127.0.0.1:9000?streamid=#!::r=live/cam1,m=request'
 */
import { createServer, SrtServer, SrtSocket } from '../src/index';

/** Parses "#!::k=v,k=v" into a map; a plain stream ID becomes { r: id }. */
export function parseStreamId(id: string): Record<string, string> {
  if (!id.startsWith('#!::')) return { r: id };
  const out: Record<string, string> = {};
  for (const kv of id.slice(4).split(',')) {
    const eq = kv.indexOf('=');
    if (eq > 0) out[kv.slice(0, eq)] = kv.slice(eq + 1);
  }
  return out;
}

/** The relay server; not yet listening. */
export function createRelayServer(): SrtServer {
  const players = new Map<string, Set<SrtSocket>>();
  return createServer({ latency: 200 }, (sock) => {
  const { r: resource = '', m: mode = 'request' } = parseStreamId(sock.streamId);
  const who = `${sock.remoteAddress}:${sock.remotePort}`;
  if (mode === 'publish') {
    console.log(`relay: ${who} publishes "${resource}"`);
    sock.on('data', (chunk: Buffer) => {
      for (const p of players.get(resource) ?? []) p.write(chunk); // live: a slow player drops, it does not stall the rest
    });
    sock.on('close', () => console.log(`relay: publisher of "${resource}" left`));
  } else {
    console.log(`relay: ${who} plays "${resource}"`);
    let set = players.get(resource);
    if (!set) players.set(resource, (set = new Set()));
    set.add(sock);
    sock.resume(); // players send nothing we need
    sock.on('close', () => set!.delete(sock));
  }
  sock.on('error', (err) => console.error(`relay: ${who}: ${err.message}`));
  });
}

if (require.main === module) {
  const server = createRelayServer();
  server.listen(Number(process.argv[2] ?? 9000), () => console.log('relay: listening on', server.address()));
}
