/**
 * srt-pipe's libsrt URL parameters against srt-live-transmit 1.5.1: minversion (SRT_REJ_VERSION
 * both ways, and our caller refusing an old listener), ipv6only on a [::] listener, tsbpdmode=0,
 * ipttl (seen on the wire with tshark, skipped without it), and udp:// multicast: groups joined on
 * an adapter, source-specific multicast, mcloop.
 */
import { expect } from 'chai';
import * as dgram from 'node:dgram';
import * as os from 'node:os';
import * as path from 'node:path';
import { connect } from '../../src/index';
import {
  ByteCollector, SLT_BASE_ARGS, SLT_SOURCE_CONNECTED, SLT_TARGET_CONNECTED, cleanupPeers, describeMismatch, findTool, freeUdpPort,
  onCleanup, pacedWrite, randomBytes, readSltStats, requireTool, spawnPeer, SRT_PIPE, tempDir, waitForSrtListener, withTimeout,
  type PeerHandle,
} from '../support/interop';

function srtPipe(args: readonly string[], name = 'srt-pipe'): PeerHandle {
  return spawnPeer(process.execPath, [...SRT_PIPE, ...args], { name });
}

/** What connect() to host:port comes to: 'connected' or the error code. */
async function callerOutcome(host: string, port: number): Promise<string> {
  const sock = connect({ host, port, connectTimeout: 1000 });
  onCleanup(() => sock.destroy());
  const r = await new Promise<string>((resolve) => {
    sock.once('connect', () => resolve('connected'));
    sock.once('error', (e: Error & { code?: string }) => resolve(e.code ?? e.message));
  });
  sock.destroy();
  return r;
}

/** A multicast group of our own per port: concurrent runs on the machine do not hear each other. */
function groupFor(port: number): string {
  return `239.255.${(port >> 8) & 0xff}.${port & 0xff}`;
}

/** A socket bound to group:port, joined on `iface`; every datagram it gets is kept. */
async function groupReceiver(group: string, port: number, iface: string): Promise<{ got: Buffer[]; sock: dgram.Socket }> {
  const sock = dgram.createSocket({ type: 'udp4', reuseAddr: true });
  onCleanup(() => { try { sock.close(); } catch { /* closed */ } });
  await new Promise<void>((r) => sock.bind(port, group, r));
  sock.addMembership(group, iface);
  const got: Buffer[] = [];
  sock.on('message', (m) => got.push(m));
  return { got, sock };
}

/** Sends one datagram to group:port out of `iface`, looped back to local receivers. */
async function sendToGroup(msg: string, group: string, port: number, iface: string): Promise<void> {
  const s = dgram.createSocket('udp4');
  await new Promise<void>((r) => s.bind(0, r));
  s.setMulticastInterface(iface);
  s.setMulticastLoopback(true);
  await new Promise<void>((r, j) => s.send(msg, port, group, (e) => (e ? j(e) : r())));
  s.close();
}

