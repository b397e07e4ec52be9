import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { BusyError } from '../errors';
import { LOCK_KEY_PREFIX, type Store } from './types';

/** Stored under the lock key: the token proves ownership, the holder is shown to whoever is blocked. */
const LockRecord = z.object({ token: z.string(), holder: z.string() });
type LockRecord = z.infer<typeof LockRecord>;

export interface Lock {
  name: string;
  holder: string;
  /**
   * Releases the lock if this holder still owns it; false when it had expired or was taken over.
   * `via` is the store to do it through (a batch's tx); by default the one it was taken with.
   */
  release(via?: Store): Promise<boolean>;
}

// SET NX can lose to a lock released between our claim and our read; retry that race a few times.
const ACQUIRE_ATTEMPTS = 3;

/**
 * Takes the lock `name` (e.g. a business number) for ttlMs, or throws
 * BusyError naming who holds it. Not re-entrant: the same holder asking twice is busy too.
 */
export async function acquireLock(store: Store, name: string, holder: string, ttlMs: number): Promise<Lock> {
  const key = lockKey(name);
  const record: LockRecord = { token: randomUUID(), holder };
  for (let attempt = 0; attempt < ACQUIRE_ATTEMPTS; attempt++) {
    if (await store.setIfAbsent(key, record, ttlMs)) {
      // compareAndDelete matches the stored JSON text, which is exactly this serialization.
      const stored = JSON.stringify(record);
      return { name, holder, release: (via = store) => via.compareAndDelete(key, stored) };
    }
    const current = LockRecord.safeParse(await store.get(key));
    if (current.success) throw new BusyError(current.data.holder, name);
  }
  throw new BusyError('someone else', name);
}

/** Runs fn while holding the lock; the lock is released even if fn throws. */
export async function withLock<T>(
  store: Store,
  name: string,
  holder: string,
  ttlMs: number,
  fn: () => Promise<T>,
): Promise<T> {
  const lock = await acquireLock(store, name, holder, ttlMs);
  try {
    return await fn();
  } finally {
    // A failed release must not hide fn's result or error: the lock then frees itself after ttlMs.
    await lock.release().catch(() => false);
  }
}

function lockKey(name: string): string {
  return `${LOCK_KEY_PREFIX}${name}`;
}
