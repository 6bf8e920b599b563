#!/usr/bin/env python3
"""
Summarizes `perf script` output of a node process (recorded with --perf-basic-prof, call graphs):
on-CPU samples by category (kernel included), self time by symbol, inclusive time of JS functions.
  perf script -i perf-PID.data | python3 bench/tools/perf-summary.py [--top N] [--pkts N] [--incl regex,...]
--pkts: packets in the window, to print µs per packet (sample period taken from the data).
"""
import re, sys, collections
samples_thread = []

args = sys.argv[1:]
top = int(args[args.index('--top') + 1]) if '--top' in args else 30
pkts = float(args[args.index('--pkts') + 1]) if '--pkts' in args else 0
drill = args[args.index('--drill') + 1] if '--drill' in args else None
incl_pat = args[args.index('--incl') + 1].split(',') if '--incl' in args else []

samples = []
threads = collections.Counter()
cur = None
period = None
main_tid = None
for line in sys.stdin:
    line = line.rstrip('\n')
    if not line.strip():
        if cur is not None:
            samples.append(cur)
        cur = None
        continue
    if not line.startswith('\t') and not line.startswith(' '):
        m = re.search(r':\s+(\d+)\s+cpu-clock', line)
        if m:
            period = int(m.group(1))
        h = re.match(r'^(.+?)\s+(\d+)\s+[\d.]+:', line)
        comm, tid = (h.group(1).strip(), int(h.group(2))) if h else ('?', 0)
        if main_tid is None or tid < main_tid:
            main_tid = tid if main_tid is None or tid < main_tid else main_tid
        cur = []
        cur_thread = (comm, tid)
        threads[cur_thread] += 1
        samples_thread.append(cur_thread)
        continue
    m = re.match(r'\s*[0-9a-f]+\s+(.*?)\s+\((.*)\)$', line)
    if m and cur is not None:
        sym, dso = m.group(1), m.group(2)
        sym = re.sub(r'\+0x[0-9a-f]+$', '', sym)
        cur.append((sym, dso))
if cur:
    samples.append(cur)

N = len(samples)
per_us = (period or 0) / 1000.0

def norm_js(sym):
    # "JS:*name file:line:col" -> "name file:line"
    s = re.sub(r'^JS:[*^~+]?', '', sym)
    s = re.sub(r'/work/[^ ]*?/dist/', '', s)
    s = re.sub(r'/work/[^ ]*?node_modules/', 'nm/', s)
    s = re.sub(r':(\d+):\d+$', r':\1', s)
    return s

def is_js(sym, dso):
    return sym.startswith('JS:') or dso.startswith('/tmp/perf-')

def owner_of(stack):
    for sym, dso in stack:
        if is_js(sym, dso):
            return norm_js(sym)
    return None

GC_RE = re.compile(r'Heap::|Scavenge|MarkCompact|IncrementalMarking|ArrayBufferSweeper|ConcurrentMarking|MinorMarkSweep|MemoryAllocator|Sweeper|GCTracer|PerformGarbageCollection|CollectGarbage|MemoryReducer')

