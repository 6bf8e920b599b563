/**
 * A srt-live-transmit peer SIGKILLed mid-stream: it sends nothing more, not even a SHUTDOWN. Our side
 * learns only from silence (protocol notes 2.8: broken after SRTO_PEERIDLETIMEO, 5000 ms by default),
 * so the socket must emit 'error' with code ECONNRESET, then 'close', within peerIdleTimeout + 1 s of
 * the kill, in both roles:
 *   slt caller (sending)  -> our SrtServer   (we receive)
 *   our connect() (sending) -> slt listener  (we send into a dead port: ICMP unreachable)
 * And nothing leaks: the socket's engine is closed with no timer armed, the event loop holds no
 * more timers or UDP sockets than before the connection (process.getActiveResourcesInfo(), which
 * counts only ref'ed handles), the server forgets the connection and serves a second caller.
 */
import { expect } from 'chai';
import type { SrtSocket } from '../../src/index';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_TARGET_CONNECTED, cleanupPeers, delay, describeMismatch, freeUdpPort,
  pacedWrite, randomBytes, requireTool, spawnPeer, waitFor, waitForSrtListener, withTimeout,
} from '../support/interop';
import { connectTo, startServer, statsText } from '../support/interop-srt';

const PEER_IDLE_MS = 5000; // the default SRTO_PEERIDLETIMEO; the tests use the defaults
const BITRATE = 10e6;

/** Active (ref'ed) resources by type, e.g. { Timeout: 2, UDPWrap: 1 }. */
function resources(): Record<string, number> {
  // (take a baseline after `await settle()`: a just-closed handle, like freeUdpPort()'s probe, is listed until the next loop turn)
  const out: Record<string, number> = {};
  for (const r of process.getActiveResourcesInfo()) out[r] = (out[r] ?? 0) + 1;
  return out;
}

function settle(): Promise<void> {
  return delay(50);
}

interface Ending {
  errorAt?: number;
  error?: Error & { code?: string };
  closeAt?: number;
  order: string[];
  closed: Promise<void>;
}

function watchEnding(sock: SrtSocket): Ending {
  const e: Ending = { order: [], closed: Promise.resolve() };
  e.closed = new Promise<void>((resolve) => {
    sock.on('error', (err: Error) => { e.order.push('error'); e.errorAt ??= performance.now(); e.error ??= err; });
    sock.on('end', () => e.order.push('end'));
    sock.once('close', () => { e.order.push('close'); e.closeAt = performance.now(); resolve(); });
  });
  return e;
}

/** Kills `kill` with SIGKILL, waits for our socket to error and close; returns ms from kill to 'error'. */
async function killAndExpectReset(sock: SrtSocket, ending: Ending, kill: () => Promise<unknown>, label: string, diag: () => string): Promise<number> {
  const killedAt = performance.now();
  await kill();
  await withTimeout(ending.closed, PEER_IDLE_MS + 3000, () => `${label}: socket did not close within ${PEER_IDLE_MS + 3000} ms of the kill ` +
    `(events: ${ending.order.join(', ') || 'none'})\n${statsText(sock)}\n${diag()}`);
  const errMs = ending.errorAt !== undefined ? ending.errorAt - killedAt : NaN;
  const closeMs = ending.closeAt! - killedAt;
  console.log(`      ${label}: SIGKILL -> 'error' ${errMs.toFixed(0)} ms (${ending.error?.code}: ${ending.error?.message}), -> 'close' ${closeMs.toFixed(0)} ms`);
  expect(ending.error, `${label}: no 'error' before 'close' (events: ${ending.order.join(', ')})`).to.not.equal(undefined);
  expect(ending.error!.code, ending.error!.message).to.equal('ECONNRESET');
  expect(ending.order.indexOf('error'), `events: ${ending.order.join(', ')}`).to.be.lessThan(ending.order.indexOf('close'));
  expect(closeMs, `${label}: 'close' later than peerIdleTimeout + 1 s after the kill`).to.be.at.most(PEER_IDLE_MS + 1000);
  // The connection was really alive until the kill, so the timeout counted from then.
  expect(errMs, `${label}: 'error' came too early for a peer-idle timeout`).to.be.at.least(PEER_IDLE_MS - 1000);
  // Nothing armed on the dead socket.
  const s = sock as unknown as { engine?: { closed: boolean }; timer?: unknown };
  expect(s.engine?.closed, `${label}: engine not closed`).to.equal(true);
  expect(s.timer, `${label}: the socket still has a timer armed after 'close'`).to.equal(undefined);
  expect(sock.destroyed).to.equal(true);
  return errMs;
}

