import { expect } from 'chai';
import { parseRoute } from '../../src/relay/stream-route';

describe('relay: stream ID routes', () => {
  it("libsrt's access-control form: r, m (request by default), u", () => {
    expect(parseRoute('#!::r=live/cam1,m=publish,u=alice')).to.deep.equal({ name: 'live/cam1', mode: 'publish', user: 'alice' });
    expect(parseRoute('#!::r=live/cam1')).to.deep.equal({ name: 'live/cam1', mode: 'play' });
    expect(parseRoute('#!::u=bob,r=live/cam1,m=request')).to.deep.equal({ name: 'live/cam1', mode: 'play', user: 'bob' });
  });

  it("mediamtx's publish:NAME and read:NAME, with :USER:PASS", () => {
    expect(parseRoute('publish:cam1')).to.deep.equal({ name: 'cam1', mode: 'publish' });
    expect(parseRoute('read:cam1')).to.deep.equal({ name: 'cam1', mode: 'play' });
    expect(parseRoute('publish:cam1:alice:secret')).to.deep.equal({ name: 'cam1', mode: 'publish', user: 'alice', password: 'secret' });
    expect(parseRoute('read:cam1:alice')).to.equal('SRT_REJX_BAD_REQUEST'); // a user without a password
  });

  it("gosrt's publish:/path and bare /path; names compared without leading slashes", () => {
    expect(parseRoute('publish:/live/cam')).to.deep.equal({ name: 'live/cam', mode: 'publish' });
    expect(parseRoute('/live/cam')).to.deep.equal({ name: 'live/cam', mode: 'play' });
    expect(parseRoute('live/cam')).to.deep.equal({ name: 'live/cam', mode: 'play' });
  });

  it('refuses what names no stream, and modes a fan-out relay has not', () => {
    expect(parseRoute('')).to.equal('SRT_REJX_BAD_REQUEST');
    expect(parseRoute('#!::m=publish')).to.equal('SRT_REJX_BAD_REQUEST');
    expect(parseRoute('publish:')).to.equal('SRT_REJX_BAD_REQUEST');
    expect(parseRoute('/')).to.equal('SRT_REJX_BAD_REQUEST');
    expect(parseRoute('#!::r=x,m=bidirectional')).to.equal('SRT_REJX_BAD_MODE');
    expect(parseRoute('#!::r=x,m=nonsense')).to.equal('SRT_REJX_BAD_MODE');
  });

  it('caller-chosen names are data: no prototype keys, control characters kept', () => {
    expect(parseRoute('#!::r=constructor')).to.deep.equal({ name: 'constructor', mode: 'play' });
    expect(parseRoute('#!::r=__proto__,m=publish')).to.deep.equal({ name: '__proto__', mode: 'publish' });
    expect(parseRoute('read:a\nb')).to.deep.equal({ name: 'a\nb', mode: 'play' });
  });
});
