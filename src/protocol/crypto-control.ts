/**
 * Per-connection encryption state, as libsrt's CCryptoControl (srtcore/crypto.cpp):
 * the passphrase, the sending and receiving key sets (even/odd SEKs sharing one
 * salt), the KM states, key refresh as sender, and the KMREQ/KMRSP decisions of
 * the handshake. In HSv5 the initiator's KMREQ keys both directions.
 * The passphrase and keys live in private fields: they never show in logs,
 * errors, stats or util.inspect output.
 */
import { inspect } from 'node:util';
import { decodeKm, decodeKmState, encodeKm, encodeKmState, KM_HEADER_SIZE, KmCipher, KmKeys, KmMessage, KmState } from './km-message';
import { outOfRange } from './limits';
import { KeyFlags } from './packet';
import { RejectReason } from './reject-reason';
import { aesCtr, deriveKek, GCM_TAG_LEN, gcmOpen, gcmSeal, newKey, unwrapKey, wrapKey } from './srt-crypto';

export interface CryptoOptions {
  passphrase?: string;
  /** 0 (take the peer's, else 16), 16, 24 or 32 bytes. */
  pbKeyLen: number;
  enforcedEncryption: boolean;
  /** Packets per key before switching (SRTO_KMREFRESHRATE, default 2^24). */
  kmRefreshRate: number;
  /** Packets before and after a switch that both keys are valid (SRTO_KMPREANNOUNCE, default 2^12). */
  kmPreAnnounce: number;
  /** AES-GCM (libsrt ≥ 1.5.4 with AEAD) instead of AES-CTR. */
  gcm: boolean;
}

export const KM_DEFAULTS = { kmRefreshRate: 1 << 24, kmPreAnnounce: 1 << 12 };
/** libsrt resends an unanswered KM refresh up to 10 times (SRT_MAX_KMRETRY). */
export const MAX_KM_RETRY = 10;
/**
 * PBKDF2 derivations a connection may do: one. A session keeps one salt (libsrt's key refresh
 * keeps it, and so the KEK), so the handshake's derivation serves every later KM; a KMREQ with
 * another salt is refused instead of costing about a millisecond of CPU each time a peer sends one.
 */
export const MAX_KEK_DERIVATIONS = 1;

/** A salt and up to two keys; index 0 = even (KK 1), 1 = odd (KK 2). */
interface KeySet {
  salt: Buffer;
  keyLen: number;
  keys: [Buffer | undefined, Buffer | undefined];
}

/** Validates a passphrase as libsrt does (10..80 bytes); throws RangeError. */
export function checkPassphrase(p: string): void {
  const n = Buffer.byteLength(p);
  if (n < 10 || n > 80) throw outOfRange(`options.passphrase must be 10 to 80 bytes long, got ${n}`);
}

export type KmDecision = { ok: true } | { ok: false; reason: number; message: string };

export class CryptoControl {
  readonly #passphrase: string | undefined;
  #tx: KeySet | undefined;
  #rx: KeySet | undefined;
  /** KK of the key data is sent with (1 even, 2 odd). */
  #txActive = 1;
  /** Packets encrypted with the active key since it became active. */
  #txCount = 0;
  /** The sending key is a random one the peer cannot have (libsrt createFakeSndContext). */
  #fake = false;
  /** A dual-key KMREQ waiting for its KMRSP echo. */
  #pendingKm: Buffer | undefined;
  #pendingRetries = 0;
  #lastKmSentUs = -Infinity;
  /** The last KEK derived, for its salt and length: KMs of one session reuse it. */
  #kek: { salt: Buffer; keyLen: number; kek: Buffer } | undefined;
  #derivations = 0;
  sndKmState: number = KmState.UNSECURED;
  rcvKmState: number = KmState.UNSECURED;
  /** Key length to use as initiator (pbKeyLen, or what the listener advertised). */
  keyLen: number;
  readonly gcm: boolean;
  readonly enforced: boolean;
  private readonly refreshRate: number;
  private readonly preAnnounce: number;

  constructor(o: CryptoOptions) {
    if (o.passphrase !== undefined && o.passphrase !== '') {
      checkPassphrase(o.passphrase);
      this.#passphrase = o.passphrase;
    }
    this.keyLen = o.pbKeyLen;
    this.gcm = o.gcm;
    this.enforced = o.enforcedEncryption;
    this.refreshRate = Math.max(1, o.kmRefreshRate);
    this.preAnnounce = Math.max(1, Math.min(o.kmPreAnnounce, Math.floor((this.refreshRate - 1) / 2)));
  }

  get hasPassphrase(): boolean {
    return this.#passphrase !== undefined;
  }

