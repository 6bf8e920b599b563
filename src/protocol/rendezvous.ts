/**
 * HSv5 rendezvous handshake, sans I/O (SRT-PROTOCOL.md §2.2; libsrt core.cpp processRendezvous,
 * rendezvousSwitchState, cookieContest). Both sides wave (WAVEAHAND, ReqType 0) with a cookie;
 * the cookie contest picks the Initiator, which sends CONCLUSION+HSREQ(+KMREQ); the Responder
 * answers an empty CONCLUSION until it sees the HSREQ, then CONCLUSION+HSRSP(+KMRSP); the
 * Initiator connects on the HSRSP and sends AGREEMENT; the Responder connects on the AGREEMENT
 * or on any other packet from the peer. Each side keeps its own ISN.
 */
import { CallerHandshake, HandshakeConfig, HandshakeRejection, Negotiated, negotiateAsResponder, parseConclusionRequest } from './handshake';
import { findExtension, Handshake, HandshakeType, HS_V5_MAGIC, HsExt, encodePeerIp } from './handshake-packet';
import { REJECT_BASE, RejectReason } from './reject-reason';

export type Role = 'initiator' | 'responder';

/**
 * libsrt's cookie contest: the signed 32-bit cookies are subtracted (mine − theirs); equal low
 * 32 bits are a draw, bit 31 set makes us the Responder.
 */
export function cookieContest(mine: number, theirs: number): Role | 'draw' {
  const diff = (mine | 0) - (theirs | 0);
  const low = ((diff % 0x100000000) + 0x100000000) % 0x100000000;
  if (low === 0) return 'draw';
  return low >= 0x80000000 ? 'responder' : 'initiator';
}

export interface Outgoing {
  hs: Handshake;
  destId: number;
}

export type RendezvousResult =
  | { kind: 'send'; out: Outgoing }
  | { kind: 'connected'; negotiated: Negotiated; out?: Outgoing }
  | { kind: 'rejected'; reason: number; message: string }
  | { kind: 'ignored'; why: string };

export class RendezvousHandshake {
  state: 'waving' | 'initiated' | 'attention' | 'fine' | 'done' = 'waving';
  role?: Role;
  peerSocketId = 0;
  private readonly initiator: CallerHandshake;
  /** The Responder's CONCLUSION+HSRSP, repeated for a repeated HSREQ. */
  private reply?: Handshake;
  private negotiated?: Negotiated;

  constructor(private readonly cfg: HandshakeConfig, private readonly peerAddress: string, private readonly cookie: number) {
    this.initiator = new CallerHandshake(cfg, peerAddress, true);
  }

  private base(): Handshake {
    return {
      version: 5,
      encryption: this.cfg.crypto?.hasPassphrase ? this.cfg.crypto.keyLen / 8 : 0,
      extField: 0,
      isn: this.cfg.isn,
      mss: this.cfg.mss,
      flightFlagSize: this.cfg.flightFlagSize,
      reqType: HandshakeType.WAVEAHAND,
      socketId: this.cfg.socketId,
      cookie: this.cookie,
      peerIp: encodePeerIp(this.peerAddress),
      extensions: [],
    };
  }

  /** What to (re)send every 250 ms in the current state; undefined once connected. */
  current(): Outgoing | undefined {
    const destId = this.peerSocketId;
    switch (this.state) {
      case 'waving':
        return { hs: this.base(), destId };
      case 'initiated':
        return { hs: { ...this.initiator.current(), cookie: this.cookie }, destId };
      case 'attention':
        // The Responder's empty CONCLUSION: "I am here, send me your HSREQ".
        return { hs: { ...this.base(), reqType: HandshakeType.CONCLUSION }, destId };
      case 'fine':
        return { hs: this.reply!, destId };
      case 'done':
        return undefined;
    }
  }

