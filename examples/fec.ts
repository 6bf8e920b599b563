/**
 * Forward error correction against retransmission, side by side: the same signal through the
 * same lossy link (the impairment relay, seeded), once per packet filter setting, and what each
 * delivered, rebuilt and retransmitted.
 *   node dist/examples/fec.js [lossPercent=5] [seconds=4]
 * Without a filter ARQ repairs everything, one round trip later. With fec,arq:never nothing is
 * asked again: single losses per group come back from the parity packets, bursts do not. With
 * fec,arq:onreq (libsrt's default) only what FEC could not rebuild is retransmitted.
 * The latency must hold a whole matrix (cols x rows packets, here 50 = 90 ms at 6 Mbit/s) and
 * a few round trips: a column is complete only once its last row has arrived.
 */
import { once } from 'node:events';
import { connect, createServer } from '../src/index';
import { ImpairmentRelay } from '../src/tools/impairment-relay';
import { makeUnits, SignalChecker, UNIT } from './signal';

export interface FecRun {
  filter: string;
  sent: number;
  intact: number;
  missing: number;
  rebuilt: number;
  retransmitted: number;
  fecPackets: number;
}

const UNITS_PER_PACKET = 7; // 7 x 188 = 1316 bytes, an MPEG-TS payload

const MBPS = 6;
const LATENCY = 300;

/** Streams `seconds` of 6 Mbit/s through a relay losing `loss` of the data packets, with `filter` on both sides. */
export async function runFec(filter: string, loss: number, seconds: number, seed = 7): Promise<FecRun> {
  const server = createServer({ latency: LATENCY, ...(filter ? { packetFilter: filter } : {}) });
  const checker = new SignalChecker();
  const accepted = once(server, 'connection');
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const relay = new ImpairmentRelay({ target: { host: '127.0.0.1', port: server.address()!.port }, forward: { loss }, dataOnly: true, seed });
  const sender = connect({ host: '127.0.0.1', port: await relay.listen(), latency: LATENCY, ...(filter ? { packetFilter: filter } : {}) });
  await once(sender, 'connect');
  const [sock] = await accepted;
  sock.on('data', (d: Buffer) => checker.push(d));
  const perSecond = (MBPS * 1e6) / 8 / (UNIT * UNITS_PER_PACKET);
  const lossy = Math.round(perSecond * seconds);
  // Then a clean tail of two matrices: a group is only complete (and, with arq:onreq, decided)
  // once packets after it arrive, so a stream that stops right after a loss keeps it missing.
  const packets = lossy + 100;
  const t0 = Date.now();
  for (let i = 0; i < packets; ) {
    // Paced by the clock (timers are coarse): what is due now, then a millisecond's sleep.
    const due = Math.min(packets, Math.floor(((Date.now() - t0) / 1000) * perSecond));
    for (; i < due; i++) {
      if (i === lossy) relay.forward.set({ loss: 0 });
      sender.write(makeUnits(i * UNITS_PER_PACKET, UNITS_PER_PACKET));
    }
    await new Promise((r) => setTimeout(r, 1));
  }
  await new Promise((r) => setTimeout(r, LATENCY + 500)); // latency and a few round trips
  const rcv = sock.getStats();
  const snd = sender.getStats();
  sender.destroy();
  sock.destroy();
  relay.close();
  await new Promise((r) => server.close(() => r(undefined)));
  const sent = packets * UNITS_PER_PACKET;
  return {
    filter: filter || '(none: ARQ)',
    sent,
    intact: checker.intact,
    missing: sent - checker.intact,
    rebuilt: rcv.pktRcvFilterSupplyTotal,
    retransmitted: snd.pktRetransTotal,
    fecPackets: snd.pktSndFilterExtraTotal,
  };
}

export const FILTERS = ['', 'fec,cols:10,rows:5,arq:never', 'fec,cols:10,rows:5,arq:onreq'];

if (require.main === module) {
  const loss = Number(process.argv[2] ?? 5) / 100;
  const seconds = Number(process.argv[3] ?? 4);
  void (async () => {
    console.log(`${seconds} s of ${MBPS} Mbit/s through ${loss * 100} % loss, latency ${LATENCY} ms (units of ${UNIT} bytes, ${UNITS_PER_PACKET} per packet):`);
    console.log('filter                          units sent   intact  missing  rebuilt by FEC  retransmitted  FEC packets');
    for (const f of FILTERS) {
      const r = await runFec(f, loss, seconds);
      console.log(`${r.filter.padEnd(30)}  ${String(r.sent).padStart(10)}  ${String(r.intact).padStart(7)}  ${String(r.missing).padStart(7)}  ${String(r.rebuilt).padStart(14)}  ${String(r.retransmitted).padStart(13)}  ${String(r.fecPackets).padStart(11)}`);
    }
  })();
}
