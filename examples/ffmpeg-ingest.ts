/**
 * ffmpeg ingest: accepts SRT publishers (ffmpeg, OBS, srt-live-transmit) and records each
 * to <streamId>.ts. Run it, then publish a test picture with ffmpeg:
 *   node dist/examples/ffmpeg-ingest.js 9000
 *   ffmpeg -re -f lavfi -i testsrc=size=640x360:rate=25 -c:v libx264 -f mpegts \
 *     'srt://127.0.0.1:9000?pkt_size=1316&streamid=cam1&latency=200000'     # ffmpeg latency is in µs
 */
import fs from 'node:fs';
import { pipeline } from 'node:stream';
import { createServer } from '../src/index';

const port = Number(process.argv[2] ?? 9000);
const server = createServer({ latency: 200 }, (sock) => {
  // The caller chooses its stream ID: keep it a plain name in this directory.
  const file = `${(sock.streamId || `stream-${sock.remotePort}`).replace(/[^\w.-]+/g, '_')}.ts`;
  console.log(`ingest: ${sock.remoteAddress}:${sock.remotePort} publishes ${JSON.stringify(sock.streamId)} -> ${file}`);
  // pipeline handles 'error' on both: a publisher that vanishes (ECONNRESET) ends its file, not the process.
  pipeline(sock, fs.createWriteStream(file), (err) => {
    console.log(`ingest: ${file} ${err ? `failed: ${err.message}` : `done, ${sock.bytesRead} bytes`}`);
  });
});
server.on('error', (err) => {
  console.error(`ingest: ${err.message}`); // EADDRINUSE: the port is taken
  process.exitCode = 1;
});
server.listen(port, () => console.log('ingest: listening on', server.address()));
