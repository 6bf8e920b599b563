/**
 * The fec filter's settings, read from a negotiated packet-filter string (libsrt's
 * FECFilterBuiltin constructor, srtcore/fec.cpp): `cols` packets per row; `rows` rows per
 * column group, where rows 1 is rows only and a negative value is columns only (no row FEC
 * packets) with |rows| rows; `layout` even or staircase (the default); `arq` never, onreq
 * (the default) or always.
 */
import type { FecLayoutKind } from './fec-layout';

export type ArqLevel = 'never' | 'onreq' | 'always';

export interface FecConfig {
  cols: number;
  /** Packets per column group (|rows|); 1 means no columns. */
  rows: number;
  /** rows < -1: column groups only, no row FEC packets are sent (rows are still counted). */
  colsOnly: boolean;
  layout: FecLayoutKind;
  arq: ArqLevel;
}

/**
 * Largest cols and |rows| we run. libsrt sets no bound, but every group is held with a
 * full-payload XOR buffer, and a peer can impose the filter: at 256 x 256 a receiver holds at
 * most about 2.5 MB of FEC state (10 x 5: under 100 KB; see FecReceiver's window). SMPTE 2022-1,
 * the scheme this follows, stops at 20 x 20.
 */
export const MAX_FEC_DIMENSION = 256;
