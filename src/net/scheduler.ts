/**
 * One timer for every connection of the process. Each connection keeps its next deadline here; the
 * timer fires at the earliest one and runs every connection then due. Two hundred connections cost
 * one timer callback per millisecond at most, instead of a Timeout allocated, inserted and cleared
 * per connection and deadline (a live receiver has a TSBPD deadline every packet or two).
 *
 * The timer is unref'd: what keeps a process alive is a connection's UDP socket, as with net.
 */
import { nowUs } from './clock';

export interface Scheduled {
  /** When onDue should run (local µs); Infinity when not scheduled. Owned by the scheduler. */
  dueUs: number;
  onDue(nowUs: number): void;
}

/** Timers fire at 1 ms granularity: a deadline met within half a millisecond counts as met. */
const SLACK_US = 500;

export class Scheduler {
  private readonly waiting = new Set<Scheduled>();
  private readonly running: Scheduled[] = [];
  private timer?: NodeJS.Timeout;
  private timerAtUs = Infinity;
  private firing = false;
  private readonly fireBound = (): void => this.fire();

  /** Runs `s.onDue` at `atUs`, or keeps an earlier deadline already set if it is within a ms. */
  schedule(s: Scheduled, atUs: number, now: number): void {
    if (s.dueUs <= Math.max(atUs, now + 1000) + SLACK_US) return;
    s.dueUs = atUs;
    this.waiting.add(s);
    if (!this.firing && atUs < this.timerAtUs - SLACK_US) this.arm(atUs, now);
  }

  cancel(s: Scheduled): void {
    s.dueUs = Infinity;
    this.waiting.delete(s);
  }

  /** Connections waiting for a deadline (for tests). */
  get size(): number {
    return this.waiting.size;
  }

  private arm(atUs: number, now: number): void {
    if (this.timer) clearTimeout(this.timer);
    const delayMs = Math.max(1, Math.ceil((atUs - now) / 1000));
    this.timerAtUs = now + delayMs * 1000;
    this.timer = setTimeout(this.fireBound, delayMs);
    this.timer.unref();
  }

  private fire(): void {
    this.timer = undefined;
    this.timerAtUs = Infinity;
    const now = nowUs();
    // Collected first: a connection that schedules itself again while running waits for the next fire.
    const due = this.running;
    for (const s of this.waiting) {
      if (s.dueUs > now + SLACK_US) continue;
      s.dueUs = Infinity;
      this.waiting.delete(s);
      due.push(s);
    }
    this.firing = true;
    let i = 0;
    try {
      for (; i < due.length; i++) due[i].onDue(now);
    } finally {
      // One that threw does not strand the others: they run at the next fire.
      for (let j = i + 1; j < due.length; j++) {
        due[j].dueUs = now;
        this.waiting.add(due[j]);
      }
      due.length = 0;
      this.firing = false;
      let next = Infinity;
      for (const s of this.waiting) if (s.dueUs < next) next = s.dueUs;
      if (next !== Infinity) this.arm(next, nowUs());
    }
  }
}

/** The process's scheduler, shared by every SrtSocket. */
export const scheduler = new Scheduler();