  /** Sending is encrypted once we hold a sending key. */
  get sendsEncrypted(): boolean {
    return this.#tx !== undefined;
  }

  get receivesEncrypted(): boolean {
    return this.#rx !== undefined;
  }

  /** Bytes a packet loses to the cipher (the GCM tag). */
  get overhead(): number {
    return this.gcm ? GCM_TAG_LEN : 0;
  }

  [inspect.custom](): string {
    return `CryptoControl { passphrase: ${this.hasPassphrase ? '<hidden>' : 'none'}, keyLen: ${this.keyLen}, ` +
      `snd: ${this.sndKmState}, rcv: ${this.rcvKmState}, cipher: ${this.gcm ? 'AES-GCM' : 'AES-CTR'} }`;
  }

  toJSON(): Record<string, unknown> {
    return { passphrase: this.hasPassphrase ? '<hidden>' : undefined, keyLen: this.keyLen, sndKmState: this.sndKmState, rcvKmState: this.rcvKmState };
  }

  // ------------------------------------------------------------ KM messages

  private kmOf(set: KeySet, which: number): Buffer {
    const plain = which === KmKeys.BOTH ? Buffer.concat([set.keys[0]!, set.keys[1]!]) : set.keys[which - 1]!;
    // Our own salt: derived once per session (cached), so never refused by the budget but for a bug.
    const kek = this.kekFor(set.salt, set.keyLen) ?? deriveKek(this.#passphrase!, set.salt, set.keyLen);
    const m: KmMessage = {
      keys: which,
      cipher: this.gcm ? KmCipher.GCM : KmCipher.CTR,
      auth: this.gcm ? 1 : 0,
      se: 2,
      salt: set.salt,
      keyLen: set.keyLen,
      wrapped: wrapKey(kek, plain),
    };
    return encodeKm(m);
  }

  /** The KEK for a salt and key length: the cached one, or a new derivation within the budget. */
  private kekFor(salt: Buffer, keyLen: number): Buffer | undefined {
    const c = this.#kek;
    if (c && c.keyLen === keyLen && c.salt.equals(salt)) return c.kek;
    if (this.#derivations >= MAX_KEK_DERIVATIONS) return undefined;
    this.#derivations++;
    const kek = deriveKek(this.#passphrase!, salt, keyLen);
    this.#kek = { salt: Buffer.from(salt), keyLen, kek };
    return kek;
  }

  /** Unwraps a KM into a key set; null when the passphrase does not fit (or the derivation budget is spent). */
  private parseKm(km: KmMessage): KeySet | null {
    const kek = this.kekFor(km.salt, km.keyLen);
    if (!kek) return null;
    const plain = unwrapKey(kek, km.wrapped);
    if (!plain) return null;
    const n = km.keys === KmKeys.BOTH ? 2 : 1;
    if (plain.length !== n * km.keyLen) return null;
    const keys: [Buffer | undefined, Buffer | undefined] = [undefined, undefined];
    if (km.keys === KmKeys.BOTH) {
      keys[0] = plain.subarray(0, km.keyLen);
      keys[1] = plain.subarray(km.keyLen);
    } else {
      keys[km.keys - 1] = plain;
    }
    return { salt: km.salt, keyLen: km.keyLen, keys };
  }

  // ------------------------------------------------------------ handshake: initiator

  /** The KMREQ of our CONCLUSION: a fresh salt and even key for both directions. */
  createKmReq(): Buffer | undefined {
    if (!this.#passphrase) return undefined;
    const keyLen = this.keyLen || 16;
    this.keyLen = keyLen;
    this.#tx = { salt: newKey(16), keyLen, keys: [newKey(keyLen), undefined] };
    this.#txActive = KeyFlags.EVEN;
    this.sndKmState = KmState.SECURING;
    return this.kmOf(this.#tx, KmKeys.EVEN);
  }

  /**
   * The responder's KMRSP (or its absence): an echo secures both directions;
   * a one-word state, or nothing, is a rejection when we enforce encryption.
   */
  acceptKmRsp(rsp: Buffer | undefined, sentKm: Buffer | undefined): KmDecision {
    if (sentKm) {
      if (rsp && rsp.length >= KM_HEADER_SIZE && rsp.subarray(0, sentKm.length).equals(sentKm)) {
        this.#rx = { ...this.#tx!, keys: [...this.#tx!.keys] as KeySet['keys'] };
        this.sndKmState = this.rcvKmState = KmState.SECURED;
        return { ok: true };
      }
      const state = rsp && rsp.length >= 4 ? decodeKmState(rsp) : KmState.UNSECURED;
      // libsrt processSrtMsg_KMRSP: BADSECRET both ways; NOSECRET = the peer cannot decrypt us.
      if (state === KmState.BADSECRET) this.sndKmState = this.rcvKmState = KmState.BADSECRET;
      else if (state === KmState.NOSECRET) [this.sndKmState, this.rcvKmState] = [KmState.NOSECRET, KmState.UNSECURED];
      else this.sndKmState = this.rcvKmState = KmState.UNSECURED;
      if (!this.enforced) return { ok: true };
      return state === KmState.BADSECRET
        ? { ok: false, reason: RejectReason.BADSECRET, message: 'the peer has a different passphrase' }
        : { ok: false, reason: RejectReason.UNSECURE, message: 'the peer has no passphrase' };
    }
    if (rsp) {
      // We have no passphrase but the responder has one: it will send what we cannot decrypt.
      this.sndKmState = this.rcvKmState = KmState.UNSECURED;
      if (this.enforced) return { ok: false, reason: RejectReason.UNSECURE, message: 'the peer requires a passphrase' };
      this.rcvKmState = KmState.NOSECRET;
    }
    return { ok: true };
  }

  // ------------------------------------------------------------ handshake: responder

  /**
   * Answers the initiator's KMREQ (or its absence). Returns the KMRSP to send
   * (undefined for none) or a rejection when we enforce encryption.
   */
  processHsKmReq(kmreq: Buffer | undefined): { ok: true; kmrsp?: Buffer } | { ok: false; reason: number; message: string } {
    if (!kmreq) {
      if (!this.#passphrase) return { ok: true };
      // We have a passphrase, the peer sent no KM: libsrt answers KMRSP UNSECURED.
      if (this.enforced) return { ok: false, reason: RejectReason.UNSECURE, message: 'the peer has no passphrase' };
      this.sndKmState = KmState.NOSECRET;
      this.rcvKmState = KmState.UNSECURED;
      this.installFakeTx();
      return { ok: true, kmrsp: encodeKmState(KmState.UNSECURED) };
    }
    if (!this.#passphrase) {
      if (this.enforced) return { ok: false, reason: RejectReason.UNSECURE, message: 'the peer requires a passphrase' };
      // We cannot decrypt the peer; we send in clear (we have no passphrase to protect).
      this.sndKmState = KmState.UNSECURED;
      this.rcvKmState = KmState.NOSECRET;
      return { ok: true, kmrsp: encodeKmState(KmState.NOSECRET) };
    }
    const km = decodeKm(kmreq);
    const set = km && km.se === 2 && (km.cipher === KmCipher.CTR || km.cipher === KmCipher.GCM) ? this.parseKm(km) : null;
    if (km && (km.cipher === KmCipher.GCM) !== this.gcm) {
      if (this.enforced) return { ok: false, reason: RejectReason.CRYPTO, message: 'the peer uses another cipher mode' };
      this.sndKmState = this.rcvKmState = KmState.BADCRYPTOMODE;
      this.installFakeTx();
      return { ok: true, kmrsp: encodeKmState(KmState.BADCRYPTOMODE) };
    }
    if (!set) {
      if (this.enforced) return { ok: false, reason: RejectReason.BADSECRET, message: 'the peer has a different passphrase' };
      this.sndKmState = this.rcvKmState = KmState.BADSECRET;
      this.installFakeTx();
      return { ok: true, kmrsp: encodeKmState(KmState.BADSECRET) };
    }
    // Bidirectional (HSv5): the initiator's keys serve both directions.
    this.#rx = set;
    this.#tx = { ...set, keys: [...set.keys] as KeySet['keys'] };
    this.#txActive = set.keys[0] ? KeyFlags.EVEN : KeyFlags.ODD;
    this.keyLen = set.keyLen;
    this.sndKmState = this.rcvKmState = KmState.SECURED;
    return { ok: true, kmrsp: Buffer.from(kmreq) };
  }

  /**
   * A socket with a passphrase never sends in clear: when the peer could not be keyed (and
   * encryption is not enforced), data goes out under a random key it cannot have.
   */
  private installFakeTx(): void {
    const keyLen = this.keyLen || 16;
    this.#tx = { salt: newKey(16), keyLen, keys: [newKey(keyLen), undefined] };
    this.#txActive = KeyFlags.EVEN;
    this.#fake = true;
  }

  // ------------------------------------------------------------ KM refresh (EXT packets)

  /**
   * A KMREQ in an EXT packet (a key refresh by the peer's sender): install its
   * keys for receiving and return the KMRSP to send back (an echo, or a state).
   */
  processExtKmReq(body: Buffer): Buffer {
    if (!this.#passphrase) return encodeKmState(KmState.NOSECRET);
    const km = decodeKm(body);
    const set = km ? this.parseKm(km) : null;
    if (!set) return encodeKmState(KmState.BADSECRET);
    const old = this.#rx;
    // Keep a key the message does not carry if the salt is the same (libsrt keeps its context).
    if (old && old.salt.equals(set.salt)) {
      this.#rx = { ...set, keys: [set.keys[0] ?? old.keys[0], set.keys[1] ?? old.keys[1]] };
    } else {
      this.#rx = set;
    }
    this.rcvKmState = KmState.SECURED;
    return Buffer.from(body);
  }

  /** The peer echoed our refresh KMREQ: stop resending it. */
  processExtKmRsp(body: Buffer): void {
    if (this.#pendingKm && body.length >= this.#pendingKm.length && body.subarray(0, this.#pendingKm.length).equals(this.#pendingKm)) {
      this.#pendingKm = undefined;
    }
  }

  /**
   * A refresh KMREQ to (re)send now, if any: announced `preAnnounce` packets
   * before the switch, resent every 1.5 × SRTT up to 10 times until echoed.
   */
  kmToSend(nowUs: number, srttUs: number): Buffer | undefined {
    if (!this.#pendingKm || this.#pendingRetries >= MAX_KM_RETRY) return undefined;
    if (nowUs - this.#lastKmSentUs < 1.5 * srttUs) return undefined;
    this.#lastKmSentUs = nowUs;
    this.#pendingRetries++;
    return this.#pendingKm;
  }

  /** When a pending refresh KMREQ is due to be (re)sent; Infinity when none. */
  nextKmAt(srttUs: number): number {
    if (!this.#pendingKm || this.#pendingRetries >= MAX_KM_RETRY) return Infinity;
    return this.#lastKmSentUs + 1.5 * srttUs;
  }

  /** Counts one encrypted packet and runs the refresh schedule (libsrt hcryptCtx_Tx_ManageKM). */
  private countPacket(): void {
    if (this.#fake) return; // nobody can use a refresh of a key nobody has
    const tx = this.#tx!;
    const n = ++this.#txCount;
    const inactive = this.#txActive === KeyFlags.EVEN ? 1 : 0;
    if (n === this.refreshRate - this.preAnnounce) {
      // Pre-announce: a new key for the other parity, same salt, both keys in one KM.
      tx.keys[inactive] = newKey(tx.keyLen);
      this.#pendingKm = this.kmOf(tx, KmKeys.BOTH);
      this.#pendingRetries = 0;
      this.#lastKmSentUs = -Infinity;
    } else if (n >= this.refreshRate && this.peerHasNewKey()) {
      // Switch: data goes out with the new key from now on.
      this.#txActive = this.#txActive === KeyFlags.EVEN ? KeyFlags.ODD : KeyFlags.EVEN;
      this.#txCount = 0;
    } else if (n === this.preAnnounce && tx.keys[inactive]) {
      // Decommission: the old key is no longer needed by the peer.
      tx.keys[inactive] = undefined;
    }
  }

  /**
   * Whether the peer can decrypt with the announced key. libsrt switches at the scheduled packet
   * whether or not the KMRSP came back; with AES-CTR a receiver that missed the KMREQ then
   * decrypts with a stale key and delivers garbage. We wait for the echo (the old key stays valid
   * meanwhile), unless the resends are exhausted, when we switch as libsrt would.
   */
  private peerHasNewKey(): boolean {
    return this.#pendingKm === undefined || this.#pendingRetries >= MAX_KM_RETRY;
  }

  // ------------------------------------------------------------ data

  /**
   * Encrypts one payload for sending with sequence number `seq`; `header` is the
   * 16-byte header (AAD for GCM; its KK bits must already be set from the result).
   */
  encrypt(seq: number, payload: Buffer, header: Buffer): Buffer {
    const tx = this.#tx!;
    const key = tx.keys[this.#txActive - 1]!;
    this.countPacket();
    return this.gcm ? gcmSeal(key, tx.salt, seq, header, payload) : aesCtr(key, tx.salt, seq, payload);
  }

  /** KK bits for the next packet sent. */
  get txKeyFlags(): number {
    return this.#tx ? this.#txActive : KeyFlags.NONE;
  }

  /** Decrypts a received payload by its KK bits; null when it cannot be decrypted. */
  decrypt(seq: number, keyFlags: number, payload: Buffer, header: Buffer): Buffer | null {
    const rx = this.#rx;
    if (!rx || (keyFlags !== KeyFlags.EVEN && keyFlags !== KeyFlags.ODD)) return null;
    const key = rx.keys[keyFlags - 1];
    if (!key) return null;
    return this.gcm ? gcmOpen(key, rx.salt, seq, header, payload) : aesCtr(key, rx.salt, seq, payload);
  }
}
