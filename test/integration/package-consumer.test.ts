/**
 * The package as a user gets it: `npm pack`, unpacked into a fresh project with only the
 * dependencies the packed package.json declares (linked from this checkout, so no network), then
 * - a strict TypeScript consumer (test/consumer/consumer.ts, `skipLibCheck: false`) compiles, its
 *   @ts-expect-error lines proving that typos do not, and it runs an echo over loopback;
 * - `import` and `require` both load it (the exports map);
 * - every source map in it points at a source it ships, every compiled file has its source (nothing
 *   stale), and the LICENSE is there.
 */
import { expect } from 'chai';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const ROOT = path.resolve(__dirname, '../../..');
const NPM = process.platform === 'win32' ? 'npm.cmd' : 'npm';

function run(cmd: string, args: string[], cwd: string): string {
  try {
    return execFileSync(cmd, args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (err) {
    const e = err as { stdout?: string; stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed:\n${e.stdout ?? ''}${e.stderr ?? ''}${e.message}`);
  }
}

/** Links an installed package of this checkout into the consumer's node_modules. */
function link(consumer: string, name: string): void {
  const to = path.join(consumer, 'node_modules', name);
  fs.mkdirSync(path.dirname(to), { recursive: true });
  fs.symlinkSync(path.join(ROOT, 'node_modules', name), to, 'dir');
}

describe('the packed package, seen by a strict TypeScript consumer', function () {
  this.timeout(120000);
  let dir: string;
  let pkgDir: string;
  let files: string[];

  before(function () {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'srt-consumer-'));
    // --ignore-scripts: the build is the one npm test just made (prepack would rebuild it under the running suite).
    const [packed] = JSON.parse(run(NPM, ['pack', '--ignore-scripts', '--json', '--pack-destination', dir], ROOT)) as [
      { filename: string; files: { path: string }[] },
    ];
    files = packed.files.map((f) => f.path);
    pkgDir = path.join(dir, 'node_modules', 'srt-stream');
    fs.mkdirSync(pkgDir, { recursive: true });
    run('tar', ['xzf', path.join(dir, packed.filename), '-C', pkgDir, '--strip-components=1'], dir);
    const manifest = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')) as { dependencies?: Record<string, string> };
    // Only what the package declares, plus the consumer's own @types/node: a type the package
    // needs but does not declare fails the compile below.
    for (const dep of Object.keys(manifest.dependencies ?? {})) link(dir, dep);
    link(dir, '@types/node');
    for (const f of ['consumer.ts', 'tsconfig.json', 'esm-and-require.mjs']) {
      fs.copyFileSync(path.join(ROOT, 'test', 'consumer', f), path.join(dir, f));
    }
  });

  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  it('compiles with strict and skipLibCheck false, typos rejected, and runs', () => {
    run(process.execPath, [path.join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json'], dir);
    expect(run(process.execPath, [path.join('out', 'consumer.js')], dir).trim()).to.equal('ping');
  });

  it('loads with import and with require, the same exports', () => {
    expect(run(process.execPath, ['esm-and-require.mjs'], dir)).to.match(/identical/);
  });

  it('the relay monitor serves its page files and uPlot from the installed package', () => {
    // The page is not compiled: it is read from the shipped src/ next to dist/src/, uPlot from its dependency.
    const server = path.join(pkgDir, 'dist', 'src', 'relay', 'monitor', 'http-server.js');
    const script = `
      const { createMonitorServer } = require(${JSON.stringify(server)});
      const snapshot = () => ({ time: Date.now(), startedAt: 0, streams: [], rejects: {}, accepted: { publisher: 0, player: 0 } });
      const mon = createMonitorServer({ snapshot, host: '127.0.0.1', port: 0 });
      mon.listen().then(async ({ port }) => {
        const out = [];
        for (const p of ['/', '/assets/monitor.js', '/assets/monitor.css', '/assets/uPlot.iife.min.js', '/assets/uPlot.min.css']) {
          const r = await fetch('http://127.0.0.1:' + port + p);
          out.push(p + ' ' + r.status + ' ' + (await r.arrayBuffer()).byteLength);
        }
        await mon.close();
        console.log(out.join('\\n'));
      });
    `;
    const lines = run(process.execPath, ['-e', script], dir).trim().split('\n');
    expect(lines).to.have.length(5);
    for (const line of lines) expect(line, line).to.match(/^\S+ 200 [1-9]\d*$/);
  });

  it('ships LICENSE, and no source map without its source, no compiled file without its source', () => {
    expect(files).to.include('LICENSE');
    const shipped = new Set(files);
    for (const f of files.filter((p) => p.endsWith('.map'))) {
      const map = JSON.parse(fs.readFileSync(path.join(pkgDir, f), 'utf8')) as { sources: string[] };
      for (const s of map.sources) {
        const source = path.posix.normalize(path.posix.join(path.posix.dirname(f), s));
        expect(shipped.has(source), `${f} points at ${source}, not in the package`).to.equal(true);
      }
    }
    for (const f of files.filter((p) => p.startsWith('dist/src/') && p.endsWith('.js'))) {
      const source = f.replace(/^dist\//, '').replace(/\.js$/, '.ts');
      expect(shipped.has(source), `${f} has no ${source}: a stale build (npm pack rebuilds from clean)`).to.equal(true);
    }
  });
});
