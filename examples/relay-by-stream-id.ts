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
import { createServer, parseStreamIdKeys, SrtServer, SrtSocket } from '../src/index';

/**
 * The "#!::k=v,k=v" keys; a plain stream ID becomes { r: id }. The library's parser: its object
 * has no prototype, so a caller's "r=constructor" or a missing key never finds Object's members.
 */
export function parseStreamId(id: string): Readonly<Record<string, string>> {
  return parseStreamIdKeys(id) ?? { r: id };
}

/** The relay server; not yet listening. */
export function createRelayServer(): SrtServer {
  // Keyed by a name the caller chooses: a Map, where no name finds anything it did not put there.
  const players = new Map<string, Set<SrtSocket>>();
  return createServer({ latency: 200 }, (sock) => {
    const { r: resource = '', m: mode = 'request' } = parseStreamId(sock.streamId);
    const who = `${sock.remoteAddress}:${sock.remotePort}`;
    const shown = JSON.stringify(resource); // the caller's text, control characters included
    // A caller may vanish at any time (ECONNRESET): without this, its error would end the process.
    sock.on('error', (err) => console.error(`relay: ${who}: ${err.message}`));
    if (mode === 'publish') {
      console.log(`relay: ${who} publishes ${shown}`);
      sock.on('data', (chunk: Buffer) => {
        for (const p of players.get(resource) ?? []) p.write(chunk); // live: a slow player drops, it does not stall the rest
      });
      sock.on('close', () => console.log(`relay: publisher of ${shown} left`));
    } else {
      console.log(`relay: ${who} plays ${shown}`);
      const set = players.get(resource) ?? new Set<SrtSocket>();
      players.set(resource, set.add(sock));
      sock.resume(); // players send nothing we need
      sock.on('close', () => {
        set.delete(sock);
        if (set.size === 0) players.delete(resource); // the map does not grow with every name callers try
      });
    }
  });
}

if (require.main === module) {
  const server = createRelayServer();
  server.on('error', (err) => {
    console.error(`relay: ${err.message}`); // EADDRINUSE: the port is taken
    process.exitCode = 1;
  });
  server.listen(Number(process.argv[2] ?? 9000), () => console.log('relay: listening on', server.address()));
}
