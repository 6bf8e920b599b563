import { printValue, SLT_FIELDS, type FieldGroup, type StatsReport } from './slt-fields';

/**
 * `-pf json`: one object per line, as srt-live-transmit 1.5 writes it:
 * {"sid":..,"timepoint":"..","time":..,"window":{..},"link":{..},"send":{..},"recv":{..}}
 * Built as text, not JSON.stringify, to print numbers as slt does (%g doubles).
 */
export function formatJson(r: StatsReport): string {
  let out = `{"sid":${r.sid},"timepoint":"${r.timepoint}"`;
  let group: FieldGroup = 'general';
  for (const fld of SLT_FIELDS) {
    if (fld.group !== group) {
      if (group !== 'general') out += '}';
      group = fld.group;
      out += `,"${group}":{`;
    } else {
      out += ',';
    }
    out += `"${fld.key}":${printValue(r.stats, fld.bstats, fld.double)}`;
  }
  if (group !== 'general') out += '}';
  return `${out}}\n`;
}