/** Why multicast through `iface` does not come back to a local receiver here, or undefined if it does. */
async function multicastUnavailable(iface: string): Promise<string | undefined> {
  const port = await freeUdpPort();
  const group = groupFor(port);
  try {
    const rx = await groupReceiver(group, port, iface);
    await sendToGroup('probe', group, port, iface);
    await withTimeout(new Promise<void>((r) => rx.sock.once('message', () => r())), 1000, 'no datagram came back');
    rx.sock.close();
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

/** Resolves once `got` holds a datagram equal to `marker`. */
function waitForMarker(got: Buffer[], marker: string, sock: dgram.Socket, timeoutMs: number): Promise<void> {
  return withTimeout(new Promise<void>((resolve) => {
    const check = () => { if (got.some((b) => b.toString() === marker)) { sock.off('message', check); resolve(); } };
    sock.on('message', check);
    check();
  }), timeoutMs, () => `marker '${marker}' not received (${got.length} datagrams)`);
}

describe('srt-pipe libsrt URL parameters against srt-live-transmit', function () {
  this.timeout(60000);
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  describe('minversion', () => {
    it('srt-pipe listener minversion=1.5.2 refuses the 1.5.1 srt-live-transmit caller: "Peer version too old" (SRT_REJ_VERSION)', async () => {
      const port = await freeUdpPort();
      const rx = srtPipe(['-v', `srt://:${port}?minversion=1.5.2`, '-'], 'srt-pipe-listener');
      await waitForSrtListener(port, { peer: rx });
      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-loglevel', 'warning', 'file://con', `srt://127.0.0.1:${port}`], { name: 'slt-caller' });
      await tx.waitForStderr(/Peer version too old/, 10000);
      await rx.waitForStderr(/rejected caller 127\.0\.0\.1:\d+: 1008 - peer version too old \(SRT_REJ_VERSION\) \(peer version 1\.5\.1 is older than the minimum 1\.5\.2\)/, 5000);
    });

    it('srt-live-transmit listener minversion=0x010600 refuses the srt-pipe caller (1.5.5): srt-pipe exits 1 with SRT_REJ_VERSION', async () => {
      const port = await freeUdpPort();
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}?minversion=0x010600`, 'file://con'], { name: 'slt-listener' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}`], 'srt-pipe-caller');
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(1);
      expect(tx.stderrText()).to.match(/SRT connection rejected: SRT_REJ_VERSION/);
      await rx.waitForStderr(/Peer version: 1\.5\.5 is too old for requested: 1\.6\.0/, 5000);
    });

    it('srt-pipe caller minversion=1.5.2 refuses the 1.5.1 listener and tells it (SHUTDOWN): srt-live-transmit sees its source leave', async () => {
      const port = await freeUdpPort();
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${port}`, 'file://con'], { name: 'slt-listener' });
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-', `srt://127.0.0.1:${port}?minversion=1.5.2`], 'srt-pipe-caller');
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(1);
      expect(tx.stderrText()).to.match(/SRT connection rejected: SRT_REJ_VERSION \(peer version 1\.5\.1 is older than the minimum 1\.5\.2\)/);
      await rx.waitForStderr(/SRT source disconnected/, 5000);
      expect((await rx.waitExit(5000)).code, rx.diag()).to.equal(0);
    });
  });

  it('ipv6only on a [::] listener: srt-pipe and srt-live-transmit both refuse an IPv4 caller with 1 (it times out) and take it with 0', async () => {
    const outcomes: Record<string, string> = {};
    for (const tool of ['srt-live-transmit', 'srt-pipe']) {
      for (const v of [1, 0]) {
        const port = await freeUdpPort();
        const uri = `srt://[::]:${port}?mode=listener&ipv6only=${v}`;
        const listener = tool === 'srt-pipe'
          ? srtPipe(['-v', uri, '-'], `srt-pipe ipv6only=${v}`)
          : spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, uri, 'file://con'], { name: `slt ipv6only=${v}` });
        await waitForSrtListener(port, { host: '::1', peer: listener });
        outcomes[`${tool} ipv6only=${v}, IPv4 caller`] = await callerOutcome('127.0.0.1', port);
        // Still waiting for its first caller: an IPv6 one is taken either way.
        if (v === 1) outcomes[`${tool} ipv6only=${v}, IPv6 caller`] = await callerOutcome('::1', port);
        if (tool === 'srt-pipe' && v === 0) await listener.waitForStderr(/accepted \[::ffff:127\.0\.0\.1\]:\d+/, 5000);
        await listener.kill('SIGKILL');
      }
    }
    expect(outcomes).to.deep.equal({
      'srt-live-transmit ipv6only=1, IPv4 caller': 'ETIMEDOUT',
      'srt-live-transmit ipv6only=1, IPv6 caller': 'connected',
      'srt-live-transmit ipv6only=0, IPv4 caller': 'connected',
      'srt-pipe ipv6only=1, IPv4 caller': 'ETIMEDOUT',
      'srt-pipe ipv6only=1, IPv6 caller': 'connected',
      'srt-pipe ipv6only=0, IPv4 caller': 'connected',
    });
  });

  describe('tsbpdmode=0', () => {
    for (const c of [
      { off: 'srt-live-transmit caller', caller: '?tsbpdmode=0', listener: '?latency=500' },
      { off: 'srt-pipe listener', caller: '', listener: '?latency=500&tsbpdmode=0' },
    ]) {
      it(`srt-live-transmit caller -> srt-pipe listener, TSBPD off in the ${c.off}: byte-exact, received without TSBPD (recv.msTsbPdDelay 0)`, async () => {
        const port = await freeUdpPort();
        const data = randomBytes(1316 * 400, `tsbpd-off-in ${c.off}`);
        // Stats as srt-live-transmit's: every 100 packets, on stderr (OUTPUT is stdout), recv.msTsbPdDelay.
        const rx = spawnPeer(process.execPath, [...SRT_PIPE, '-v', '-s', '100', '-pf', 'json', `srt://:${port}${c.listener}`, '-'], { name: 'srt-pipe-listener' });
        const out = new ByteCollector(rx.proc.stdout!);
        await waitForSrtListener(port, { peer: rx });
        const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `srt://127.0.0.1:${port}${c.caller}`], { name: 'slt-caller' });
        await tx.waitForStderr(SLT_TARGET_CONNECTED, 10000);
        await pacedWrite(tx.proc.stdin!, data, { bitrate: 8e6, chunkSize: 1316, end: false });
        await out.waitForBytes(data.length, 15000, () => rx.diag() + '\n' + tx.diag());
        await tx.kill('SIGINT');
        expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
        const delays = rx.stderrText().split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l).recv.msTsbPdDelay);
        expect(delays.length, 'stats reports').to.be.at.least(3);
        expect(new Set(delays)).to.deep.equal(new Set([0]));
      });
    }

    it('srt-pipe caller tsbpdmode=0 -> srt-live-transmit listener (latency=400): byte-exact, its receive buffer never holds the latency', async () => {
      const port = await freeUdpPort();
      const statsFile = path.join(tempDir(), 'slt-stats.json');
      const data = randomBytes(1316 * 400, 'tsbpd-off-out');
      // srt-live-transmit's -s counts packets: a sample every 50 (about 260 ms here).
      const rx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-s', '50', '-f', '-pf', 'json', '-statsout', statsFile,
        `srt://:${port}?latency=400`, 'file://con'], { name: 'slt-listener' });
      const out = new ByteCollector(rx.proc.stdout!);
      await waitForSrtListener(port, { peer: rx });
      const tx = srtPipe(['-v', '-', `srt://127.0.0.1:${port}?tsbpdmode=0`], 'srt-pipe-caller');
      await tx.waitForStderr(/connected to/, 10000);
      await pacedWrite(tx.proc.stdin!, data, { bitrate: 2e6, chunkSize: 1316 });
      expect((await tx.waitExit(15000)).code, tx.diag()).to.equal(0);
      expect((await rx.waitExit(10000)).code, rx.diag()).to.equal(0);
      await out.done;
      expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
      // With TSBPD, 400 ms of this stream would wait in libsrt's receive buffer; without, it is read at once.
      const msBuf = readSltStats(statsFile).map((s) => s.recv?.msBuf ?? 0);
      expect(msBuf.length, 'stats samples').to.be.greaterThan(2);
      expect(Math.max(...msBuf)).to.be.below(200);
    });
  });

  it('ipttl: the TTL on the wire is each side\'s ipttl (srt-pipe listener 7 <- srt-live-transmit caller 9; srt-pipe caller 5 -> srt-live-transmit 64)', async function () {
    const tshark = findTool('tshark');
    if (!tshark) {
      process.stderr.write('\n!!! ipttl on the wire: tshark is not on PATH, skipped\n');
      return this.skip();
    }
    const [a, b, sync] = [await freeUdpPort(), await freeUdpPort(), await freeUdpPort()];
    const data = randomBytes(1316 * 20, 'ttl');
    // A: srt-pipe listener (the server's UDP socket) with ipttl=7, srt-live-transmit caller with ipttl=9.
    // B: srt-pipe caller (its own UDP socket) with ipttl=5, srt-live-transmit listener with the system's 64.
    const rxA = srtPipe(['-v', `srt://:${a}?ipttl=7`, '-'], 'srt-pipe-listener');
    const outA = new ByteCollector(rxA.proc.stdout!);
    const rxB = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `srt://:${b}`, 'file://con'], { name: 'slt-listener' });
    // Both answer before the capture starts: it holds the two connections' datagrams only.
    await waitForSrtListener(a, { peer: rxA });
    await waitForSrtListener(b, { peer: rxB });
    const cap = spawnPeer(tshark, ['-l', '-i', 'lo', '-f', `udp port ${a} or udp port ${b} or udp port ${sync}`,
      '-T', 'fields', '-e', 'udp.srcport', '-e', 'udp.dstport', '-e', 'ip.ttl'], { name: 'tshark', captureStdout: true });
    // tshark prints packets in order: once a datagram to `sync` is printed, the capture is live (start)
    // or everything before it is printed (end).
    const probe = dgram.createSocket('udp4');
    onCleanup(() => { try { probe.close(); } catch { /* closed */ } });
    const syncLines = () => cap.stdoutText().split('\n').filter((l) => l.split('\t')[1] === String(sync)).length;
    const syncWith = async (): Promise<boolean> => {
      const before = syncLines();
      for (let i = 0; i < 100 && cap.exitStatus === null; i++) {
        probe.send('sync', sync, '127.0.0.1');
        await new Promise((r) => setTimeout(r, 100));
        if (syncLines() > before) return true;
      }
      return false;
    };
    if (!(await syncWith())) {
      process.stderr.write(`\n!!! ipttl on the wire: tshark cannot capture on lo here, skipped\n${cap.diag()}\n`);
      return this.skip();
    }
    const txA = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `srt://127.0.0.1:${a}?ipttl=9`], { name: 'slt-caller' });
    await txA.waitForStderr(SLT_TARGET_CONNECTED, 10000);
    txA.proc.stdin!.write(data);
    await outA.waitForBytes(data.length, 10000, () => rxA.diag());
    await txA.kill('SIGINT');
    const txB = srtPipe(['-', `srt://127.0.0.1:${b}?ipttl=5`], 'srt-pipe-caller');
    txB.proc.stdin!.end(data);
    expect((await txB.waitExit(10000)).code, txB.diag()).to.equal(0);
    await rxB.waitExit(5000);
    expect(await syncWith(), 'tshark printed the closing sync datagram').to.equal(true);
    await cap.kill('SIGINT');
    const ttls = new Map<string, Set<number>>();
    for (const line of cap.stdoutText().split('\n')) {
      const [src, dst, ttl] = line.trim().split('\t').map(Number);
      if (!ttl || dst === sync) continue;
      const key = src === a ? 'from srt-pipe listener' : dst === a ? 'from slt caller' : src === b ? 'from slt listener' : 'from srt-pipe caller';
      if (!ttls.has(key)) ttls.set(key, new Set());
      ttls.get(key)!.add(ttl);
    }
    expect(Object.fromEntries([...ttls].map(([k, v]) => [k, [...v]]))).to.deep.equal({
      'from srt-pipe listener': [7], 'from slt caller': [9], 'from slt listener': [64], 'from srt-pipe caller': [5],
    });
  });

  describe('udp:// multicast', () => {
    let loUnavailable: string | undefined;
    before(async () => { loUnavailable = await multicastUnavailable('127.0.0.1'); });

    it('srt-live-transmit -> group on lo (adapter=127.0.0.1) -> srt-pipe joined with source=127.0.0.1 (SSM): byte-exact', async function () {
      if (loUnavailable) { process.stderr.write(`\n!!! multicast on lo unavailable (${loUnavailable}): skipped\n`); return this.skip(); }
      const port = await freeUdpPort();
      const group = groupFor(port);
      const data = randomBytes(1316 * 300, 'mc-slt-to-pipe');
      // rcvbuf (both tools take it): a busy machine must not overflow the default socket buffer.
      const rx = srtPipe(['-v', `udp://${group}:${port}?adapter=127.0.0.1&source=127.0.0.1&rcvbuf=2000000`, '-'], 'srt-pipe-udp-in');
      const out = new ByteCollector(rx.proc.stdout!);
      await rx.waitForStderr(new RegExp(`receiving on udp://${group.replace(/\./g, '\\.')} group from 127\\.0\\.0\\.1`), 10000);
      const tx = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', 'file://con', `udp://${group}:${port}?adapter=127.0.0.1&ttl=1`],
        { name: 'slt-udp-out' });
      await pacedWrite(tx.proc.stdin!, data, { bitrate: 4e6, chunkSize: 1316, end: false });
      await out.waitForBytes(data.length, 15000, () => rx.diag() + '\n' + tx.diag());
      await tx.kill('SIGINT');
      await rx.kill('SIGINT');
      expect(out.buffer().equals(data), describeMismatch(out.buffer(), data)).to.equal(true);
    });

    it('srt-pipe -> group on lo (adapter=127.0.0.1: the interface) -> srt-live-transmit joined on it -> SRT -> us: byte-exact', async function () {
      if (loUnavailable) { process.stderr.write(`\n!!! multicast on lo unavailable (${loUnavailable}): skipped\n`); return this.skip(); }
      const port = await freeUdpPort();
      const srtPort = await freeUdpPort();
      const group = groupFor(port);
      const data = randomBytes(1316 * 300, 'mc-pipe-to-slt');
      const relay = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, `udp://${group}:${port}?adapter=127.0.0.1&rcvbuf=2000000`, `srt://:${srtPort}`],
        { name: 'slt-udp-in' });
      await waitForSrtListener(srtPort, { peer: relay });
      const sock = connect({ host: '127.0.0.1', port: srtPort });
      onCleanup(() => sock.destroy());
      const got = new ByteCollector(sock);
      await relay.waitForStderr(SLT_TARGET_CONNECTED, 10000);
      const tx = srtPipe(['-', `udp://${group}:${port}?adapter=127.0.0.1&ttl=1`], 'srt-pipe-udp-out');
      await pacedWrite(tx.proc.stdin!, data, { bitrate: 4e6, chunkSize: 1316 });
      expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(0);
      await got.waitForBytes(data.length, 10000, () => relay.diag());
      expect(got.buffer().equals(data), describeMismatch(got.buffer(), data)).to.equal(true);
    });

    it('SSM: with source=127.0.0.1, a second sender (127.0.0.2) to the same group is not heard', async function () {
      if (loUnavailable) { process.stderr.write(`\n!!! multicast on lo unavailable (${loUnavailable}): skipped\n`); return this.skip(); }
      const port = await freeUdpPort();
      const group = groupFor(port);
      const rx = spawnPeer(process.execPath, [...SRT_PIPE, '-v', `udp://${group}:${port}?adapter=127.0.0.1&source=127.0.0.1`, '-'],
        { name: 'srt-pipe-ssm', captureStdout: true });
      await rx.waitForStderr(/receiving on/, 10000);
      const other = dgram.createSocket('udp4');
      onCleanup(() => { try { other.close(); } catch { /* closed */ } });
      await new Promise<void>((r) => other.bind(0, '127.0.0.2', r));
      other.setMulticastInterface('127.0.0.1');
      const fromOther = (i: number) => new Promise<void>((r) => other.send(`other-${i};`, port, group, () => r()));
      for (let i = 0; i < 5; i++) {
        await fromOther(i);
        await sendToGroup(`wanted-${i};`, group, port, '127.0.0.1');
      }
      await withTimeout((async () => { while (!rx.stdoutText().includes('wanted-4;')) await new Promise((r) => setTimeout(r, 20)); })(),
        10000, () => `the wanted sender's last datagram did not arrive\n${rx.diag()}`);
      await rx.kill('SIGINT');
      expect(rx.stdoutText()).to.equal('wanted-0;wanted-1;wanted-2;wanted-3;wanted-4;');
    });

    it('mcloop=0 keeps what srt-pipe and srt-live-transmit send to a group on a non-loopback interface from local receivers; mcloop=1 does not', async function () {
      // lo loops multicast back whatever IP_MULTICAST_LOOP says: mcloop is only visible on another interface.
      const candidates = Object.values(os.networkInterfaces()).flat().filter((i) => i && !i.internal && i.family === 'IPv4');
      let iface: string | undefined;
      for (const c of candidates) if (!(await multicastUnavailable(c!.address))) { iface = c!.address; break; }
      if (!iface) {
        process.stderr.write('\n!!! mcloop: no multicast-capable non-loopback IPv4 interface here (lo ignores IP_MULTICAST_LOOP): skipped\n');
        return this.skip();
      }
      const seen: Record<string, number> = {};
      for (const tool of ['srt-pipe', 'srt-live-transmit']) {
        for (const loop of [0, 1]) {
          const port = await freeUdpPort();
          const group = groupFor(port);
          const rx = await groupReceiver(group, port, iface);
          const uri = `udp://${group}:${port}?adapter=${iface}&ttl=1&mcloop=${loop}`;
          const data = randomBytes(1316 * 10, `mcloop-${tool}-${loop}`);
          if (tool === 'srt-pipe') {
            const tx = srtPipe(['-', uri], `srt-pipe mcloop=${loop}`);
            tx.proc.stdin!.end(data);
            expect((await tx.waitExit(10000)).code, tx.diag()).to.equal(0);
          } else {
            // An SRT source: srt-live-transmit (-a no) exits once it has passed on everything and the source closed.
            const srtPort = await freeUdpPort();
            const relay = spawnPeer('srt-live-transmit', [...SLT_BASE_ARGS, '-chunk', '1316', `srt://:${srtPort}`, uri], { name: `slt mcloop=${loop}` });
            await waitForSrtListener(srtPort, { peer: relay });
            const sock = connect({ host: '127.0.0.1', port: srtPort });
            onCleanup(() => sock.destroy());
            await relay.waitForStderr(SLT_SOURCE_CONNECTED, 10000);
            sock.end(data);
            expect((await relay.waitExit(10000)).code, relay.diag()).to.equal(0);
          }
          // Sent after everything the tool sent, on the same path: once it is here, the rest would be too.
          await sendToGroup('END', group, port, iface);
          await waitForMarker(rx.got, 'END', rx.sock, 5000);
          seen[`${tool} mcloop=${loop}`] = rx.got.filter((b) => b.toString() !== 'END').reduce((n, b) => n + b.length, 0);
          rx.sock.close();
        }
      }
      expect(seen).to.deep.equal({
        'srt-pipe mcloop=0': 0, 'srt-pipe mcloop=1': 13160, 'srt-live-transmit mcloop=0': 0, 'srt-live-transmit mcloop=1': 13160,
      });
    });
  });
});