def category(stack):
    leaf, leafdso = stack[0]
    syms = [s for s, _ in stack]
    owner = owner_of(stack)
    kernel = leafdso == '[kernel.kallsyms]'
    if any(GC_RE.search(s) for s in syms[:12]) and not any(s.startswith('node::UDPWrap::OnRecv') for s in syms[:3]):
        return 'GC (V8 heap)'
    joined = ' '.join(syms)
    if owner is None:
        if 'UDPWrap::OnRecv' in joined or '__libc_recvmsg' in joined or 'uv__udp_io' in joined or 'uv__udp_recvmsg' in joined:
            return 'dgram receive, native (recvmsg syscall, UDPWrap::OnRecv, ArrayBuffer/Buffer creation)'
        if 'uv__udp_sendmsg' in joined or 'uv__udp_send' in joined or '__libc_sendmsg' in joined:
            return 'dgram send, native (sendmsg syscall)'
        if 'epoll' in joined:
            return 'event loop: epoll'
        if 'uv__run_timers' in joined or 'RunTimers' in joined:
            return 'timers (native)'
        if 'CheckImmediate' in joined or 'uv__run_check' in joined or 'uv__run_idle' in joined or 'uv__run_prepare' in joined:
            return 'event loop: setImmediate/check/prepare'
        if 'uv__read' in joined or 'LibuvStreamWrap' in joined or 'uv__stream_io' in joined or 'uv__write' in joined:
            return 'pipe I/O native (stdin/stdout/IPC)'
        if 'asm_exc_page_fault' in joined:
            return 'page faults'
        if kernel:
            return 'kernel other (irq, scheduler)'
        if re.match(r'(_int_malloc|malloc|_int_free|free|cfree|unlink_chunk|malloc_consolidate|__libc_calloc|_int_realloc|realloc|__libc_malloc|__libc_free|operator new|operator delete|_int_memalign|tcache)', leaf):
            return 'malloc/free (libc; mostly UDPWrap::OnAlloc 64 KiB + realloc per datagram)'
        if 'compiler::' in leaf or 'Compile' in leaf or 'interpreter::' in leaf or 'Turbofan' in leaf or 'Maglev' in leaf:
            return 'V8 compiler (JIT)'
        if re.match(r'(__vfprintf_internal|_IO_|_itoa_word|__strchrnul|__vsnprintf|__printf|__fprintf|fwrite|__GI__IO|_IO_default)', leaf):
            return 'perf-basic-prof map writing (measurement artifact)'
        return 'native other: ' + leaf
    o = owner
    if re.search(r'node:dgram|node:internal/dgram|node:dns|node:internal/net |isIP', o):
        if re.match(r'(onMessage) ', o):
            return 'dgram receive, JS (onMessage -> emit)'
        return 'dgram send (JS + native + sendmsg syscall)'
    if 'sendmsg' in joined or 'UDPWrap::DoSend' in joined:
        return 'dgram send (JS + native + sendmsg syscall)'
    if re.search(r'node:internal/timers|node:timers', o):
        return 'timers (setTimeout/clearTimeout/listOnTimeout)'
    if re.search(r'nm/readable-stream|node:internal/streams|node:stream', o):
        return 'stream machinery (readable-stream / node:stream)'
    if re.search(r'node:internal/buffer|node:buffer', o):
        if re.match(r'(allocUnsafe|allocate|alloc|from|subarray|FastBuffer|createUnsafeBuffer|concat|_copy|_copyActual|copy|slice|createPool|allocPool) ', o):
            return 'Buffer alloc/subarray/copy'
        return 'Buffer readUInt32BE/writeUInt32BE'
    if 'src/protocol/stats.js' in o:
        return 'Counters.add'
    if 'src/protocol/packet.js' in o:
        return 'packet decode/encode'
    if 'src/net/srt-socket.js' in o:
        return 'SrtSocket adapter'
    if 'src/net/udp-mux.js' in o:
        return 'UdpMux route/send'
    if 'src/net/clock.js' in o or 'perf_hooks' in o or 'node:internal/perf' in o:
        return 'clock (performance.now)'
    if 'src/protocol/' in o:
        return 'engine (protocol/*)'
    if 'bench/' in o:
        return 'application (bench child)'
    if re.search(r'node:events', o):
        return 'EventEmitter emit'
    if re.search(r'task_queues|node:internal/process/promises|async_hooks', o):
        return 'nextTick/microtasks/async_hooks'
    if re.search(r'node:net|stream_base_commons|child_process|node:internal/child_process|serialization', o):
        return 'pipe I/O JS (stdin/stdout/IPC)'
    return 'other JS: ' + o

cats = collections.Counter()
leafs = collections.Counter()
owners = collections.Counter()
incl = collections.Counter()
main_samples = []
for st, th in zip(samples, samples_thread):
    if th[1] != main_tid:
        continue
    main_samples.append(st)
