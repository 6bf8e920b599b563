/**
 * The receiving side of libsrt's fec filter (srtcore/fec.cpp: receive, HangHorizontal,
 * HangVertical, RcvRebuild, CollectIrrecoverRow, RcvCheckDismissColumn), fed every data packet
 * as it arrived (still encrypted) and every FEC packet:
 * - each packet is XOR'ed into its row and its column group;
 * - a group holding its FEC packet and all its members but one gives back the missing one,
 *   which is XOR'ed into its other group in turn, so rows and columns repair each other;
 * - with arq "onreq" a group is decided a third of a row after its last packet: what it still
 *   lacks then is irrecoverable, and only that is to be NAKed (rows only: the row decides, as
 *   libsrt's; with columns: the column, with the same delay where libsrt's has none, so that a
 *   FEC packet overtaken by the next data packet is not taken for lost).
 *
 * Bounded by the window of `window` sequence numbers it tracks, never by the wire: a packet
 * before the window is ignored, one past it moves the window, and groups starting before the
 * window are dropped. Positions are computed from an anchor (the ISN, later moved by whole
 * matrices so offsets stay small), without allocating per packet.
 */
import { SeqRange } from '../packet';
import { seqDec, seqInc, seqOffset } from '../sequence';
import { FecConfig } from './fec-config';
import { FecGroupClip, RebuiltPacket } from './fec-group';
import { newPlace, placeInColumn, placeInRow } from './fec-layout';
import { decodeFecPayload, FEC_ROW_INDEX } from './fec-packet';

interface RcvGroup {
  clip: FecGroupClip;
  base: number;
  /** -1 for a row, else the column. */
  index: number;
  /** Members clipped (received or rebuilt). */
  collected: number;
  /** Its FEC packet was clipped. */
  fec: boolean;
}

/** Move the anchor once it is this far behind the window (offsets stay far from 2^30). */
const ANCHOR_MOVE = 1 << 24;

export class FecReceiver {
  /** Packets rebuilt by the last calls, oldest first: the caller takes them and empties it. */
  readonly rebuilt: RebuiltPacket[] = [];
  /** arq onreq: what decided groups could not rebuild (the caller NAKs it and empties it). */
  readonly irrecoverable: SeqRange[] = [];
  /** Sequence numbers tracked: a power of two, more than a matrix and a row. */
  readonly window: number;
  private readonly mask: number;
  /** 1 where a packet arrived or was rebuilt, indexed by seq & mask. */
  private readonly cells: Uint8Array;
  private cellBase: number;
  /** One past the highest sequence number seen (data or FEC). */
  private top: number;
  /** A sequence number at offset 0 of the layout: the ISN, then moved by whole matrices. */
  private anchor: number;
  /** Still anchored at the ISN: column groups before their column's start do not exist. */
  private startPhase = true;
  private readonly span: number;
  /** Packets past a group's last one before it is decided (arq onreq). */
  private readonly slack: number;
  private readonly rows = new Map<number, RcvGroup>();
  private readonly columns = new Map<number, RcvGroup>();
  private readonly pool: RcvGroup[] = [];
  /** Set by rowBase() / columnBase(): where the packet sits in that group (offsets from the anchor). */
  private readonly place = newPlace();

  constructor(private readonly cfg: FecConfig, isn: number, private readonly clipSize: number) {
    const { cols, rows } = cfg;
    this.span = cols * rows;
    this.slack = 2 + Math.floor(cols / 3);
    // A column must stay whole from its first packet until it is decided, with the window
    // moved by an eighth at a time.
    const need = Math.ceil(((this.span + 2 * cols + this.slack) * 8) / 7);
    let w = 64;
    while (w < need) w *= 2;
    this.window = w;
    this.mask = w - 1;
    this.cells = new Uint8Array(w);
    this.cellBase = isn;
    this.top = isn;
    this.anchor = isn;
  }

  /** Groups held now (bounded by the window; for tests and statistics). */
  get groupsHeld(): number {
    return this.rows.size + this.columns.size;
  }

