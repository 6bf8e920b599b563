import { expect } from 'chai';
import { setTimeout as sleep } from 'node:timers/promises';
import { nowUs } from '../../src/net/clock';
import { Scheduled, Scheduler } from '../../src/net/scheduler';

/** A connection stand-in that records when it ran. */
function item(name: string, log: string[], onDue?: () => void): Scheduled {
  return {
    dueUs: Infinity,
    onDue() {
      log.push(name);
      onDue?.();
    },
  };
}

describe('Scheduler: one timer for every connection', () => {
  it('runs each connection once at its deadline, earliest first, and forgets it', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const a = item('a', log);
    const b = item('b', log);
    const now = nowUs();
    s.schedule(b, now + 20_000, now);
    s.schedule(a, now + 5_000, now);
    expect(s.size).to.equal(2);
    await sleep(60);
    expect(log).to.deep.equal(['a', 'b']);
    expect(s.size).to.equal(0);
    expect(a.dueUs).to.equal(Infinity);
  });

  it('keeps an earlier deadline within a millisecond rather than moving it later', () => {
    const s = new Scheduler();
    const a = item('a', []);
    const now = nowUs();
    s.schedule(a, now + 1_000, now);
    s.schedule(a, now + 50_000, now);
    expect(a.dueUs).to.equal(now + 1_000);
    s.schedule(a, now + 500, now); // later than due-within-a-ms: still the first
    expect(a.dueUs).to.equal(now + 1_000);
    s.cancel(a);
  });

  it('cancel() removes a connection', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const a = item('a', log);
    const now = nowUs();
    s.schedule(a, now + 2_000, now);
    s.cancel(a);
    await sleep(20);
    expect(log).to.deep.equal([]);
    expect(s.size).to.equal(0);
  });

  it('a connection that schedules itself while running waits for the next fire', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    let again = 2;
    const a: Scheduled = item('a', log, () => {
      if (again-- > 0) s.schedule(a, nowUs(), nowUs()); // due at once: must not loop within one fire
    });
    s.schedule(a, nowUs(), nowUs());
    await sleep(30);
    expect(log).to.deep.equal(['a', 'a', 'a']);
  });

  it('one that throws does not strand the others: they run at the next fire', async () => {
    const s = new Scheduler();
    const log: string[] = [];
    const bad = item('bad', log, () => { throw new Error('boom'); });
    const good = item('good', log);
    const now = nowUs();
    s.schedule(bad, now, now);
    s.schedule(good, now, now);
    const errors: unknown[] = [];
    const onErr = (e: unknown) => errors.push(e);
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', onErr);
    try {
      await sleep(30);
    } finally {
      process.off('uncaughtException', onErr);
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(errors).to.have.length(1);
    expect(log).to.deep.equal(['bad', 'good']);
  });
});
