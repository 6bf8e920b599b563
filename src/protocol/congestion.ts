/**
 * Congestion control behind one interface, as libsrt's SrtCongestion: LiveCC (live mode: a
 * pacing rate from maxBw or the input rate, the peer's flow window as the only window) and FileCC
 * (file mode: UDT's AIMD on a congestion window and a sending period). The sender asks it for a
 * rate and a window and tells it what happened; it never reaches into the sender.
 */

/** What congestion control sees of the connection when it decides (what libsrt's reads of CUDT). */
export interface CcView {
  srttUs: number;
  /** Receive rate and link capacity the peer reported in its last full ACK (packets/s). */
  recvRate: number;
  bandwidth: number;
  /** The peer's flow window: the largest congestion window slow start may reach. */
  flowWindow: number;
}

export interface CongestionControl {
  /** Pacing rate now, bytes/s (payload + 44 header bytes per packet). */
  rate(): number;
  /** Packets that may be in flight at most, given the peer's flow window. */
  window(flowWindow: number): number;
  /** The application submitted `bytes` (payload + headers) at nowUs. */
  onInput(bytes: number, nowUs: number): void;
  /** An ACK moved the acknowledged point to ackSeq. */
  onAck(ackSeq: number, nowUs: number, v: CcView): void;
  /** A loss report: its first sequence number, how many it lists, and the newest sequence number sent. */
  onLoss(firstLost: number, lostCount: number, sndCurrSeq: number, v: CcView): void;
  /** The retransmission timer expired. */
  onTimeout(v: CcView): void;
  /** Resend on a timer even when the peer sends periodic NAKs (file mode, libsrt's LATEREXMIT). */
  readonly timerRexmit: boolean;
  /** New bandwidth settings on a connected socket (libsrt's updateCC after srt_setsockflag). */
  setBandwidth(bw: BandwidthOptions): void;
}

/** The bandwidth options libsrt lets an application change on a connected socket, bytes/s and %. */
export interface BandwidthOptions {
  maxBw: number;
  inputBw: number;
  minInputBw: number;
  overheadBw: number;
}
