// The package loaded both ways (the exports map's "import" and "require"): the same classes.
import { createRequire } from 'node:module';
import * as esm from 'srt-stream';

const cjs = createRequire(import.meta.url)('srt-stream');
const names = ['SrtSocket', 'SrtServer', 'connect', 'createServer', 'ConnectionRequest', 'RejectCode', 'parseStreamIdKeys'];
for (const n of names) {
  if (esm[n] === undefined) throw new Error(`import: ${n} missing`);
  if (esm[n] !== cjs[n]) throw new Error(`import and require give different ${n}`);
}
console.log(`import and require: ${names.length} exports, identical`);
