#!/usr/bin/env node
/**
 * Summarizes a V8 .cpuprofile cut to the bench's measuring window (BENCH_MARK_DIR marks):
 * self time by function, by category, and inclusive time of chosen functions.
 *   node bench/tools/prof-summary.js <file.cpuprofile> [marks.txt] [--top N] [--json out.json]
 */
const fs = require('fs');
const path = require('path');
const args = process.argv.slice(2);
const file = args[0];
let marks = args[1] && !args[1].startsWith('--') ? args[1] : undefined;
const topN = args.includes('--top') ? Number(args[args.indexOf('--top') + 1]) : 30;
const prof = JSON.parse(fs.readFileSync(file, 'utf8'));
const pid = Number((/CPU\.\d+\.\d+\.(\d+)\./.exec(path.basename(file)) || [])[1]);
let t0 = -Infinity, t1 = Infinity;
if (marks) {
  for (const l of fs.readFileSync(marks, 'utf8').split('\n')) {
    const [p, w, t] = l.split(' ');
    if (Number(p) !== pid) continue;
    if (w === 'start') t0 = Number(t);
    if (w === 'stop') t1 = Number(t);
  }
}
const byId = new Map();
for (const n of prof.nodes) byId.set(n.id, n);
const parent = new Map();
for (const n of prof.nodes) for (const c of n.children || []) parent.set(c, n.id);
const self = new Map(); // node id -> µs
let t = prof.startTime;
let total = 0, idle = 0;
for (let i = 0; i < prof.samples.length; i++) {
  t += prof.timeDeltas[i];
  const dt = i + 1 < prof.timeDeltas.length ? prof.timeDeltas[i + 1] : 0;
  if (t < t0 || t > t1) continue;
  const n = byId.get(prof.samples[i]);
  if (n.callFrame.functionName === '(idle)') { idle += dt; continue; }
  self.set(n.id, (self.get(n.id) || 0) + dt);
  total += dt;
}
const key = (n) => {
  const cf = n.callFrame;
  const url = cf.url.replace(/^file:\/\/.*?\/dist\//, '').replace(/^node:/, 'node:').replace(/.*node_modules\//, 'nm/');
  return `${cf.functionName || '(anonymous)'} ${url}${cf.url ? ':' + (cf.lineNumber + 1) : ''}`;
};
// self by function
const fnSelf = new Map();
for (const [id, us] of self) { const k = key(byId.get(id)); fnSelf.set(k, (fnSelf.get(k) || 0) + us); }
// inclusive by function (each function once per stack)
const fnIncl = new Map();
for (const [id, us] of self) {
  const seen = new Set();
  for (let x = id; x !== undefined; x = parent.get(x)) {
    const k = key(byId.get(x));
    if (seen.has(k)) continue;
    seen.add(k);
    fnIncl.set(k, (fnIncl.get(k) || 0) + us);
  }
}
const categorize = (k, id) => {
  const name = k.split(' ')[0];
  if (name === '(garbage' || k.startsWith('(garbage collector)')) return 'GC';
  if (k.startsWith('(program)')) return 'native/(program) (libuv, syscalls outside JS)';
  if (/node:dgram|node:internal\/dgram|udp_wrap/.test(k) || /^(send|onMessage|doSend|bufferSize|sliceBuffer|fixBufferList|healthCheck|defaultTriggerAsyncIdScope|lookup4|lookup6|_connect|afterSend) /.test(k)) return 'dgram send/receive (node:dgram + native)';
  if (/nm\/readable-stream|node:internal\/streams|node:stream/.test(k)) return 'stream machinery (readable-stream / node:stream)';
  if (/node:internal\/timers|node:timers|^(setTimeout|clearTimeout|listOnTimeout|processTimers|insert|unenroll|Timeout) /.test(k)) return 'timers';
  if (/node:events/.test(k)) return 'EventEmitter';
  if (/^(allocUnsafe|allocate|alloc|Buffer|from|subarray|FastBuffer|createUnsafeBuffer|allocUnsafeSlow|concat|_copy|_copyActual|copy|Uint8Array|slice|TypedArray|fill) /.test(k) && /node:buffer|node:internal\/buffer|^\S+ $/.test(k)) return 'Buffer alloc/slice/copy';
  if (/node:internal\/buffer|node:buffer/.test(k)) return 'Buffer read/write (readUInt32BE...)';
  if (/src\/protocol\/packet\.js/.test(k)) return 'packet decode/encode (packet.js)';
  if (/src\/protocol\/stats\.js/.test(k)) return 'Counters.add';
  if (/src\/net\/srt-socket\.js/.test(k)) return 'SrtSocket adapter (srt-socket.js)';
  if (/src\/net\/udp-mux\.js/.test(k)) return 'UdpMux';
  if (/src\/protocol\//.test(k)) return 'engine bookkeeping (protocol/*)';
  if (/src\/net\/clock\.js|^now /.test(k)) return 'clock (nowUs/performance.now)';
  if (/perf_hooks|node:internal\/perf/.test(k)) return 'clock (nowUs/performance.now)';
  if (/bench\//.test(k)) return 'bench child (application)';
  if (/node:internal\/process\/task_queues|nextTick|runMicrotasks|processTicksAndRejections/.test(k)) return 'nextTick/microtasks';
  if (/node:net|stream_base_commons|node:internal\/child_process|pipe_wrap/.test(k)) return 'stdin/stdout pipe + IPC (node:net)';
  return 'other: ' + k;
};
const cat = new Map();
for (const [id, us] of self) { const k = key(byId.get(id)); const c = categorize(k, id); cat.set(c, (cat.get(c) || 0) + us); }
const ms = (us) => (us / 1000).toFixed(1).padStart(8);
const pct = (us) => ((100 * us) / total).toFixed(1).padStart(5) + '%';
const out = [];
out.push(`${path.basename(file)}: window ${t0 === -Infinity ? 'whole profile' : ((t1 - t0) / 1e6).toFixed(2) + ' s'}, busy samples ${(total / 1000).toFixed(0)} ms, idle ${(idle / 1000).toFixed(0)} ms`);
out.push('-- self time by category');
for (const [c, us] of [...cat].sort((a, b) => b[1] - a[1])) if (!c.startsWith('other')) out.push(`${ms(us)} ms ${pct(us)}  ${c}`);
const other = [...cat].filter(([c]) => c.startsWith('other')).reduce((a, [, u]) => a + u, 0);
out.push(`${ms(other)} ms ${pct(other)}  other (uncategorized; see below)`);
out.push(`-- top ${topN} self time by function`);
for (const [k, us] of [...fnSelf].sort((a, b) => b[1] - a[1]).slice(0, topN)) out.push(`${ms(us)} ms ${pct(us)}  ${k}`);
out.push(`-- uncategorized (top 15)`);
for (const [c, us] of [...cat].filter(([c]) => c.startsWith('other')).sort((a, b) => b[1] - a[1]).slice(0, 15)) out.push(`${ms(us)} ms ${pct(us)}  ${c}`);
out.push(`-- inclusive (top ${topN + 20})`);
for (const [k, us] of [...fnIncl].sort((a, b) => b[1] - a[1]).slice(0, topN + 20)) out.push(`${ms(us)} ms ${pct(us)}  ${k}`);
console.log(out.join('\n'));
if (args.includes('--json')) fs.writeFileSync(args[args.indexOf('--json') + 1], JSON.stringify({ total, self: Object.fromEntries(fnSelf), incl: Object.fromEntries(fnIncl), cat: Object.fromEntries(cat) }, null, 1));
