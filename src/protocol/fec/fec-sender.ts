/**
 * The sending side of libsrt's fec filter (srtcore/fec.cpp: feedSource, packControlPacket,
 * PackControl). Every new data packet, as it goes on the wire (encrypted), is XOR'ed into its
 * row and its column group. When a packet completes a group, that group's FEC packet is due:
 * the column's first, then the row's, each before the next data packet, each carrying the
 * sequence number of the packet that completed it. Retransmissions are not fed.
 *
 * Packets come in sequence order, so their offset from the ISN is counted (`phase`), folded by
 * whole matrices (cols x rows) once every column has started, which keeps it small for ever;
 * fec-layout.ts places it in its column.
 */
import { FecConfig } from './fec-config';
import { FecGroupClip } from './fec-group';
import { newPlace, placeInColumn } from './fec-layout';
import { FEC_HEADER_SIZE, FEC_ROW_INDEX } from './fec-packet';

/** A FEC packet ready to go: the payload and the header fields libsrt gives it. */
export interface FecOutgoing {
  /** Sequence number of the group's last data packet. */
  seq: number;
  /** XOR of the group's timestamps, sent in the TIMESTAMP field. */
  timestamp: number;
  payload: Buffer;
}

export class FecSender {
  private readonly row: FecGroupClip;
  /** Column groups by column index; empty without columns (rows 1). */
  private readonly columns: FecGroupClip[] = [];
  private readonly place = newPlace();
  private readonly span: number;
  private phase = 0;
  /** FEC packets due, oldest first: at most a column's and a row's. */
  private readonly due: FecOutgoing[] = [];

  constructor(private readonly cfg: FecConfig, private readonly clipSize: number) {
    this.row = new FecGroupClip(clipSize);
    if (cfg.rows > 1) for (let c = 0; c < cfg.cols; c++) this.columns.push(new FecGroupClip(clipSize));
    this.span = cfg.cols * cfg.rows;
  }

  /** Bytes of every FEC packet's payload (header and clip). */
  get fecPayloadSize(): number {
    return FEC_HEADER_SIZE + this.clipSize;
  }

  /** FEC packets waiting to be sent. */
  get pending(): number {
    return this.due.length;
  }

  /** The oldest FEC packet due (undefined when none). */
  shift(): FecOutgoing | undefined {
    return this.due.shift();
  }

  /**
   * Feeds a data packet sent for the first time, with the payload as on the wire. A payload
   * longer than the clip (the filter's payload size bounds them) is left out, which only costs
   * the receiver that group.
   */
  feed(seq: number, timestamp: number, keyFlags: number, payload: Buffer): void {
    const { cols, rows } = this.cfg;
    const off = this.phase;
    if (this.columns.length > 0) {
      const p = this.place;
      placeInColumn(this.cfg, off, p);
      // Before its column's first group (the staircase's start) a packet is in no column.
      if (p.series >= 0) {
        const g = this.columns[p.index];
        g.addData(payload, timestamp, keyFlags);
        if (p.position === rows - 1) this.emit(g, p.index, seq);
      }
    }
    this.row.addData(payload, timestamp, keyFlags);
    if (off % cols === cols - 1) {
      if (this.cfg.colsOnly) this.row.reset();
      else this.emit(this.row, FEC_ROW_INDEX, seq);
    }
    // Fold whole matrices once every column runs (all starts are below one matrix).
    this.phase = off + 1 >= 2 * this.span ? off + 1 - this.span : off + 1;
  }

  private emit(g: FecGroupClip, index: number, seq: number): void {
    this.due.push({ seq, timestamp: g.timestampClip, payload: g.toFecPacketPayload(index) });
    g.reset();
  }
}
