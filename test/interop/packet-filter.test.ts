/**
 * Packet-filter (FEC) negotiation against srt-live-transmit (libsrt 1.5.1 has the fec filter built in).
 * A conflicting configuration is refused with SRT_REJ_FILTER whichever side is the listener; a filter
 * only one side asks for follows libsrt's rules. The fec filter itself is not implemented yet, so a
 * connection that negotiates one is refused with SRT_REJ_FILTER too. Measured with the refusal lifted
 * (fec,cols:10,rows:5, latency 400 ms, 3000 packets of 1316 bytes, 2 % loss on the data path):
 * - our plain data -> slt receiver: arq:always byte-exact (ARQ repairs all); arq:onreq (libsrt's
 *   default) lost 1 packet, arq:never 58: without FEC packets from us, its FEC waits for groups that
 *   never complete.
 * - slt sender -> us, arq:always: 32 foreign chunks delivered, 16 missing. libsrt's FEC control
 *   packets carry the sequence number of their group's last packet (msgno 0, 4 bytes longer), so one
 *   arriving where that packet was lost fills the gap with parity bytes, and no NAK asks for it.
 */
import { expect } from 'chai';
import { RejectInfo } from '../../src/index';
import { cleanupPeers, freeUdpPort, requireTool, SLT_BASE_ARGS, spawnPeer, waitForSrtListener } from '../support/interop';
import { connectTo, sltCallerToServer, startServer } from '../support/interop-srt';

const SLT_REJECTED = /REJECT|rejection|[Rr]ejected/;

/** Our caller with `ours` against an srt-live-transmit listener with `theirs`: the connect error. */
async function callerRefused(ours: string, theirs: string): Promise<{ reason: string; message: string; slt: string }> {
  const port = await freeUdpPort();
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', `srt://:${port}?packetfilter=${theirs}`, 'file://con'], { name: 'slt-listener' });
  await waitForSrtListener(port, { peer: slt });
  const err = await connectTo({ host: '127.0.0.1', port, ...(ours ? { packetFilter: ours } : {}), connectTimeout: 5000 }, 10000, () => slt.diag()).then(
    () => { throw new Error(`connected with filter ${ours} to ${theirs}`); },
    (e: Error) => e.cause as Error & { reason: string },
  );
  await slt.kill('SIGINT');
  return { reason: err.reason, message: err.message, slt: slt.diag() };
}

/** An srt-live-transmit caller with `theirs` against our server with `ours`: the 'reject' events and slt's log. */
async function serverRefuses(ours: string, theirs: string): Promise<{ rejects: RejectInfo[]; slt: string }> {
  const port = await freeUdpPort();
  const srv = await startServer({ packetFilter: ours }, port);
  const rejects: RejectInfo[] = [];
  srv.server.on('reject', (r) => rejects.push(r));
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', 'file://con',
    `srt://127.0.0.1:${port}?packetfilter=${theirs}`], { name: 'slt-caller' });
  await slt.waitForStderr(SLT_REJECTED, 10000);
  await slt.kill('SIGKILL');
  return { rejects, slt: slt.diag() };
}

describe('interop: packet filter negotiation with srt-live-transmit', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('cols:10 against an slt listener with cols:20: libsrt refuses, our caller fails with SRT_REJ_FILTER', async function () {
    this.timeout(30000);
    const r = await callerRefused('fec,cols:10,rows:5', 'fec,cols:20,rows:5');
    expect(r.reason, r.slt).to.equal('SRT_REJ_FILTER');
    expect(r.slt).to.match(/FILTER CONFIG.*rejected/);
  });

  it('an slt caller with cols:10 against our server with cols:20: refused SRT_REJ_FILTER, slt reports the rejection', async function () {
    this.timeout(30000);
    const r = await serverRefuses('fec,cols:20,rows:5', 'fec,cols:10,rows:5');
    expect(r.rejects.map((x) => x.reason), r.slt).to.deep.equal(['SRT_REJ_FILTER']);
    expect(r.slt).to.match(/[Ff]ilter|FILTER/);
  });

  it("matching filters: libsrt's listener agrees (its merged string reaches us), we refuse SRT_REJ_FILTER until the fec filter exists", async function () {
    this.timeout(30000);
    const r = await callerRefused('fec,cols:10,rows:5', 'fec');
    expect(r.reason, r.slt).to.equal('SRT_REJ_FILTER');
    expect(r.message).to.include('"fec,arq:onreq,cols:10,layout:staircase,rows:5" negotiated');
    expect(r.message).to.include('not implemented yet');
  });

  it('matching filters from an slt caller: our server refuses SRT_REJ_FILTER', async function () {
    this.timeout(30000);
    const r = await serverRefuses('fec,cols:10,rows:5', 'fec,cols:10,rows:5');
    expect(r.rejects.map((x) => x.reason), r.slt).to.deep.equal(['SRT_REJ_FILTER']);
  });

  it("filter on the slt listener only: libsrt 1.5.1 answers it anyway and a caller without one adopts it (so we refuse, for now)", async function () {
    // libsrt 1.5.5 drops a listener's filter the caller did not ask for (core.cpp interpretSrtHandshake,
    // "Agent has configured packetfilter, but peer didn't request it"); 1.5.1 still imposes it.
    this.timeout(30000);
    const r = await callerRefused('', 'fec,cols:10,rows:5');
    expect(r.reason, r.slt).to.equal('SRT_REJ_FILTER');
    expect(r.message).to.include('"fec,cols:10,rows:5" negotiated');
  });

  it("filter on our server only: the caller asked for none, so none (libsrt 1.5.5's rule); an slt caller streams", async function () {
    this.timeout(30000);
    const sock = await sltCallerToServer({ streamId: 'pf', chunk: 1316, bytes: 1316 * 300, seed: 'pf-our-listener', server: { packetFilter: 'fec,cols:10,rows:5' } });
    expect(sock.packetFilter).to.equal('');
  });
});
