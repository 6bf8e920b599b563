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

function floorDiv(a: number, b: number): number {
  return Math.floor(a / b);
}

/** Offset of column c's first group from the ISN. */
export function columnStart(l: FecLayout, col: number): number {
  return l.layout === 'even' ? col : col + (col % l.rows) * l.cols;
}

export function rowGroupOf(l: FecLayout, seq: number): FecGroupPlace {
  const off = seqOffset(l.isn, seq);
  const series = floorDiv(off, l.cols);
  const baseOff = series * l.cols;
  return {
    series,
    index: -1,
    base: seqInc(l.isn, baseOff),
    position: off - baseOff,
    last: seqInc(l.isn, baseOff + l.cols - 1),
  };
}

/** The column group of a sequence number; null when the filter has no columns (rows <= 1). */
export function columnGroupOf(l: FecLayout, seq: number): FecGroupPlace | null {
  if (l.rows <= 1) return null;
  const off = seqOffset(l.isn, seq);
  const col = ((off % l.cols) + l.cols) % l.cols;
  const span = l.cols * l.rows;
  const start = columnStart(l, col);
  const series = floorDiv(off - start, span);
  const baseOff = start + series * span;
  return {
    series,
    index: col,
    base: seqInc(l.isn, baseOff),
    position: (off - baseOff) / l.cols,
    last: seqInc(l.isn, baseOff + (l.rows - 1) * l.cols),
  };
}

/** Sequence numbers of a group's members, in order (size: cols for a row, rows for a column). */
export function groupMembers(l: FecLayout, g: FecGroupPlace): number[] {
  const out: number[] = [];
  if (g.index < 0) for (let i = 0; i < l.cols; i++) out.push(seqInc(g.base, i));
  else for (let i = 0; i < l.rows; i++) out.push(seqInc(g.base, i * l.cols));
  return out;
}
