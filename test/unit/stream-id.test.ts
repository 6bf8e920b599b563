/**
 * The "#!::" keys of a stream ID are chosen by whoever calls: a key must never be found on
 * Object.prototype (u=constructor must not turn into a function, a missing key must stay
 * undefined), and __proto__=x must be data, not a prototype change.
 */
import { expect } from 'chai';
import { ConnectionRequest, toRejectCode } from '../../src/net/connection-request';
import { parseStreamIdKeys } from '../../src/protocol/stream-id';

const request = (streamId: string): ConnectionRequest =>
  new ConnectionRequest('127.0.0.1', 5000, streamId, { accept() {}, reject() {} });

const PROTOTYPE_NAMES = ['constructor', '__proto__', 'toString', 'valueOf', 'hasOwnProperty', 'isPrototypeOf'];

describe('stream ID "#!::" keys', () => {
  it('reads the keys in order, later ones winning; a bare key is an empty value', () => {
    const keys = parseStreamIdKeys('#!::u=alice,r=live/cam1,m=publish,flag,u=bob')!;
    expect({ ...keys }).to.deep.equal({ u: 'bob', r: 'live/cam1', m: 'publish', flag: '' });
    expect(parseStreamIdKeys('live/cam1')).to.equal(null);
  });

  it('has no prototype: Object.prototype members are undefined unless the stream ID sets them', () => {
    const keys = parseStreamIdKeys('#!::r=x')!;
    expect(Object.getPrototypeOf(keys)).to.equal(null);
    for (const name of PROTOTYPE_NAMES) expect(keys[name], name).to.equal(undefined);
  });

  it('u=constructor is the string "constructor", and only when given', () => {
    expect(parseStreamIdKeys('#!::u=constructor')!.u).to.equal('constructor');
    expect(request('#!::u=constructor').user).to.equal('constructor');
    expect(request('#!::r=x').user).to.equal(undefined);
    expect(request('#!::constructor=x').params.constructor).to.equal('x');
  });

  it('stores __proto__ as an own data key, leaving the prototype null', () => {
    const keys = parseStreamIdKeys('#!::__proto__=a,u=b')!;
    expect(Object.getPrototypeOf(keys)).to.equal(null);
    expect(Object.getOwnPropertyDescriptor(keys, '__proto__')).to.deep.include({ value: 'a', writable: true, enumerable: true });
    expect(Object.keys(keys)).to.deep.equal(['__proto__', 'u']);
    expect(keys.u).to.equal('b');
    expect(({} as Record<string, unknown>).a).to.equal(undefined); // nothing leaked into Object.prototype
  });

  it('a request without "#!::" has empty, prototype-free params', () => {
    for (const id of ['', 'live/cam1']) {
      const req = request(id);
      expect(Object.getPrototypeOf(req.params)).to.equal(null);
      expect(Object.keys(req.params)).to.deep.equal([]);
      for (const name of PROTOTYPE_NAMES) expect(req.params[name], name).to.equal(undefined);
      expect(req.user).to.equal(undefined);
      expect(req.mode).to.equal('request');
    }
    expect(request('live/cam1').resource).to.equal('live/cam1');
  });
});

describe('reject code names', () => {
  it('are libsrt\'s own names, never an Object.prototype member', () => {
    expect(toRejectCode('SRT_REJX_FORBIDDEN')).to.equal(1403);
    for (const name of PROTOTYPE_NAMES) {
      expect(() => request('#!::r=x').reject(name), name).to.throw(RangeError, /unknown reject code/);
    }
  });
});
