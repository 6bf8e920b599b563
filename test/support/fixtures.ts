/**
 * Loader for the libsrt 1.5.1 loopback captures in test/fixtures/libsrt-1.5.1
 * (format: test/fixtures/README.md). Tests run from dist/test/..., so the repo
 * root is found by walking up to package.json rather than trusting __dirname.
 */
import * as fs from 'fs';
import * as path from 'path';
import { decodeHandshake, Handshake } from '../../src/protocol/handshake-packet';
import { ControlPacket, ControlType, decodePacket } from '../../src/protocol/packet';

export interface CapturedDatagram {
  /** Microseconds since the first datagram of the capture. */
  us: number;
  /** 'caller' / 'listener', or 'A' / 'B' in the rendezvous capture. */
  from: string;
  to: string;
  /** The whole UDP payload, i.e. one SRT packet. */
  bytes: Buffer;
  /** Wireshark's one-line reading of the packet (an independent decoder). */
  wireshark: string;
  /** 0-based line number in the .jsonl file, for failure messages. */
  index: number;
}

export const CAPTURES = [
  'live-plain',
  'live-aes128',
  'live-aes192',
  'live-aes256',
  'reject-badsecret',
  'reject-unsecure',
  'rendezvous',
  'loss',
  'file-mode',
  'ffmpeg-caller',
] as const;
export type CaptureName = (typeof CAPTURES)[number];

let rootCache: string | undefined;

/** The repository root: the nearest ancestor of this file holding package.json and test/fixtures. */
export function repoRoot(): string {
  if (rootCache) return rootCache;
  let dir = __dirname;
  for (;;) {
    if (fs.existsSync(path.join(dir, 'package.json')) && fs.existsSync(path.join(dir, 'test', 'fixtures'))) {
      return (rootCache = dir);
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`repo root not found above ${__dirname}`);
    dir = up;
  }
}

export function fixturePath(name: string): string {
  return path.join(repoRoot(), 'test', 'fixtures', 'libsrt-1.5.1', `${name}.jsonl`);
}

const cache = new Map<string, CapturedDatagram[]>();

/** Every datagram of a capture, in capture order. Buffers are shared between callers: do not mutate. */
export function loadCapture(name: CaptureName | string): CapturedDatagram[] {
  const hit = cache.get(name);
  if (hit) return hit;
  const lines = fs.readFileSync(fixturePath(name), 'utf8').split('\n');
  const out: CapturedDatagram[] = [];
  for (const line of lines) {
    if (!line.trim()) continue;
    const j = JSON.parse(line) as { us: number; from: string; to: string; len: number; hex: string; wireshark: string };
    const bytes = Buffer.from(j.hex, 'hex');
    if (bytes.length !== j.len) throw new Error(`${name}.jsonl line ${out.length}: len ${j.len} but hex has ${bytes.length} bytes`);
    out.push({ us: j.us, from: j.from, to: j.to, bytes, wireshark: j.wireshark, index: out.length });
  }
  cache.set(name, out);
  return out;
}

/**
 * Wireshark's full dissection of the control packets (NAME.control.txt). It lives
 * outside the repo (../shared/fixtures, or $SRT_SHARED_FIXTURES); null when absent
 * so that tests using it can skip.
 */
export function loadControlDissection(name: string): string | null {
  const dirs = [
    process.env.SRT_SHARED_FIXTURES,
    path.join(repoRoot(), 'test', 'fixtures', 'libsrt-1.5.1'),
    path.join(repoRoot(), '..', 'shared', 'fixtures', 'libsrt-1.5.1'),
  ].filter((d): d is string => !!d);
  for (const d of dirs) {
    const p = path.join(d, `${name}.control.txt`);
    if (fs.existsSync(p)) return fs.readFileSync(p, 'utf8');
  }
  return null;
}

/** A handshake datagram of a capture, decoded. */
export interface Hs {
  d: CapturedDatagram;
  p: ControlPacket;
  hs: Handshake;
}

/** Every handshake of a capture, in order; throws if one does not decode. */
export function handshakes(name: string): Hs[] {
  const out: Hs[] = [];
  for (const d of loadCapture(name)) {
    const p = decodePacket(d.bytes);
    if (!p || p.kind !== 'control' || p.type !== ControlType.HANDSHAKE) continue;
    const hs = decodeHandshake(p.body);
    if (!hs) throw new Error(`${name}#${d.index}: handshake does not decode`);
    out.push({ d, p, hs });
  }
  return out;
}
