/**
 * connect(): the caller side, and rendezvous. Resolves the host once, binds its own
 * UDP socket (as a libsrt caller does) connected to the peer, runs the handshake with
 * a resend every 250 ms and the connect timeout, then hands over to SrtSocket.
 */
import type dgram from 'node:dgram';
import { lookup } from 'node:dns/promises';
import { CookieJar, CallerHandshake } from '../protocol/handshake';
import { decodeHandshake, encodeHandshake, Handshake } from '../protocol/handshake-packet';
import { ControlPacket, ControlType, decodePacket, encodeControl } from '../protocol/packet';
import { RejectReason } from '../protocol/reject-reason';
import { Outgoing, RendezvousHandshake } from '../protocol/rendezvous';
import { randomIsn, tsWrap } from '../protocol/sequence';
import { nowUs } from './clock';
import { abortError, rejectionError, SrtError, srtError } from './errors';
import { ConnectOptions, cryptoFor, handshakeConfig } from './options';
import { scheduler, Scheduled } from './scheduler';
import { AttachParams, SrtSocket } from './srt-socket';
import { UdpMux } from './udp-mux';

/** libsrt resends the current handshake every 250 ms. */
export const HS_RESEND_MS = 250;
/** libsrt waits ten times the connect timeout for a rendezvous. */
export const RENDEZVOUS_TIMEOUT_FACTOR = 10;

export function connect(options: ConnectOptions, cb?: () => void): SrtSocket;
export function connect(port: number, host?: string, cb?: () => void): SrtSocket;
export function connect(a: ConnectOptions | number, b?: string | (() => void), c?: () => void): SrtSocket {
  const options: ConnectOptions = typeof a === 'number' ? { port: a, host: typeof b === 'string' ? b : undefined } : a;
  const cb = typeof b === 'function' ? b : c;
  if (!Number.isInteger(options.port) || options.port <= 0 || options.port > 65535) {
    const err = new RangeError(`options.port must be an integer in [1, 65535], got ${options.port}`) as RangeError & { code: string };
    err.code = 'ERR_SOCKET_BAD_PORT';
    throw err;
  }
  const sock = new SrtSocket(options);
  sock.connecting = true;
  if (cb) sock.once('connect', cb);
  if (options.signal) destroyOnAbort(sock, options.signal);
  void run(sock, options);
  return sock;
}

/** connect({ signal }): an abort destroys the socket, whether still connecting or connected. */
function destroyOnAbort(sock: SrtSocket, signal: AbortSignal): void {
  const onAbort = () => {
    sock.connecting = false;
    sock.destroy(abortError(signal.reason));
  };
  if (signal.aborted) return void process.nextTick(onAbort);
  signal.addEventListener('abort', onAbort, { once: true });
  sock.once('close', () => signal.removeEventListener('abort', onAbort));
}

async function resolve(host: string): Promise<{ address: string; family: number }> {
  const all = await lookup(host, { all: true });
  return all.find((a) => a.family === 4) ?? all[0];
}

/** What a handshake variant supplies to the shared driver. */
interface HandshakeRun {
  /** The handshake (and its destination ID) to send now and every 250 ms; undefined to stay quiet. */
  current(): Outgoing | undefined;
  /** A datagram from the peer during the handshake. */
  onPacket(pkt: ControlPacket | null, msg: Buffer, rinfo: dgram.RemoteInfo): void;
}

/**
 * The shared part of caller and rendezvous: socket, resends, timeout, failure and hand-over.
 * Its two deadlines (next resend, connect timeout) run from the process scheduler like a
 * connection's: no timer of its own.
 */
class HandshakeDriver implements Scheduled {
  done = false;
  readonly startUs = nowUs();
  /** @internal Owned by the scheduler. */
  dueUs = Infinity;
  private nextResendUs = Infinity;
  private timeoutAtUs = Infinity;
  private timeoutMs = 0;
  private run?: HandshakeRun;
  private readonly onDestroyed = () => {
    if (!this.done) {
      this.finish();
      this.mux.close();
    }
  };

  constructor(
    readonly sock: SrtSocket,
    readonly mux: UdpMux,
    readonly address: string,
    readonly port: number,
    readonly socketId: number,
  ) {
    sock.onDestroyedInternal = this.onDestroyed;
    mux.on('error', (err: Error) => (this.done ? sock.destroy(err) : this.fail(err as SrtError)));
  }

