/**
 * Receives the generated signal from any number of callers on one port and checks every byte.
 *   node dist/examples/receiver.js [port]
 */
import { createServer } from '../src/index';
import { SignalChecker } from './signal';

const port = Number(process.argv[2] ?? 9000);
const server = createServer({ latency: 200 }, (sock) => {
  // JSON.stringify: the caller chooses its stream ID, control characters included.
  const name = `${sock.remoteAddress}:${sock.remotePort} ${JSON.stringify(sock.streamId)}`;
  const check = new SignalChecker();
  console.log(`receiver: ${name} connected`);
  sock.on('data', (d: Buffer) => check.push(d));
  const stats = setInterval(() => {
    const s = sock.getStats({ clear: true });
    console.log(
      `receiver: ${name} ${((s.byteRecv * 8) / 1e6).toFixed(2)} Mbit/s, units ok ${check.intact}, missing ${check.missing}, ` +
        `lost ${s.pktRcvLoss} (recovered ${s.pktRcvRetrans}), too late ${s.pktRcvDrop}`,
    );
  }, 1000);
  sock.on('close', () => {
    clearInterval(stats);
    console.log(`receiver: ${name} closed after ${check.intact} intact units, ${check.missing} missing`);
  });
  sock.on('error', (err) => console.error(`receiver: ${name}: ${err.message}`));
});
server.on('error', (err) => {
  console.error(`receiver: ${err.message}`); // EADDRINUSE: the port is taken
  process.exitCode = 1;
});
server.listen(port, () => console.log('receiver: listening on', server.address()));