/** Resources may take a tick or two to go (closing UDP handles, child pipes): poll briefly. */
async function expectNoExtraResources(before: Record<string, number>, label: string): Promise<void> {
  let now: Record<string, number> = {};
  const extra = () => Object.entries(now).filter(([k, v]) => (k === 'Timeout' || k === 'UDPWrap') && v > (before[k] ?? 0));
  await waitFor(() => { now = resources(); return extra().length === 0; }, 2000, {
    message: () => `${label}: more timers / UDP sockets than before the connection: before ${JSON.stringify(before)}, now ${JSON.stringify(now)}`,
  });
}

describe('interop: srt-live-transmit SIGKILLed mid-stream (default peerIdleTimeout 5 s)', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it("slt caller killed: our accepted socket emits 'error' ECONNRESET then 'close' within 6 s; the server serves a second caller", async function () {
    this.timeout(30000);
    const port = await freeUdpPort();
    const srv = await startServer({ latency: 120 }, port);
    const serverErrors: Error[] = [];
    srv.server.on('error', (e: Error) => serverErrors.push(e));
    await settle();
    const baseline = resources();

    const url = `srt://127.0.0.1:${port}`;
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', url], { name: 'slt-caller' });
    const sock = await srv.nextConnection(10000, () => slt.diag());
    const ending = watchEnding(sock);
    const got = new ByteCollector(sock);
    await slt.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    // 10 s worth, cut by the kill after ~1.5 s of data.
    const feeding = pacedWrite(slt.proc.stdin!, randomBytes(1316 * 9500, 'killed-caller'), { bitrate: BITRATE, chunkSize: 1316 }).catch(() => {});
    await got.waitForBytes(1316 * 1000, 10000, () => `${statsText(sock)}\n${slt.diag()}`);
    const errMs = await killAndExpectReset(sock, ending, () => slt.kill('SIGKILL'), 'slt caller killed', () => slt.diag());
    await feeding;
    expect(slt.exitStatus?.signal).to.equal('SIGKILL');
    expect(errMs).to.be.a('number');

    const conns = await new Promise<number>((r) => srv.server.getConnections((_e, n) => r(n)));
    expect(conns, 'the server still counts the dead connection').to.equal(0);
    await expectNoExtraResources(baseline, 'after the killed caller');

    // A second caller is served as if nothing happened.
    const slt2 = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', url], { name: 'slt-caller-2' });
    const sock2 = await srv.nextConnection(10000, () => slt2.diag());
    const ending2 = watchEnding(sock2);
    const got2 = new ByteCollector(sock2);
    await slt2.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    const data2 = randomBytes(1316 * 400, 'second-caller');
    await pacedWrite(slt2.proc.stdin!, data2, { bitrate: 20e6, chunkSize: 1316 });
    await got2.waitForBytes(data2.length, 10000, () => `${statsText(sock2)}\n${slt2.diag()}`);
    await delay(100);
    expect(got2.buffer().equals(data2), describeMismatch(got2.buffer(), data2)).to.equal(true);
    await slt2.kill('SIGINT'); // SHUTDOWN: a clean end this time
    await withTimeout(ending2.closed, 5000, () => `second connection did not close after SHUTDOWN (events: ${ending2.order.join(', ')})`);
    expect(ending2.order, 'a SHUTDOWN is a clean end: no error').to.not.include('error');
    await expectNoExtraResources(baseline, 'after the second caller');
    expect(serverErrors.map((e) => e.message), 'SrtServer emitted errors').to.deep.equal([]);
  });

  it("slt listener killed while we send: our connect() socket emits 'error' ECONNRESET then 'close' within 6 s; no UDP socket or timer left", async function () {
    this.timeout(30000);
    const port = await freeUdpPort();
    await settle();
    const baseline = resources();
    const slt = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-listener' });
    const out = new ByteCollector(slt.proc.stdout!);
    await waitForSrtListener(port, { peer: slt });
    const sock = await connectTo({ host: '127.0.0.1', port }, 10000, () => slt.diag());
    const ending = watchEnding(sock);
    // The check below can see our sockets: the caller owns one UDP socket while connected.
    expect(resources().UDPWrap ?? 0, 'the connected caller\'s UDP socket is not visible to getActiveResourcesInfo()').to.be.greaterThan(baseline.UDPWrap ?? 0);
    const writeErr: Error[] = [];
    const feeding = pacedWrite(sock, randomBytes(1316 * 9500, 'killed-listener'), { bitrate: BITRATE, chunkSize: 1316, end: false })
      .catch((e: Error) => { writeErr.push(e); });
    await out.waitForBytes(1316 * 1000, 10000, () => `${statsText(sock)}\n${slt.diag()}`);
    await killAndExpectReset(sock, ending, () => slt.kill('SIGKILL'), 'slt listener killed', () => slt.diag());
    await feeding;
    expect(writeErr.length, 'the paced writer should have seen the socket fail').to.equal(1);
    await expectNoExtraResources(baseline, 'after the killed listener');
  });
});