  start(run: HandshakeRun, timeoutMs: number): void {
    const handler = (msg: Buffer, rinfo: dgram.RemoteInfo) => {
      if (this.done || rinfo.port !== this.port || rinfo.address !== this.address) return;
      const pkt = decodePacket(msg);
      run.onPacket(pkt && pkt.kind === 'control' ? pkt : null, msg, rinfo);
    };
    this.mux.register(this.socketId, { onDatagram: handler });
    this.run = run;
    this.timeoutMs = timeoutMs;
    const now = nowUs();
    this.timeoutAtUs = now + timeoutMs * 1000;
    this.nextResendUs = now;
    this.onDue(now);
  }

  /** The scheduler's call: resend the current handshake every 250 ms until done or timed out. */
  onDue(now: number): void {
    if (this.done || !this.run) return;
    if (now >= this.timeoutAtUs) {
      return this.fail(
        srtError('ETIMEDOUT', `SRT connection to ${this.address}:${this.port} timed out after ${this.timeoutMs} ms`, {
          reason: 'SRT_REJ_TIMEOUT',
          rejectCode: RejectReason.TIMEOUT,
          address: this.address,
          port: this.port,
        }),
      );
    }
    if (now >= this.nextResendUs) {
      const out = this.run.current();
      if (out) this.sendHs(out.hs, out.destId);
      this.nextResendUs = now + HS_RESEND_MS * 1000;
    }
    scheduler.schedule(this, Math.min(this.nextResendUs, this.timeoutAtUs), now);
  }

  /** Packets to destination ID 0 (a rendezvous peer that does not know our ID yet). */
  acceptDestZero(run: HandshakeRun): void {
    this.mux.requestHandler = (msg, rinfo) => {
      if (this.done || rinfo.port !== this.port || rinfo.address !== this.address) return;
      const pkt = decodePacket(msg);
      run.onPacket(pkt && pkt.kind === 'control' ? pkt : null, msg, rinfo);
    };
  }

  timestamp(): number {
    return tsWrap(nowUs() - this.startUs);
  }

  sendHs(hs: Handshake, destId: number): void {
    this.mux.send(encodeControl(ControlType.HANDSHAKE, 0, this.timestamp(), destId, encodeHandshake(hs)), this.port, this.address);
  }

  sendShutdown(destId: number): void {
    this.mux.send(encodeControl(ControlType.SHUTDOWN, 0, this.timestamp(), destId), this.port, this.address);
  }

  private finish(): void {
    this.done = true;
    scheduler.cancel(this);
    this.sock.onDestroyedInternal = undefined;
    this.mux.unregister(this.socketId);
    this.mux.requestHandler = undefined;
  }

  fail(err: SrtError): void {
    this.finish();
    this.mux.close();
    this.sock.failConnect(err);
  }

  /** Handshake complete: the socket takes over the UDP socket. */
  connected(p: Omit<AttachParams, 'mux' | 'ownsMux' | 'socketId' | 'peerAddress' | 'peerPort' | 'startUs'>): void {
    this.finish();
    this.sock.attach({ ...p, mux: this.mux, ownsMux: true, socketId: this.socketId, peerAddress: this.address, peerPort: this.port, startUs: this.startUs });
    this.sock.connected();
  }
}

async function run(sock: SrtSocket, options: ConnectOptions): Promise<void> {
  const o = sock.options;
  let address: string;
  let family: number;
  try {
    ({ address, family } = await resolve(options.host || 'localhost'));
  } catch (err) {
    sock.failConnect(err as SrtError);
    return;
  }
  if (sock.destroyed) return;
  const port = options.port;
  const mux = new UdpMux(family === 6 ? 'udp6' : 'udp4', o.ipv6Only, o.ipTtl);
  try {
    // Rendezvous binds the peer's port unless told otherwise (srt-live-transmit does the same).
    await mux.bind(options.localPort ?? (options.rendezvous ? port : 0), options.localAddress);
    // One peer: a connected UDP socket skips the address lookup on every send.
    await mux.connect(port, address);
  } catch (err) {
    mux.close();
    sock.failConnect(err as SrtError);
    return;
  }
  if (sock.destroyed) return mux.close();
  const driver = new HandshakeDriver(sock, mux, address, port, mux.allocateId());
  if (options.rendezvous) runRendezvous(driver, o.connectTimeout * RENDEZVOUS_TIMEOUT_FACTOR);
  else runCaller(driver, o.connectTimeout);
}

