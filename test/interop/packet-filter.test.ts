/**
 * Packet-filter (FEC) negotiation against srt-live-transmit (libsrt 1.5.1 has the fec filter built in).
 * A conflicting configuration is refused with SRT_REJ_FILTER whichever side is the listener; matching
 * ones and a filter only one side asks for follow libsrt's rules, and the merged string is what both
 * sides apply. The FEC itself against libsrt, through a lossy relay: fec.test.ts.
 */
import { expect } from 'chai';
import { RejectInfo, ServerOptions } from '../../src/index';
import { cleanupPeers, freeUdpPort, requireTool, SLT_BASE_ARGS, spawnPeer, waitForSrtListener } from '../support/interop';
import { connectTo, sltCallerToServer, startServer } from '../support/interop-srt';

const SLT_REJECTED = /REJECT|rejection|[Rr]ejected/;

/** Our caller with `ours` against an srt-live-transmit listener with `theirs`: the filter it applied, or its refusal. */
async function callerToSlt(ours: string, theirs: string): Promise<{ filter?: string; refused?: Error & { reason: string }; slt: string }> {
  const port = await freeUdpPort();
  const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', `srt://:${port}?packetfilter=${theirs}`, 'file://con'], { name: 'slt-listener' });
  await waitForSrtListener(port, { peer: slt });
  const r = await connectTo({ host: '127.0.0.1', port, ...(ours ? { packetFilter: ours } : {}), connectTimeout: 5000 }, 10000, () => slt.diag()).then(
    (sock) => {
      const filter = sock.packetFilter;
      sock.destroy();
      return { filter };
    },
    (e: Error) => ({ refused: e.cause as Error & { reason: string } }),
  );
  await slt.kill('SIGINT');
  return { ...r, slt: slt.diag() };
}

/** callerToSlt, which must be refused: the connect error. */
async function callerRefused(ours: string, theirs: string): Promise<{ reason: string; message: string; slt: string }> {
  const r = await callerToSlt(ours, theirs);
  if (!r.refused) throw new Error(`connected with filter ${ours} to ${theirs}`);
  return { reason: r.refused.reason, message: r.refused.message, slt: r.slt };
}

/** callerToSlt, which must connect: the filter it applies. */
async function callerConnects(ours: string, theirs: string): Promise<{ filter: string; slt: string }> {
  const r = await callerToSlt(ours, theirs);
  if (r.refused) throw new Error(`filter ${ours} refused by ${theirs}: ${r.refused.message}\n${r.slt}`);
  return { filter: r.filter!, slt: r.slt };
}

/** An srt-live-transmit caller with `theirs` against our server with `ours`: the 'reject' events and slt's log. */
async function serverRefuses(ours: string, theirs: string, server: ServerOptions = {}): Promise<{ rejects: RejectInfo[]; slt: string }> {
  const port = await freeUdpPort();
  const srv = await startServer({ ...server, packetFilter: ours }, port);
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

  it("matching filters: libsrt's listener agrees and its merged string is the one our caller applies", async function () {
    this.timeout(30000);
    const r = await callerConnects('fec,cols:10,rows:5', 'fec');
    expect(r.filter, r.slt).to.equal('fec,arq:onreq,cols:10,layout:staircase,rows:5');
  });

  it('matching filters from an slt caller: our server takes them and the slt caller streams', async function () {
    this.timeout(30000);
    const sock = await sltCallerToServer({ streamId: 'pf', chunk: 1316, bytes: 1316 * 300, seed: 'pf-both', server: { packetFilter: 'fec,cols:10,rows:5' }, sltQuery: 'packetfilter=fec,cols:10,rows:5' });
    expect(sock.packetFilter).to.equal('fec,arq:onreq,cols:10,layout:staircase,rows:5');
  });

  it('filter on the slt listener only: libsrt 1.5.1 answers it anyway and our caller without one adopts it', async function () {
    // libsrt 1.5.5 drops a listener's filter the caller did not ask for (core.cpp interpretSrtHandshake,
    // "Agent has configured packetfilter, but peer didn't request it"); 1.5.1 still imposes it.
    this.timeout(30000);
    const r = await callerConnects('', 'fec,cols:10,rows:5');
    expect(r.filter, r.slt).to.equal('fec,cols:10,rows:5');
  });

  it('a file-mode slt caller with a filter: our file-mode server refuses SRT_REJ_FILTER (the fec filter is live only)', async function () {
    this.timeout(30000);
    const r = await serverRefuses('', 'fec,cols:10,rows:5&transtype=file', { transType: 'file' });
    expect(r.rejects.map((x) => x.reason), r.slt).to.deep.equal(['SRT_REJ_FILTER']);
  });

  it("filter on our server only: the caller asked for none, so none (libsrt 1.5.5's rule); an slt caller streams", async function () {
    this.timeout(30000);
    const sock = await sltCallerToServer({ streamId: 'pf', chunk: 1316, bytes: 1316 * 300, seed: 'pf-our-listener', server: { packetFilter: 'fec,cols:10,rows:5' } });
    expect(sock.packetFilter).to.equal('');
  });
});
