/**
 * What hostile datagrams are fired at, shared by the property tests and the fuzz runner:
 * established engines in a few states, and the listener's handshake path (what SrtServer does
 * with a CONCLUSION once its cookie checks out: parse, then negotiate, KM included).
 */
import { CryptoControl } from '../../src/protocol/crypto-control';
import { HandshakeRejection, negotiateAsResponder, parseConclusionRequest } from '../../src/protocol/handshake';
import { decodeHandshake } from '../../src/protocol/handshake-packet';
import { ControlType, decodePacket } from '../../src/protocol/packet';
import { LONE_ISN, LoneEngine } from './lone-engine';

function crypto(): CryptoControl {
  return new CryptoControl({ passphrase: 'hostile-peer-test', pbKeyLen: 16, enforcedEncryption: true, kmRefreshRate: 1 << 24, kmPreAnnounce: 1 << 12, gcm: false });
}

/** Engines that hold something for a hostile peer to aim at; each built afresh, deterministically. */
export const ENGINE_SETUPS: Record<string, () => LoneEngine> = {
  'a sender with 8,000 packets in flight': () => {
    const e = new LoneEngine();
    e.write(8000);
    return e;
  },
  'a receiver with gaps in its buffer': () => {
    const e = new LoneEngine();
    for (let i = 0; i < 3000; i++) if (i % 7 !== 3) e.data(LONE_ISN + i, { timestamp: 1000 + i * 100 });
    return e;
  },
  'a receiver with a huge reorder tolerance and hundreds of gaps waiting': () => {
    const e = new LoneEngine({ lossMaxTtl: 0x7fffffff });
    for (let i = 0; i < 3000; i++) if (i % 7 !== 3) e.data(LONE_ISN + i, { timestamp: 1000 + i * 100 });
    return e;
  },
  'a FEC sender and receiver (cols:10, rows:5, arq onreq) with gaps': () => {
    const e = new LoneEngine({ fec: { cols: 10, rows: 5, colsOnly: false, layout: 'staircase', arq: 'onreq' } });
    e.write(2000);
    for (let i = 0; i < 3000; i++) if (i % 7 !== 3) e.data(LONE_ISN + i, { timestamp: 1000 + i * 100 });
    return e;
  },
  'an encrypted sender and receiver': () => {
    const c = crypto();
    c.createKmReq();
    const e = new LoneEngine({ crypto: c });
    e.write(2000);
    for (let i = 0; i < 500; i++) if (i % 5 !== 1) e.data(LONE_ISN + i, { timestamp: 1000 + i * 100 });
    return e;
  },
};

/** Around this sequence number the generators aim (the middle of what the setups hold). */
export const AIM_SEQ = LONE_ISN + 2000;

/** The listener's handling of a handshake datagram after its cookie checked out; returns what it decided. */
export function listenerHandles(datagram: Buffer): 'ignored' | 'refused' | 'accepted' {
  const pkt = decodePacket(datagram);
  const hs = pkt && pkt.kind === 'control' && pkt.type === ControlType.HANDSHAKE ? decodeHandshake(pkt.body) : null;
  if (!hs) return 'ignored';
  try {
    negotiateAsResponder(hs, parseConclusionRequest(hs), {
      socketId: 7, isn: hs.isn, mss: 1500, flightFlagSize: 8192, rcvLatency: 120, peerLatency: 0,
      tlpktDrop: true, nakReport: true, crypto: crypto(),
    });
    return 'accepted';
  } catch (err) {
    if (err instanceof HandshakeRejection) return 'refused';
    throw err;
  }
}
