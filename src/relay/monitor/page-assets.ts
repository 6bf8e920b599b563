/**
 * The files the monitor page is made of, read once into memory when the server is created: the page
 * itself (src/relay/monitor/page/) and uPlot from its installed package, so that the page needs no
 * internet access. Only the URL paths of this table are served: a request path is looked up as a key,
 * never joined to a directory, so no request can reach any other file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';

export interface Asset {
  contentType: string;
  body: Buffer;
}

/**
 * The page's directory. tsc copies no non-TS file, so the page stays in the source tree: next to this
 * file when it runs from src/, and at the same place under the package root when it runs from
 * dist/src/relay/monitor/ (this checkout, and the installed package, whose "files" ship both src and dist/src).
 */
export function pageDir(): string {
  const candidates = [
    path.join(__dirname, 'page'),
    path.resolve(__dirname, '..', '..', '..', '..', 'src', 'relay', 'monitor', 'page'),
  ];
  for (const dir of candidates) {
    if (fs.existsSync(path.join(dir, 'index.html'))) return dir;
  }
  throw new Error(`srt-relay monitor: page files not found (looked in ${candidates.join(', ')})`);
}

const HTML = 'text/html; charset=utf-8';
const JS = 'text/javascript; charset=utf-8';
const CSS = 'text/css; charset=utf-8';

/** URL path → asset. The page refers to its assets by relative URLs (it works behind a path prefix). */
export function loadAssets(): Map<string, Asset> {
  const page = pageDir();
  const uplotJs = require.resolve('uplot/dist/uPlot.iife.min.js');
  const uplotCss = require.resolve('uplot/dist/uPlot.min.css');
  const table: [string, string, string][] = [
    ['/', path.join(page, 'index.html'), HTML],
    ['/assets/monitor.js', path.join(page, 'monitor.js'), JS],
    ['/assets/monitor.css', path.join(page, 'monitor.css'), CSS],
    ['/assets/uPlot.iife.min.js', uplotJs, JS],
    ['/assets/uPlot.min.css', uplotCss, CSS],
  ];
  return new Map(table.map(([url, file, contentType]) => [url, { contentType, body: fs.readFileSync(file) }]));
}