  /**
   * A FEC packet (message number 0) with its header timestamp and payload. False when it is
   * malformed: too short, a clip longer than ours, or a group index and sequence number that
   * do not name the last packet of a group of this layout.
   */
  onFec(seq: number, timestamp: number, payload: Buffer): boolean {
    const fec = decodeFecPayload(payload);
    if (!fec || fec.payloadClip.length > this.clipSize) return false;
    const { cols, rows } = this.cfg;
    let base: number;
    if (fec.index === FEC_ROW_INDEX) {
      base = this.rowBase(seq);
      if (this.place.position !== cols - 1) return false;
    } else {
      if (rows <= 1 || fec.index < 0 || fec.index >= cols) return false;
      base = this.columnBase(seq);
      if (this.place.position !== rows - 1 || this.place.index !== fec.index) return false;
    }
    if (seqOffset(this.cellBase, seq) < 0) return true; // its group is gone: nothing left to rebuild
    this.reach(seq);
    const g = fec.index === FEC_ROW_INDEX ? this.group(this.rows, base, -1) : this.columnAt(seq);
    if (g && !g.fec) {
      g.clip.addFec(timestamp, fec);
      g.fec = true;
      this.tryRebuild(g);
    }
    this.advanceTop(seq);
    return true;
  }

  /** A data packet as it arrived (payload still encrypted), retransmissions included. */
  onData(seq: number, timestamp: number, keyFlags: number, payload: Buffer): void {
    if (seqOffset(this.cellBase, seq) < 0) return; // before the window
    this.reach(seq);
    const cell = seq & this.mask;
    if (this.cells[cell] !== 0) return; // known already (received, or rebuilt)
    this.cells[cell] = 1;
    if (payload.length <= this.clipSize) {
      const row = this.rowAt(seq);
      if (row) this.clipInto(row, payload, timestamp, keyFlags);
      const col = this.columnAt(seq);
      if (col) this.clipInto(col, payload, timestamp, keyFlags);
    }
    this.advanceTop(seq);
  }

  private clipInto(g: RcvGroup, payload: Buffer, timestamp: number, keyFlags: number): void {
    g.clip.addData(payload, timestamp, keyFlags);
    g.collected++;
    if (g.fec && g.collected === this.sizeOf(g) - 1) this.tryRebuild(g);
  }

  private sizeOf(g: RcvGroup): number {
    return g.index < 0 ? this.cfg.cols : this.cfg.rows;
  }

  /** Sequence number of member i of a group. */
  private member(g: RcvGroup, i: number): number {
    return seqInc(g.base, g.index < 0 ? i : i * this.cfg.cols);
  }

  /**
   * Rebuilds a group's one missing packet if it can, then whatever that completes in the
   * crossing groups (an explicit stack: each step fills a cell, so it ends).
   */
  private tryRebuild(first: RcvGroup): void {
    const work = [first];
    while (work.length > 0) {
      const g = work.pop()!;
      const size = this.sizeOf(g);
      if (!g.fec || g.collected !== size - 1) continue;
      let missing = -1;
      for (let i = 0; i < size; i++) {
        const s = this.member(g, i);
        if (this.cells[s & this.mask] === 0) {
          if (missing >= 0) {
            missing = -2; // the counts disagree with the cells: rebuild nothing
            break;
          }
          missing = s;
        }
      }
      if (missing < 0) continue;
      const p = g.clip.rebuild(missing);
      if (!p) continue;
      this.cells[missing & this.mask] = 1;
      g.collected++;
      this.rebuilt.push(p);
      const cross = g.index < 0 ? this.columnAt(missing) : this.rowAt(missing);
      if (cross && cross.collected < this.sizeOf(cross)) {
        cross.clip.addData(p.payload, p.timestamp, p.keyFlags);
        cross.collected++;
        work.push(cross);
      }
    }
  }

  // ------------------------------------------------------------------ layout

  /** Base of the row holding seq; sets place. */
  private rowBase(seq: number): number {
    placeInRow(this.cfg.cols, seqOffset(this.anchor, seq), this.place);
    return seqInc(this.anchor, this.place.baseOff);
  }

  /** Base of the column group holding seq; sets place. */
  private columnBase(seq: number): number {
    placeInColumn(this.cfg, seqOffset(this.anchor, seq), this.place);
    return seqInc(this.anchor, this.place.baseOff);
  }

