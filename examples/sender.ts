/**
 * Sends the generated signal to an SRT listener (ours or srt-live-transmit / ffmpeg).
 *   node dist/examples/sender.js [host] [port] [mbps] [streamId]
 * Try: node dist/examples/receiver.js 9000   and, in another shell, node dist/examples/sender.js 127.0.0.1 9000
 */
import { connect } from '../src/index';
import { makeUnits, UNIT } from './signal';

const [host = '127.0.0.1', port = '9000', mbps = '5', streamId = 'example/cam1'] = process.argv.slice(2);
const sock = connect({ host, port: Number(port), streamId, latency: 200 });
sock.on('error', (err: Error & { code?: string; reason?: string }) => {
  console.error(`sender: ${err.message} (${err.code}${err.reason ? `, ${err.reason}` : ''})`);
  process.exitCode = 1;
});
sock.on('connect', () => {
  console.log(`sender: connected to ${host}:${port} as "${streamId}", ${mbps} Mbit/s; Ctrl-C to stop`);
  const perTick = Math.max(1, Math.round((Number(mbps) * 1e6) / 8 / UNIT / 100));
  let next = 0;
  const timer = setInterval(() => {
    sock.write(makeUnits(next, perTick));
    next += perTick;
  }, 10);
  const stats = setInterval(() => {
    const s = sock.getStats({ clear: true });
    console.log(`sender: ${((s.byteSent * 8) / 1e6).toFixed(2)} Mbit/s, RTT ${s.msRTT.toFixed(1)} ms, retransmitted ${s.pktRetrans}`);
  }, 1000);
  process.once('SIGINT', () => {
    clearInterval(timer);
    clearInterval(stats);
    sock.end(() => console.log(`sender: sent ${next} units`));
  });
});
