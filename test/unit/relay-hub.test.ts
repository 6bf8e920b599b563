/**
 * StreamHub's bounds on a virtual clock, with stand-in sockets: stalled players are shed one a
 * sweep, longest stalled first; a full backlog drops and counts; the prebuffer is bounded in time.
 */
import { expect } from 'chai';
import { EventEmitter } from 'node:events';
import sinon from 'sinon';
import type { SrtSocket } from '../../src/net/srt-socket';
import { emptyStats } from '../../src/protocol/stats';
import { resolveConfig } from '../../src/relay/relay-config';
import { StreamHub } from '../../src/relay/stream-hub';

/** What the hub uses of an SrtSocket. */
class StandIn extends EventEmitter {
  writableLength = 0;
  destroyed = false;
  written: Buffer[] = [];
  /** Too-late drops so far; a stalled player's keep growing. */
  drops = 0;
  stalled = false;
  remoteAddress = '127.0.0.1';
  remotePort = 0;
  streamId = '';
  constructor(port: number) {
    super();
    this.remotePort = port;
  }
  write(b: Buffer): boolean {
    this.written.push(b);
    return true;
  }
  getStats() {
    if (this.stalled) this.drops += 10;
    return { ...emptyStats(), pktSndDropTotal: this.drops };
  }
  resume(): this {
    return this;
  }
  destroy(): void {
    if (this.destroyed) return;
    this.destroyed = true;
    this.emit('close');
  }
  end(): void {
    this.destroy();
  }
}

const sock = (s: StandIn) => s as unknown as SrtSocket;

describe('relay: StreamHub', () => {
  let clock: sinon.SinonFakeTimers;
  beforeEach(() => (clock = sinon.useFakeTimers({ now: 1_000_000 })));
  afterEach(() => clock.restore());

  it('stalled players are shed one a sweep, the longest stalled first; flowing ones stay', () => {
    const hub = new StreamHub(resolveConfig({ stallTimeoutMs: 1000, prebufferMs: 0 }));
    hub.addPublisher(sock(new StandIn(1)), { name: 's', mode: 'publish' });
    const players = [2, 3, 4, 5].map((port) => new StandIn(port));
    for (const p of players) hub.addPlayer(sock(p), { name: 's', mode: 'play' });
    players[1].stalled = true; // stalls first
    clock.tick(500);
    players[0].stalled = true;
    players[2].stalled = true;
    clock.tick(1000); // players[1] has been stalled for 1000 ms: it goes, alone
    expect(players.map((p) => p.destroyed)).to.deep.equal([false, true, false, false]);
    clock.tick(500); // the other two are past the timeout too: one a sweep
    expect(players.filter((p) => p.destroyed)).to.have.length(2);
    clock.tick(500);
    expect(players.map((p) => p.destroyed)).to.deep.equal([true, true, true, false]);
    clock.tick(5000);
    expect(players[3].destroyed, 'a flowing player is never shed').to.equal(false);
    hub.close();
  });

  it('a full backlog drops and counts, never writes; the prebuffer keeps only its last prebufferMs', () => {
    const hub = new StreamHub(resolveConfig({ playerBacklogBytes: 4 * 1316, prebufferMs: 1000 }));
    const pub = new StandIn(1);
    hub.addPublisher(sock(pub), { name: 's', mode: 'publish' });
    const player = new StandIn(2);
    const conn = hub.addPlayer(sock(player), { name: 's', mode: 'play' });
    player.writableLength = 4 * 1316;
    pub.emit('data', Buffer.alloc(1316));
    expect(player.written).to.have.length(0);
    expect([conn.droppedChunks, conn.droppedBytes]).to.deep.equal([1, 1316]);
    for (let i = 0; i < 30; i++) {
      pub.emit('data', Buffer.alloc(100, i));
      clock.tick(100);
    }
    const late = new StandIn(3);
    hub.addPlayer(sock(late), { name: 's', mode: 'play' });
    // Chunks of the last second only (10 or 11, depending on the boundary).
    expect(late.written.length).to.be.within(10, 11);
    expect(late.written[late.written.length - 1][0]).to.equal(29);
    hub.close();
  });
});