/** Caller: INDUCTION, then CONCLUSION, both to destination ID 0 (SRT-PROTOCOL.md §0.2). */
function runCaller(d: HandshakeDriver, timeoutMs: number): void {
  const o = d.sock.options;
  const crypto = cryptoFor(o);
  const hs = new CallerHandshake({ ...handshakeConfig(o, d.socketId, randomIsn(), crypto), streamId: o.streamId || undefined }, d.address);
  d.start(
    {
      current: () => ({ hs: hs.current(), destId: 0 }),
      onPacket: (pkt) => {
        if (!pkt) return;
        if (pkt.type === ControlType.SHUTDOWN) {
          // An HSv4-era libsrt listener answers a refused caller with SHUTDOWN.
          return d.fail(rejectionError(RejectReason.PEER, 'peer sent SHUTDOWN during the handshake', d.address, d.port));
        }
        const reply = pkt.type === ControlType.HANDSHAKE ? decodeHandshake(pkt.body) : null;
        if (!reply) return;
        const r = hs.handle(reply);
        if (r.kind === 'send') d.sendHs(hs.current(), 0);
        else if (r.kind === 'rejected') {
          // The listener accepted but we refuse (encryption mismatch): tell its socket.
          if (r.peerSocketId) d.sendShutdown(r.peerSocketId);
          d.fail(rejectionError(r.reason, r.message, d.address, d.port));
        } else if (r.kind === 'connected') {
          d.connected({ negotiated: r.negotiated, hsArrivalUs: nowUs(), hsTimestamp: pkt.timestamp, crypto });
        }
      },
    },
    timeoutMs,
  );
}

/** Rendezvous: both sides wave; the cookie contest decides who initiates (SRT-PROTOCOL.md §2.2). */
function runRendezvous(d: HandshakeDriver, timeoutMs: number): void {
  const o = d.sock.options;
  const crypto = cryptoFor(o);
  const cookie = new CookieJar().bake(d.address, d.port, Date.now()) | 0;
  const rdv = new RendezvousHandshake({ ...handshakeConfig(o, d.socketId, randomIsn(), crypto), streamId: o.streamId || undefined }, d.address, cookie);
  let hsArrivalUs = 0;
  let hsTimestamp = 0;
  const connect = (negotiated: Parameters<HandshakeDriver['connected']>[0]['negotiated']) => {
    d.sock.rendezvousRole = rdv.role;
    d.connected({
      negotiated,
      hsArrivalUs,
      hsTimestamp,
      crypto,
      // A lost AGREEMENT or HSRSP makes the peer repeat its CONCLUSION: answer it again.
      onHandshake: (msg2) => {
        const p2 = decodePacket(msg2);
        const hs2 = p2 && p2.kind === 'control' ? decodeHandshake(p2.body) : null;
        const out = hs2 && rdv.answerAfterConnect(hs2);
        if (out) d.sendHs(out.hs, out.destId);
      },
    });
  };
  const run: HandshakeRun = {
    current: () => rdv.current(),
    onPacket: (pkt, msg, rinfo) => {
      if (!pkt || pkt.type !== ControlType.HANDSHAKE) {
        // The Responder is connected by any other packet of the peer after its HSRSP.
        const r = rdv.confirm();
        if (r?.kind === 'connected') {
          connect(r.negotiated);
          d.sock.onDatagram(msg, rinfo); // and that packet is the connection's first
        }
        return;
      }
      const hs = decodeHandshake(pkt.body);
      if (!hs) return;
      const r = rdv.handle(hs);
      if (r.kind === 'send' || r.kind === 'connected') {
        // The TSBPD base comes from the packet that carried the peer's HSREQ or HSRSP.
        if (hs.extensions.length > 0) [hsArrivalUs, hsTimestamp] = [nowUs(), pkt.timestamp];
      }
      if (r.kind === 'send') d.sendHs(r.out.hs, r.out.destId);
      else if (r.kind === 'rejected') d.fail(rejectionError(r.reason, r.message, d.address, d.port));
      else if (r.kind === 'connected') {
        if (r.out) d.sendHs(r.out.hs, r.out.destId);
        connect(r.negotiated);
      }
    },
  };
  d.acceptDestZero(run);
  d.start(run, timeoutMs);
}
