/**
 * npm run demo: a listener and a caller in one process, streaming a generated
 * 8 Mbit/s signal through a lossy relay (5 % loss, 20 ms delay each way), with
 * live stats every second. Usage: node dist/examples/demo.js [seconds] [lossPercent]
 */
import { once } from 'node:events';
import { connect, createServer, SrtSocket } from '../src/index';
import { ImpairmentRelay } from '../src/tools/impairment-relay';
import { makeUnits, SignalChecker, UNIT } from './signal';

const seconds = Number(process.argv[2] ?? 10);
const lossPct = Number(process.argv[3] ?? 5);
const MBPS = 8;
const LATENCY = 200;

async function main(): Promise<void> {
  const checker = new SignalChecker();
  let receiver: SrtSocket | undefined;
  const server = createServer({ latency: LATENCY }, (sock) => {
    receiver = sock;
    console.log(`listener: accepted ${sock.remoteAddress}:${sock.remotePort}, stream ID ${JSON.stringify(sock.streamId)}`);
    sock.on('data', (d: Buffer) => checker.push(d));
    sock.on('error', (err) => console.error(`listener: ${err.message}`)); // e.g. ECONNRESET: the caller vanished
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening'); // rejects on an 'error' before it
  server.on('error', (err) => console.error(`listener: ${err.message}`));
  const listenPort = server.address()!.port;

  const relay = new ImpairmentRelay({
    target: { host: '127.0.0.1', port: listenPort },
    forward: { loss: lossPct / 100, delayMs: 20 },
    backward: { loss: lossPct / 200, delayMs: 20 },
  });
  const relayPort = await relay.listen();
  console.log(`listener on 127.0.0.1:${listenPort}; relay on :${relayPort} (${lossPct}% loss, 20 ms each way)`);

  const caller = connect({ host: '127.0.0.1', port: relayPort, streamId: 'demo/cam1', latency: LATENCY });
  await once(caller, 'connect'); // rejects on an 'error' before it
  caller.on('error', (err) => console.error(`caller: ${err.message}`));
  console.log(`caller: connected, latency ${caller.getStats().msSndTsbPdDelay} ms; streaming ${MBPS} Mbit/s for ${seconds} s\n`);
  console.log('  t   send Mb/s  recv Mb/s   RTT ms  relay drop  NAKed  rexmit  rcv loss  too late  units ok');

  // Paced writer: every 10 ms, the units due at MBPS.
  const unitsPerTick = Math.round((MBPS * 1e6) / 8 / UNIT / 100);
  let next = 0;
  const t0 = Date.now();
  const writer = setInterval(() => {
    caller.write(makeUnits(next, unitsPerTick));
    next += unitsPerTick;
  }, 10);

  const stats = setInterval(() => {
    const s = caller.getStats({ clear: true });
    const r = receiver?.getStats({ clear: true });
    const t = ((Date.now() - t0) / 1000).toFixed(0).padStart(3);
    const mbps = (bytes: number) => ((bytes * 8) / 1e6).toFixed(2).padStart(9);
    console.log(
      `${t}  ${mbps(s.byteSent)}  ${mbps(r?.byteRecv ?? 0)}  ${s.msRTT.toFixed(1).padStart(7)}  ` +
        `${String(relay.forward.counters.dropped).padStart(10)}  ${String(s.pktSndLoss).padStart(5)}  ${String(s.pktRetrans).padStart(6)}  ` +
        `${String(r?.pktRcvLoss ?? 0).padStart(8)}  ${String(r?.pktRcvDrop ?? 0).padStart(8)}  ${String(checker.intact).padStart(8)}`,
    );
  }, 1000);

  await new Promise((r) => setTimeout(r, seconds * 1000));
  clearInterval(writer);
  const ended = new Promise((r) => receiver?.once('end', r));
  caller.end();
  await Promise.race([ended, new Promise((r) => setTimeout(r, 3000))]);
  clearInterval(stats);
  relay.close();
  server.close();
  const total = caller.getStats();
  console.log(
    `\nsent ${next} units; received ${checker.intact} intact, ${checker.missing} missing, ${checker.corrupt} corrupt. ` +
      `Relay dropped ${relay.forward.counters.dropped} data-direction datagrams; sender retransmitted ${total.pktRetransTotal}.`,
  );
  process.exitCode = checker.intact === next && checker.corrupt === 0 ? 0 : 1;
}

main().catch((err) => {
  console.error('demo failed:', err);
  process.exit(1);
});
