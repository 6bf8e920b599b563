/**
 * File-mode throughput: the same file sent over loopback by srt-stream (srt-pipe sender and
 * srt-pipe listener, transtype=file, two processes) and by libsrt (srt-file-transmit on both
 * ends), timed from the sender's start to the receiver's exit, with each side's CPU time.
 * Env: BENCH_FILE_MB (100).
 */
import { createHash, randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Child, cpuTimeUs, freeUdpPort, spawnChild, waitForSrtListener } from './proc';

export interface FileRow {
  impl: 'srt-stream' | 'libsrt';
  megabytes: number;
  seconds: number;
  mbps: number;
  senderCpuS: number;
  receiverCpuS: number;
  intact: boolean;
}

const SRT_PIPE = path.resolve(__dirname, '../../bin/srt-pipe.js');

function sha(file: string): string {
  return createHash('sha256').update(fs.readFileSync(file)).digest('hex');
}

/** Samples a child's CPU time until it exits (/proc is gone after exit). */
function trackCpu(c: Child): () => number {
  let last = 0;
  const t = setInterval(() => {
    try {
      last = cpuTimeUs(c.pid);
    } catch {
      /* exited */
    }
  }, 50);
  void c.exited.then(() => clearInterval(t));
  return () => last / 1e6;
}

async function transfer(impl: FileRow['impl'], src: string, dst: string): Promise<FileRow> {
  const port = await freeUdpPort();
  // srt-file-transmit's stat() of a target that does not exist yet may read it as a directory.
  if (impl === 'libsrt') fs.writeFileSync(dst, '');
  const rx =
    impl === 'libsrt'
      ? spawnChild('sft-rx', 'srt-file-transmit', ['-loglevel', 'error', `srt://:${port}`, `file://${dst}`])
      : spawnChild('pipe-rx', process.execPath, [SRT_PIPE, '-q', '-a', 'no', `srt://:${port}?transtype=file`, dst]);
  const rxCpu = trackCpu(rx);
  await waitForSrtListener(port);
  const t0 = process.hrtime.bigint();
  const tx =
    impl === 'libsrt'
      ? spawnChild('sft-tx', 'srt-file-transmit', ['-loglevel', 'error', src, `srt://127.0.0.1:${port}`])
      : spawnChild('pipe-tx', process.execPath, [SRT_PIPE, '-q', '-a', 'no', src, `srt://127.0.0.1:${port}?transtype=file`]);
  const txCpu = trackCpu(tx);
  const deadline = setTimeout(() => { tx.proc.kill('SIGKILL'); rx.proc.kill('SIGKILL'); }, 120_000);
  await Promise.all([tx.exited, rx.exited]);
  clearTimeout(deadline);
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const bytes = fs.statSync(src).size;
  return {
    impl,
    megabytes: bytes / 1e6,
    seconds,
    mbps: (bytes * 8) / seconds / 1e6,
    senderCpuS: txCpu(),
    receiverCpuS: rxCpu(),
    intact: fs.existsSync(dst) && sha(dst) === sha(src),
  };
}

export async function runFileScenario(tmpDir: string, onRow: (r: FileRow) => void): Promise<FileRow[]> {
  const mb = Number(process.env.BENCH_FILE_MB ?? 100);
  // srt-file-transmit as receiver writes into the target's directory under the caller's stream
  // ID, which srt-file-transmit as sender sets to the file's name: keep the source elsewhere.
  const srcDir = fs.mkdtempSync(path.join(tmpDir, 'file-src-'));
  const src = path.join(srcDir, 'payload.bin');
  fs.writeFileSync(src, randomBytes(mb << 20));
  const rows: FileRow[] = [];
  for (const impl of ['srt-stream', 'libsrt'] as const) {
    const dstDir = fs.mkdtempSync(path.join(tmpDir, `file-dst-${impl}-`));
    const r = await transfer(impl, src, path.join(dstDir, 'payload.bin'));
    fs.rmSync(dstDir, { recursive: true, force: true });
    rows.push(r);
    onRow(r);
  }
  fs.rmSync(srcDir, { recursive: true, force: true });
  return rows;
}

export function printFileTable(rows: FileRow[]): void {
  if (rows.length === 0) return;
  console.log('\nfile transfer (transtype=file, loopback, sender and receiver in separate processes)');
  console.log('impl          MB      seconds   Mbit/s   sender cpu s   receiver cpu s   intact');
  for (const r of rows) {
    console.log(
      `${r.impl.padEnd(12)} ${r.megabytes.toFixed(0).padStart(4)}  ${r.seconds.toFixed(2).padStart(9)}  ${r.mbps.toFixed(0).padStart(7)}` +
        `  ${r.senderCpuS.toFixed(2).padStart(13)}  ${r.receiverCpuS.toFixed(2).padStart(15)}   ${r.intact ? 'yes' : 'NO'}`,
    );
  }
  const [ours, lib] = [rows.find((r) => r.impl === 'srt-stream'), rows.find((r) => r.impl === 'libsrt')];
  if (ours && lib) console.log(`ratio (srt-stream/libsrt): throughput ${(ours.mbps / lib.mbps).toFixed(2)}`);
}
