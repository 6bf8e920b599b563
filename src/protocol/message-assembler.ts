import { DataPacket, Position } from './packet';

/**
 * Message API on receive: joins the packets of a message (positions FIRST, MIDDLE..., LAST with
 * one message number) into one payload. A message whose start was lost, or that grows past
 * `maxPackets` (the receive buffer: no libsrt sender can fit more in flight), is dropped whole;
 * the packets dropped for growing too large are counted in `oversizeDropped`.
 */
export class MessageAssembler {
  private parts: Buffer[] = [];
  private msgNo = -1;
  /** Dropping the rest of an oversized message until its LAST (or another message) comes. */
  private skipping = false;
  oversizeDropped = 0;

  constructor(private readonly maxPackets: number) {}

  /** Returns the whole message when `pkt` completes one, else undefined. */
  add(payload: Buffer, pkt: DataPacket): Buffer | undefined {
    if (pkt.position === Position.SOLO) return payload;
    if (pkt.position === Position.FIRST || pkt.msgNo !== this.msgNo) {
      this.parts = [];
      this.skipping = false;
    }
    this.msgNo = pkt.msgNo;
    if (this.skipping) {
      this.oversizeDropped++;
      if (pkt.position === Position.LAST) this.skipping = false;
      return undefined;
    }
    if (pkt.position !== Position.FIRST && this.parts.length === 0) return undefined; // its start was lost
    if (this.parts.length >= this.maxPackets) {
      this.oversizeDropped += this.parts.length + 1;
      this.parts = [];
      this.skipping = pkt.position !== Position.LAST;
      return undefined;
    }
    this.parts.push(payload);
    if (pkt.position !== Position.LAST) return undefined;
    const msg = this.parts.length === 1 ? this.parts[0] : Buffer.concat(this.parts);
    this.parts = [];
    return msg;
  }
}