other_threads = collections.Counter({th: n for th, n in threads.items() if th[1] != main_tid})
NALL = len(samples)
samples = main_samples
N = len(samples)
for st in samples:
    if not st:
        continue
    cats[category(st)] += 1
    s, d = st[0]
    leafs[(norm_js(s) if is_js(s, d) else s) + ('  [k]' if d == '[kernel.kallsyms]' else '')] += 1
    owners[owner_of(st) or '(no JS frame)'] += 1
    seen = set()
    for s2, d2 in st:
        k = norm_js(s2) if is_js(s2, d2) else s2
        if k in seen:
            continue
        seen.add(k)
        incl[k] += 1

def fmt(n):
    us = n * per_us
    extra = f'  {us / pkts:6.2f} us/pkt' if pkts else ''
    return f'{n:6d} {100.0 * n / N:5.1f}%{extra}'

print(f'samples {N}, period {per_us:.0f} us, on-CPU {N * per_us / 1e6:.2f} s' + (f', {N * per_us / pkts:.2f} us/pkt over {pkts:.0f} pkts' if pkts else ''))
print(f'main thread {N} samples; other threads {NALL - N} samples' + (f' ({(NALL - N) * per_us / pkts:.2f} us/pkt)' if pkts else '') + ': ' + ', '.join(f'{c}/{t} {n}' for (c, t), n in other_threads.most_common(6)))
print('-- by category (main thread)')
for k, v in cats.most_common():
    print(fmt(v), ' ', k)
print(f'-- top {top} self (leaf symbol)')
for k, v in leafs.most_common(top):
    print(fmt(v), ' ', k)
print(f'-- top {top} by owner (nearest JS frame: JS self time + natives/builtins/kernel it called directly)')
for k, v in owners.most_common(top):
    print(fmt(v), ' ', k)
if incl_pat:
    print('-- inclusive')
    for p in incl_pat:
        r = re.compile(p)
        hits = [(k, v) for k, v in incl.items() if r.search(k)]
        for k, v in sorted(hits, key=lambda x: -x[1])[:3]:
            print(fmt(v), ' ', k)

if drill:
    r = re.compile(drill)
    sub = [st for st in samples if st and r.search(category(st))]
    def bucket(st):
        leaf, d = st[0]
        if d == '[kernel.kallsyms]':
            # the syscall: first libc/node frame under the kernel frames
            for s2, d2 in st:
                if d2 != '[kernel.kallsyms]':
                    return 'kernel under ' + (norm_js(s2) if is_js(s2, d2) else s2)
            return 'kernel'
        if is_js(leaf, d):
            return 'JS ' + norm_js(leaf)
        return 'native ' + leaf + '  (in ' + (owner_of(st) or '-') + ')'
    c = collections.Counter(bucket(st) for st in sub)
    print(f'-- drill {drill}: {len(sub)} samples')
    for k, v in c.most_common(top):
        print(fmt(v), ' ', k)
    o = collections.Counter((owner_of(st) or '-') for st in sub)
    print('-- owners')
    for k, v in o.most_common(top):
        print(fmt(v), ' ', k)

if '--tree' in args:
    roots = args[args.index('--tree') + 1].split(',')
    for rootpat in roots:
        r = re.compile(rootpat)
        tot = 0
        kids = collections.Counter()
        for st in samples:
            names = [norm_js(s2) if is_js(s2, d2) else s2 for s2, d2 in st]
            idx = [i for i, nm in enumerate(names) if r.search(nm)]
            if not idx:
                continue
            i = idx[-1]  # outermost occurrence
            tot += 1
            # immediate callee: next JS frame toward the leaf, or the leaf itself if native
            callee = None
            for j in range(i - 1, -1, -1):
                s2, d2 = st[j]
                if is_js(s2, d2):
                    callee = names[j]
                    break
            if callee is None:
                callee = '(self + natives)'
            kids[callee] += 1
        print(f'-- tree {rootpat}: {tot} samples, ' + (f'{tot * per_us / pkts:.2f} us/pkt' if pkts else ''))
        for k, v in kids.most_common(14):
            print('   ', fmt(v), ' ', k)
