/**
 * Which FEC groups a sequence number belongs to, as libsrt lays them out from the ISN
 * (srtcore/fec.cpp: FECFilterBuiltin::ConfigureColumns, feedSource,
 * RcvGetRowGroupIndex, RcvGetColumnGroupIndex).
 *
 * Rows: `cols` consecutive packets from the ISN. Columns: `rows` packets `cols` apart.
 * With the "even" layout column c starts at ISN+c; with "staircase" (libsrt's default)
 * column c starts at ISN + c + (c % rows) * cols, so column FEC packets are spread over
 * the rows instead of all following the last row. Each column then repeats every
 * cols*rows packets. Packets before their column's first group (staircase start) belong
 * to a "series -1" group that libsrt never completes nor sends.
 */
import { seqInc, seqOffset } from '../sequence';

export type FecLayoutKind = 'even' | 'staircase';

export interface FecLayout {
  isn: number;
  cols: number;
  rows: number;
  layout: FecLayoutKind;
}

export interface FecGroupPlace {
  /** Row number, or series of this column; may be negative before the ISN / column start. */
  series: number;
  /** Column index (0..cols-1) for a column group; -1 for a row group (the FEC index byte). */
  index: number;
  /** Sequence number of the group's first packet. */
  base: number;
  /** Position of the packet in its group (0..size-1). */
  position: number;
  /** Sequence number of the group's last packet (where libsrt sends its FEC packet). */
  last: number;
}

/**
 * Where the packet `off` packets from the layout's origin sits, in offsets from that origin:
 * written by placeInRow / placeInColumn into an object the caller keeps, so the per-packet
 * paths (FecSender, FecReceiver) allocate nothing.
 */
export interface OffsetPlace {
  /** Row number, or series of this column; negative before the origin / the column's start. */
  series: number;
  /** Column index for a column group; -1 for a row group. */
  index: number;
  /** Offset of the group's first packet. */
  baseOff: number;
  /** Position of the packet in its group (0..size-1). */
  position: number;
}

export function newPlace(): OffsetPlace {
  return { series: 0, index: 0, baseOff: 0, position: 0 };
}

/** Offset of column c's first group from the origin. */
export function columnStart(l: Omit<FecLayout, 'isn'>, col: number): number {
  return l.layout === 'even' ? col : col + (col % l.rows) * l.cols;
}

export function placeInRow(cols: number, off: number, out: OffsetPlace): void {
  const series = Math.floor(off / cols);
  out.series = series;
  out.index = -1;
  out.baseOff = series * cols;
  out.position = off - out.baseOff;
}

/** The packet's column group (the layout has columns: rows > 1). */
export function placeInColumn(l: Omit<FecLayout, 'isn'>, off: number, out: OffsetPlace): void {
  const span = l.cols * l.rows;
  const col = ((off % l.cols) + l.cols) % l.cols;
  const start = columnStart(l, col);
  const series = Math.floor((off - start) / span);
  out.series = series;
  out.index = col;
  out.baseOff = start + series * span;
  out.position = (off - out.baseOff) / l.cols;
}

function toSeqs(l: FecLayout, p: OffsetPlace, size: number, step: number): FecGroupPlace {
  return {
    series: p.series,
    index: p.index,
    base: seqInc(l.isn, p.baseOff),
    position: p.position,
    last: seqInc(l.isn, p.baseOff + (size - 1) * step),
  };
}

export function rowGroupOf(l: FecLayout, seq: number): FecGroupPlace {
  const p = newPlace();
  placeInRow(l.cols, seqOffset(l.isn, seq), p);
  return toSeqs(l, p, l.cols, 1);
}

/** The column group of a sequence number; null when the filter has no columns (rows <= 1). */
export function columnGroupOf(l: FecLayout, seq: number): FecGroupPlace | null {
  if (l.rows <= 1) return null;
  const p = newPlace();
  placeInColumn(l, seqOffset(l.isn, seq), p);
  return toSeqs(l, p, l.rows, l.cols);
}

/** Sequence numbers of a group's members, in order (size: cols for a row, rows for a column). */
export function groupMembers(l: FecLayout, g: FecGroupPlace): number[] {
  const out: number[] = [];
  if (g.index < 0) for (let i = 0; i < l.cols; i++) out.push(seqInc(g.base, i));
  else for (let i = 0; i < l.rows; i++) out.push(seqInc(g.base, i * l.cols));
  return out;
}
