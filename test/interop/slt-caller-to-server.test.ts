/**
 * srt-live-transmit as caller (stdin pipe -> srt://127.0.0.1:P?streamid=...) -> our SrtServer.
 */
import { expect } from 'chai';
import { cleanupPeers, requireTool } from '../support/interop';
import { sltCallerToServer } from '../support/interop-srt';

/** ASCII stream IDs srt-live-transmit passes through its URI parser unchanged. */
function sid(n: number): string {
  const alphabet = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/_.-';
  let s = '';
  for (let i = 0; i < n; i++) s += alphabet[(i * 7 + n) % alphabet.length];
  return s;
}

describe('interop: srt-live-transmit caller -> SrtServer', function () {
  before(function () { requireTool(this, 'srt-live-transmit'); });
  afterEach(function () { return cleanupPeers(this); });

  it('delivers 2 MB byte-exact with streamid #!::r=live/cam7,m=publish, 1456-byte packets (default -chunk), then ends on SHUTDOWN', async function () {
    this.timeout(45000);
    await sltCallerToServer({ streamId: '#!::r=live/cam7,m=publish', chunk: 1456, bytes: 1456 * 1440, seed: 'slt-caller-1', checkEnd: true });
  });

  for (const n of [1, 5, 511, 512]) {
    it(`passes a ${n}-character streamid and 1316-byte packets (-chunk 1316)`, async function () {
      this.timeout(30000);
      await sltCallerToServer({ streamId: sid(n), chunk: 1316, bytes: 1316 * 100, seed: `slt-caller-sid-${n}` });
    });
  }
});