  private rowAt(seq: number): RcvGroup | undefined {
    const base = this.rowBase(seq);
    return this.place.series < 0 && this.startPhase ? undefined : this.group(this.rows, base, -1);
  }

  private columnAt(seq: number): RcvGroup | undefined {
    if (this.cfg.rows <= 1) return undefined;
    const base = this.columnBase(seq);
    // Before its column's first group (the staircase's start) a packet is in no column.
    if (this.place.series < 0 && this.startPhase) return undefined;
    return this.group(this.columns, base, this.place.index);
  }

  /** The group starting at base, made when first needed; none when it starts before the window. */
  private group(map: Map<number, RcvGroup>, base: number, index: number): RcvGroup | undefined {
    let g = map.get(base);
    if (g) return g;
    if (seqOffset(this.cellBase, base) < 0) return undefined;
    g = this.pool.pop() ?? { clip: new FecGroupClip(this.clipSize), base: 0, index: 0, collected: 0, fec: false };
    g.base = base;
    g.index = index;
    g.collected = 0;
    g.fec = false;
    map.set(base, g);
    return g;
  }

  // ------------------------------------------------------------------ window and decisions

  /** Moves the window to hold seq (at or after its start), dropping groups that fall out. */
  private reach(seq: number): void {
    const off = seqOffset(this.cellBase, seq);
    if (off < this.window) return;
    // Leave an eighth of the window ahead: the eviction below runs once per eighth at most.
    const shift = off - this.window + 1 + (this.window >> 3);
    const clear = Math.min(shift, this.window);
    for (let i = 0; i < clear; i++) this.cells[(this.cellBase + i) & this.mask] = 0;
    this.cellBase = seqInc(this.cellBase, shift);
    if (seqOffset(this.top, this.cellBase) > 0) this.top = this.cellBase;
    this.evict(this.rows);
    this.evict(this.columns);
    const behind = seqOffset(this.anchor, this.cellBase);
    if (behind > ANCHOR_MOVE) {
      this.anchor = seqInc(this.anchor, (Math.floor(behind / this.span) - 1) * this.span);
      this.startPhase = false;
    }
  }

  private evict(map: Map<number, RcvGroup>): void {
    for (const [base, g] of map) {
      if (seqOffset(this.cellBase, base) >= 0) continue;
      map.delete(base);
      g.clip.reset();
      this.pool.push(g);
    }
  }

  /** seq was seen: with arq onreq, decide the groups whose last packet is now `slack` behind. */
  private advanceTop(seq: number): void {
    const ahead = seqOffset(this.top, seq);
    if (ahead < 0) return;
    const newTop = seqInc(seq);
    if (this.cfg.arq === 'onreq') {
      // At most a window's worth: anything older has left the window.
      let s = ahead + 1 > this.window ? seqDec(newTop, this.window) : this.top;
      for (; s !== newTop; s = seqInc(s)) this.decideEndingAt(seqDec(s, this.slack));
    }
    this.top = newTop;
  }

  /**
   * Reports the lost members of the group whose last packet is `last`, if there is one: the row
   * in rows-only mode, else the column (libsrt's choice). A group no packet of which arrived is
   * decided too: all of it is lost.
   */
  private decideEndingAt(last: number): void {
    const { cols, rows } = this.cfg;
    let base: number;
    let step: number;
    let size: number;
    if (rows <= 1) {
      base = this.rowBase(last);
      if (this.place.position !== cols - 1) return;
      step = 1;
      size = cols;
    } else {
      base = this.columnBase(last);
      if (this.place.position !== rows - 1 || (this.place.series < 0 && this.startPhase)) return;
      step = cols;
      size = rows;
    }
    const out = this.irrecoverable;
    for (let i = 0; i < size; i++) {
      const s = seqInc(base, i * step);
      if (seqOffset(this.cellBase, s) < 0 || this.cells[s & this.mask] !== 0) continue;
      const prev = out.length > 0 ? out[out.length - 1] : undefined;
      if (prev && seqInc(prev[1]) === s) prev[1] = s;
      else out.push([s, s]);
    }
  }
}
