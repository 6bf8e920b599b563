/**
 * connect(): the caller side. Resolves the host once, binds its own UDP socket
 * (as a libsrt caller does), runs the induction/conclusion handshake with a
 * resend every 250 ms and the connect timeout, then hands over to SrtSocket.
 */
import { lookup } from 'node:dns/promises';
import { CallerHandshake } from '../protocol/handshake';
import { decodeHandshake, encodeHandshake } from '../protocol/handshake-packet';
import { ControlType, decodePacket, encodeControl } from '../protocol/packet';
import { RejectReason } from '../protocol/reject-reason';
import { randomIsn, tsWrap } from '../protocol/sequence';
import { nowUs } from './clock';
import { rejectionError, SrtError, srtError } from './errors';
import { ConnectOptions, cryptoFor, handshakeConfig } from './options';
import { SrtSocket } from './srt-socket';
import { UdpMux } from './udp-mux';

/** libsrt resends the current handshake every 250 ms. */
export const HS_RESEND_MS = 250;

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
  void runCaller(sock, options);
  return sock;
}

async function resolve(host: string): Promise<{ address: string; family: number }> {
  const all = await lookup(host, { all: true });
  return all.find((a) => a.family === 4) ?? all[0];
}

async function runCaller(sock: SrtSocket, options: ConnectOptions): Promise<void> {
  const o = sock.options;
  const host = options.host || 'localhost';
  let address: string;
  let family: number;
  try {
    ({ address, family } = await resolve(host));
  } catch (err) {
    sock.failConnect(err as SrtError);
    return;
  }
  if (sock.destroyed) return;
  const port = options.port;
  const mux = new UdpMux(family === 6 ? 'udp6' : 'udp4');
  try {
    await mux.bind(options.localPort ?? 0, options.localAddress);
    // A caller has one peer: a connected UDP socket skips the address lookup on every send.
    await mux.connect(port, address);
  } catch (err) {
    mux.close();
    sock.failConnect(err as SrtError);
    return;
  }
  if (sock.destroyed) return mux.close();

  const socketId = mux.allocateId();
  const startUs = nowUs();
  const crypto = cryptoFor(o);
  const hs = new CallerHandshake({ ...handshakeConfig(o, socketId, randomIsn(), crypto), streamId: o.streamId || undefined }, address);
  // A libsrt listener only accepts handshakes addressed to ID 0 (SRT-PROTOCOL.md §0.2).
  const sendHs = () =>
    mux.send(encodeControl(ControlType.HANDSHAKE, 0, tsWrap(nowUs() - startUs), 0, encodeHandshake(hs.current())), port, address);

  let done = false;
  const finish = () => {
    done = true;
    clearInterval(resend);
    clearTimeout(timeout);
    sock.off('srt-destroyed', onDestroyed);
  };
  const fail = (err: SrtError) => {
    finish();
    mux.close();
    sock.failConnect(err);
  };
  const onDestroyed = () => {
    if (!done) {
      finish();
      mux.close();
    }
  };
  sock.once('srt-destroyed', onDestroyed);
  const resend = setInterval(sendHs, HS_RESEND_MS);
  const timeout = setTimeout(
    () =>
      fail(
        srtError('ETIMEDOUT', `SRT connection to ${address}:${port} timed out after ${o.connectTimeout} ms`, {
          reason: 'SRT_REJ_TIMEOUT',
          rejectCode: RejectReason.TIMEOUT,
          address,
          port,
        }),
      ),
    o.connectTimeout,
  );

  mux.on('error', (err: Error) => {
    if (!done) fail(err as SrtError);
    else sock.destroy(err);
  });
  mux.register(socketId, {
    onDatagram: (msg, rinfo) => {
      if (done || rinfo.port !== port || rinfo.address !== address) return;
      const pkt = decodePacket(msg);
      if (!pkt || pkt.kind !== 'control') return;
      if (pkt.type === ControlType.SHUTDOWN) {
        // An HSv4-era libsrt listener answers a refused caller with SHUTDOWN.
        return fail(rejectionError(RejectReason.PEER, 'peer sent SHUTDOWN during the handshake', address, port));
      }
      if (pkt.type !== ControlType.HANDSHAKE) return;
      const reply = decodeHandshake(pkt.body);
      if (!reply) return;
      const r = hs.handle(reply);
      if (r.kind === 'send') sendHs();
      else if (r.kind === 'rejected') {
        // The listener accepted but we refuse (encryption mismatch): tell its socket.
        if (r.peerSocketId) mux.send(encodeControl(ControlType.SHUTDOWN, 0, tsWrap(nowUs() - startUs), r.peerSocketId), port, address);
        fail(rejectionError(r.reason, r.message, address, port));
      }
      else if (r.kind === 'connected') {
        finish();
        mux.unregister(socketId);
        sock.attach({
          mux,
          ownsMux: true,
          socketId,
          peerAddress: address,
          peerPort: port,
          negotiated: r.negotiated,
          startUs,
          hsArrivalUs: nowUs(),
          hsTimestamp: pkt.timestamp,
          crypto,
        });
        sock.connected();
      }
    },
  });
  sendHs();
}