  handle(hs: Handshake): RendezvousResult {
    if (hs.reqType >= REJECT_BASE) return { kind: 'rejected', reason: hs.reqType - REJECT_BASE, message: 'connection rejected by peer' };
    if (hs.version < 5) return { kind: 'rejected', reason: RejectReason.VERSION, message: 'peer speaks only HSv4 (SRT < 1.3)' };
    if (hs.socketId) this.peerSocketId = hs.socketId;
    if (this.state === 'waving') {
      if (hs.reqType !== HandshakeType.WAVEAHAND && hs.reqType !== HandshakeType.CONCLUSION) return { kind: 'ignored', why: 'expected WAVEAHAND' };
      const role = cookieContest(this.cookie, hs.cookie);
      if (role === 'draw') return { kind: 'ignored', why: 'cookie draw' };
      this.role = role;
      if (role === 'initiator') {
        // Build the CONCLUSION+HSREQ(+KMREQ) as a caller would after an induction reply.
        const crypto = this.cfg.crypto;
        if (crypto && crypto.keyLen === 0 && hs.encryption >= 2 && hs.encryption <= 4) crypto.keyLen = hs.encryption * 8;
        this.initiator.handle({ ...hs, reqType: HandshakeType.INDUCTION, extField: HS_V5_MAGIC, cookie: this.cookie, extensions: [] });
        this.state = 'initiated';
        return { kind: 'send', out: this.current()! };
      }
      this.state = 'attention';
      if (!(hs.reqType === HandshakeType.CONCLUSION && findExtension(hs, HsExt.HSREQ))) return { kind: 'send', out: this.current()! };
    }
    return this.role === 'initiator' ? this.asInitiator(hs) : this.asResponder(hs);
  }

  private asInitiator(hs: Handshake): RendezvousResult {
    const agreement = (): Outgoing => ({ hs: { ...this.base(), reqType: HandshakeType.AGREEMENT }, destId: this.peerSocketId });
    if (hs.reqType === HandshakeType.CONCLUSION && findExtension(hs, HsExt.HSRSP)) {
      if (this.state === 'done') return { kind: 'send', out: agreement() }; // our AGREEMENT was lost
      const r = this.initiator.handle(hs);
      if (r.kind === 'rejected') return { kind: 'rejected', reason: r.reason, message: r.message };
      if (r.kind !== 'connected') return { kind: 'ignored', why: r.kind === 'ignored' ? r.why : 'unexpected' };
      this.state = 'done';
      return { kind: 'connected', negotiated: r.negotiated, out: agreement() };
    }
    if (this.state === 'done') return { kind: 'ignored', why: 'already connected' };
    // A WAVEAHAND or the Responder's empty CONCLUSION: (re)send our HSREQ.
    return { kind: 'send', out: this.current()! };
  }

  private asResponder(hs: Handshake): RendezvousResult {
    if (hs.reqType === HandshakeType.AGREEMENT) return this.confirm() ?? { kind: 'ignored', why: 'AGREEMENT before HSREQ' };
    if (hs.reqType === HandshakeType.CONCLUSION && findExtension(hs, HsExt.HSREQ)) {
      if (this.state === 'fine' || this.state === 'done') return { kind: 'send', out: { hs: this.reply!, destId: this.peerSocketId } };
      try {
        const { response, negotiated } = negotiateAsResponder(hs, parseConclusionRequest(hs), this.cfg);
        // Rendezvous: we keep our own ISN and cookie.
        this.reply = { ...response, isn: this.cfg.isn, cookie: this.cookie, peerIp: encodePeerIp(this.peerAddress) };
        this.negotiated = { ...negotiated, isn: this.cfg.isn, peerIsn: hs.isn };
      } catch (err) {
        if (err instanceof HandshakeRejection) return { kind: 'rejected', reason: err.reason, message: err.message };
        throw err;
      }
      this.state = 'fine';
      return { kind: 'send', out: { hs: this.reply, destId: this.peerSocketId } };
    }
    if (this.state === 'done') return { kind: 'ignored', why: 'already connected' };
    return { kind: 'send', out: this.current()! };
  }

  /** The Responder connects on the AGREEMENT, or on any non-handshake packet after its HSRSP. */
  confirm(): RendezvousResult | undefined {
    if (this.role !== 'responder' || this.state !== 'fine') return undefined;
    this.state = 'done';
    return { kind: 'connected', negotiated: this.negotiated! };
  }

  /** What to answer a handshake that arrives after we connected (a lost AGREEMENT or HSRSP). */
  answerAfterConnect(hs: Handshake): Outgoing | undefined {
    if (hs.reqType !== HandshakeType.CONCLUSION) return undefined;
    if (this.role === 'initiator' && findExtension(hs, HsExt.HSRSP)) {
      return { hs: { ...this.base(), reqType: HandshakeType.AGREEMENT }, destId: this.peerSocketId };
    }
    if (this.role === 'responder' && this.reply && findExtension(hs, HsExt.HSREQ)) return { hs: this.reply, destId: this.peerSocketId };
    return undefined;
  }
}
