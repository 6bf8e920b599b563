import { printValue, SLT_FIELDS, type StatsReport } from './slt-fields';

/**
 * `-pf csv`: srt-live-transmit 1.5's header, once, then a row per report. The header really has
 * "Time" twice: slt's own Time,SocketID columns, then the table's msTimeStamp (long name "Time").
 */
export const CSV_HEADER = ['Timepoint', 'Time', 'SocketID', ...SLT_FIELDS.map((fld) => fld.column ?? fld.bstats)].join(',');

export class CsvFormat {
  private headerDone = false;

  format(r: StatsReport): string {
    const time = printValue(r.stats, 'msTimeStamp');
    const row = [r.timepoint, time, String(r.sid), ...SLT_FIELDS.map((fld) => printValue(r.stats, fld.bstats, fld.double))].join(',');
    const head = this.headerDone ? '' : `${CSV_HEADER}\n`;
    this.headerDone = true;
    return `${head}${row}\n`;
  }
}
