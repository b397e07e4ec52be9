import { setTimeout as sleep } from 'node:timers/promises';

/**
 * Time as the bot's timeouts and retries see it. Production uses the system clock; tests pass a manual
 * one (test/support/manual-clock.ts) so deadlines and backoff are exact on a loaded machine.
 */
export interface Clock {
  now(): number;
  sleep(ms: number): Promise<void>;
  /** A signal that aborts once `ms` have passed on this clock. */
  timeoutSignal(ms: number): AbortSignal;
}

export const systemClock: Clock = {
  now: () => Date.now(),
  sleep: (ms) => sleep(ms),
  timeoutSignal: (ms) => AbortSignal.timeout(ms),
};
