import type { Clock } from '../../src/clock';

/**
 * A clock that moves only when told to (or when code sleeps on it): sleep(ms) advances time by ms and
 * resolves at once, and timeout signals abort when time passes their deadline.
 */
export class ManualClock implements Clock {
  private timers: Array<{ at: number; abort: () => void }> = [];

  constructor(private time = 1_700_000_000_000) {}

  now(): number {
    return this.time;
  }

  async sleep(ms: number): Promise<void> {
    this.advance(ms);
  }

  timeoutSignal(ms: number): AbortSignal {
    const controller = new AbortController();
    this.timers.push({
      at: this.time + ms,
      abort: () => controller.abort(new DOMException('timed out', 'TimeoutError')),
    });
    return controller.signal;
  }

  advance(ms: number): void {
    this.time += ms;
    const due = this.timers.filter((t) => t.at <= this.time);
    this.timers = this.timers.filter((t) => t.at > this.time);
    for (const timer of due) timer.abort();
  }
}
