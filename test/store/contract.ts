import { setTimeout as sleep } from 'node:timers/promises';
import { BotError, BusyError, StoreError } from '../../src/errors';
import { acquireLock, runOnce, type Store, withLock } from '../../src/store';

/** A prefix no other test run (or parallel worker) uses. */
export function uniquePrefix(label: string): string {
  return `test:${label}:${process.pid}:${Math.random().toString(36).slice(2, 10)}:`;
}

/** For a describe block: wrap each store a test opens in the returned function, and it is closed after the test. */
export function closedAfterEach(): <S extends Store>(store: S) => S {
  const opened: Store[] = [];
  afterEach(async () => {
    await Promise.all(opened.splice(0).map((s) => s.close()));
  });
  return (store) => {
    opened.push(store);
    return store;
  };
}

/**
 * The behaviour every Store must have. `makeStore(prefix)` returns a new store
 * whose keys are namespaced by prefix.
 */
export function defineStoreContract(name: string, makeStore: (prefix: string) => Store): void {
  describe(`Store contract: ${name}`, () => {
    let store: Store;
    const closed = closedAfterEach();
    const open = (p: string) => closed(makeStore(p));

    beforeEach(() => {
      store = open(uniquePrefix(name));
    });

    describe('values', () => {
      it('round-trips JSON values and returns undefined for missing keys', async () => {
        const value = { a: 1, b: ['x', null, true], c: { d: 'é' } };
        await store.set('obj', value, 10_000);
        await store.set('num', 42, 10_000);
        await store.set('str', 'hello', 10_000);
        expect(await store.get('obj')).toEqual(value);
        expect(await store.get('num')).toBe(42);
        expect(await store.get('str')).toBe('hello');
        expect(await store.get('missing')).toBeUndefined();
      });

      it('does not share mutable objects with the caller', async () => {
        const value = { n: 1 };
        await store.set('k', value, 10_000);
        value.n = 2;
        expect(await store.get('k')).toEqual({ n: 1 });
      });

      it('expires values after their TTL', async () => {
        // Only waits that outlast a TTL are timed: a read right after a short-TTL write could itself come
        // late on a loaded machine, so presence is checked on keys whose TTL no delay here can reach.
        await store.set('short', 'v', 60);
        await store.set('long', 'v', 60_000);
        await sleep(150);
        expect(await store.get('short')).toBeUndefined();
        expect(await store.get('long')).toBe('v');
      });

      it('overwrites with set and removes with delete', async () => {
        await store.set('k', 1, 10_000);
        await store.set('k', 2, 10_000);
        expect(await store.get('k')).toBe(2);
        await store.delete('k');
        expect(await store.get('k')).toBeUndefined();
        await expect(store.delete('never-set')).resolves.toBeUndefined();
      });

      it('namespaces keys by prefix', async () => {
        const other = open(uniquePrefix(`${name}-other`));
        await store.set('shared-name', 'mine', 10_000);
        await other.set('shared-name', 'theirs', 10_000);
        expect(await store.get('shared-name')).toBe('mine');
        expect(await other.get('shared-name')).toBe('theirs');
      });

      it('rejects a non-positive TTL', async () => {
        await expect(store.set('k', 1, 0)).rejects.toThrow(RangeError);
        await expect(store.setIfAbsent('k', 1, -5)).rejects.toThrow(RangeError);
      });
    });

    describe('setIfAbsent (NX)', () => {
      it('writes only when absent', async () => {
        expect(await store.setIfAbsent('nx', 'first', 10_000)).toBe(true);
        expect(await store.setIfAbsent('nx', 'second', 10_000)).toBe(false);
        expect(await store.get('nx')).toBe('first');
      });

      it('lets exactly one of many concurrent callers win', async () => {
        const results = await Promise.all(Array.from({ length: 50 }, (_, i) => store.setIfAbsent('race', i, 10_000)));
        expect(results.filter(Boolean)).toHaveLength(1);
      });

      it('succeeds again once the previous value expired', async () => {
        expect(await store.setIfAbsent('nx-ttl', 'a', 60)).toBe(true);
        await sleep(150);
        expect(await store.setIfAbsent('nx-ttl', 'b', 10_000)).toBe(true);
        expect(await store.get('nx-ttl')).toBe('b');
      });
    });

    describe('compareAndDelete', () => {
      it('deletes only when the stored JSON text matches', async () => {
        const value = { token: 't1', holder: 'alice' };
        await store.set('cad', value, 10_000);
        expect(await store.compareAndDelete('cad', JSON.stringify({ token: 't2', holder: 'alice' }))).toBe(false);
        expect(await store.get('cad')).toEqual(value);
        expect(await store.compareAndDelete('cad', JSON.stringify(value))).toBe(true);
        expect(await store.get('cad')).toBeUndefined();
        expect(await store.compareAndDelete('cad', JSON.stringify(value))).toBe(false);
      });
    });

    describe('capped lists', () => {
      it('keeps the newest maxLen items, newest first', async () => {
        for (let i = 1; i <= 7; i++) await store.pushCapped('list', { i }, 5, 10_000);
        expect(await store.listRange('list', 10)).toEqual([{ i: 7 }, { i: 6 }, { i: 5 }, { i: 4 }, { i: 3 }]);
        expect(await store.listRange('list', 2)).toEqual([{ i: 7 }, { i: 6 }]);
        expect(await store.listRange('list', 0)).toEqual([]);
        expect(await store.listRange('no-list', 5)).toEqual([]);
      });

      it('expires the list after its TTL, renewed by each push', async () => {
        // The first TTL is long enough that the second push always lands before it; the wait then outlasts
        // it, so the list is still there only because the second push renewed it.
        await store.pushCapped('tl', 'a', 5, 1_000);
        await store.pushCapped('tl', 'b', 5, 60_000);
        await sleep(1_100);
        expect(await store.listRange('tl', 5)).toEqual(['b', 'a']);
        await store.pushCapped('tl', 'c', 5, 60);
        await sleep(150);
        expect(await store.listRange('tl', 5)).toEqual([]);
      });
    });

    describe('append-only logs', () => {
      it('reads entries newest first and pages with the id of the last entry seen', async () => {
        const ids: string[] = [];
        for (let i = 1; i <= 7; i++) ids.push(await store.appendLog('log', { i }, 60_000));
        expect(new Set(ids).size).toBe(7);
        const first = await store.readLog<{ i: number }>('log', { limit: 3 });
        expect(first.map((e) => e.value.i)).toEqual([7, 6, 5]);
        expect(first.map((e) => e.id)).toEqual([ids[6], ids[5], ids[4]]);
        const second = await store.readLog<{ i: number }>('log', { limit: 3, before: first[2]!.id });
        expect(second.map((e) => e.value.i)).toEqual([4, 3, 2]);
        const last = await store.readLog<{ i: number }>('log', { limit: 3, before: second[2]!.id });
        expect(last.map((e) => e.value.i)).toEqual([1]);
        expect(await store.readLog('log', { limit: 3, before: last[0]!.id })).toEqual([]);
        expect(await store.readLog('no-log', { limit: 3 })).toEqual([]);
      });

      it('keeps every entry, with no length cap, in append order', async () => {
        const count = 1_200;
        for (let i = 0; i < count; i++) await store.appendLog('long', i, 60_000);
        const seen: number[] = [];
        let before: string | undefined;
        for (;;) {
          const page = await store.readLog<number>('long', { limit: 500, ...(before ? { before } : {}) });
          if (page.length === 0) break;
          seen.push(...page.map((e) => e.value));
          before = page[page.length - 1]!.id;
        }
        expect(seen).toEqual(Array.from({ length: count }, (_, i) => count - 1 - i));
      });

      it('drops entries once they are older than their retention', async () => {
        await store.appendLog('retained', 'old', 60);
        await sleep(150);
        await store.appendLog('retained', 'new', 60_000);
        expect((await store.readLog('retained', { limit: 10 })).map((e) => e.value)).toEqual(['new']);
      });

      it('keeps logs apart by key and rejects a non-positive limit or retention', async () => {
        await store.appendLog('a', 'in a', 60_000);
        await store.appendLog('b', 'in b', 60_000);
        expect((await store.readLog('a', { limit: 10 })).map((e) => e.value)).toEqual(['in a']);
        await expect(store.readLog('a', { limit: 0 })).rejects.toThrow(RangeError);
        await expect(store.appendLog('a', 'x', 0)).rejects.toThrow(RangeError);
      });
    });

    describe('health', () => {
      it('pings true while open, and fails with StoreError after close', async () => {
        expect(await store.ping()).toBe(true);
        await store.close();
        expect(await store.ping()).toBe(false);
        await expect(store.get('k')).rejects.toBeInstanceOf(StoreError);
      });
    });

    describe('batch', () => {
      it("answers with fn's result; fn's writes are in the store once it answers, also when fn throws", async () => {
        const result = await store.batch(async (tx) => {
          expect(await tx.setIfAbsent('claim', 'mine', 10_000)).toBe(true);
          expect(await tx.setIfAbsent('claim', 'theirs', 10_000)).toBe(false);
          await tx.appendLog('trail', { n: 1 }, 10_000);
          expect(await tx.get('claim')).toBe('mine');
          return 42;
        });
        expect(result).toBe(42);
        expect(await store.get('claim')).toBe('mine');
        expect((await store.readLog('trail', { limit: 5 })).map((e) => e.value)).toEqual([{ n: 1 }]);
        await expect(
          store.batch(async (tx) => {
            await tx.set('written', 'kept', 10_000);
            throw new Error('fn failed');
          }),
        ).rejects.toThrow('fn failed');
        expect(await store.get('written')).toBe('kept');
      });
    });

    describe('runOnce', () => {
      it('runs fn exactly once for 100 concurrent identical calls, all seeing the same outcome', async () => {
        let runs = 0;
        const fn = async () => {
          runs++;
          await sleep(50);
          return { groupId: 'g-1', run: runs };
        };
        const results = await Promise.all(
          Array.from({ length: 100 }, () => runOnce(store, 'create-group', 10_000, fn)),
        );
        expect(runs).toBe(1);
        expect(results.filter((r) => r.executed)).toHaveLength(1);
        for (const r of results) expect(r.outcome).toEqual({ groupId: 'g-1', run: 1 });
      });

      it('reuses a finished outcome for a later duplicate, including undefined', async () => {
        const first = await runOnce(store, 'void', 10_000, async () => undefined);
        const again = await runOnce(store, 'void', 10_000, async () => 'should not run');
        expect(first).toEqual({ outcome: undefined, executed: true });
        expect(again).toEqual({ outcome: undefined, executed: false });
      });

      it('re-throws the first failure to every duplicate with the same code and message', async () => {
        let runs = 0;
        const fn = async (): Promise<string> => {
          runs++;
          await sleep(30);
          throw new BotError('api_rejected', 'Location id is invalid', { secretish: 'not stored' });
        };
        const settled = await Promise.allSettled(Array.from({ length: 20 }, () => runOnce(store, 'fails', 10_000, fn)));
        expect(runs).toBe(1);
        for (const s of settled) {
          expect(s.status).toBe('rejected');
          const reason = (s as PromiseRejectedResult).reason;
          expect(reason).toBeInstanceOf(BotError);
          expect(reason).toMatchObject({ code: 'api_rejected', message: 'Location id is invalid' });
        }
        expect(await store.get('idempotency:fails')).toEqual({
          state: 'failed',
          error: { code: 'api_rejected', message: 'Location id is invalid' },
        });
      });

      it('does not store the message of an unexpected (non-BotError) failure', async () => {
        await expect(
          runOnce(store, 'crash', 10_000, async () => {
            throw new Error('token=xoxb-secret leaked');
          }),
        ).rejects.toThrow('token=xoxb-secret leaked');
        const replay = runOnce(store, 'crash', 10_000, async () => 'x');
        await expect(replay).rejects.toThrow('unexpected error');
        expect(JSON.stringify(await store.get('idempotency:crash'))).not.toContain('secret');
      });

      it('takes over when the owner died and its pending claim expired', async () => {
        await store.setIfAbsent('idempotency:orphan', { state: 'pending', startedAt: Date.now() }, 100);
        const result = await runOnce(store, 'orphan', 10_000, async () => 'recovered');
        expect(result).toEqual({ outcome: 'recovered', executed: true });
      });

      it('gives up waiting after waitTimeoutMs with a busy error', async () => {
        await store.set('idempotency:stuck', { state: 'pending', startedAt: Date.now() }, 10_000);
        const started = Date.now();
        await expect(runOnce(store, 'stuck', 10_000, async () => 'x', { waitTimeoutMs: 200 })).rejects.toMatchObject({
          code: 'busy',
        });
        expect(Date.now() - started).toBeLessThan(1500);
      });
    });

    describe('locks', () => {
      it('names the holder when the lock is taken', async () => {
        const lock = await acquireLock(store, '1234', 'alice', 10_000);
        const attempt = acquireLock(store, '1234', 'bob', 10_000);
        await expect(attempt).rejects.toBeInstanceOf(BusyError);
        await expect(attempt).rejects.toMatchObject({
          code: 'busy',
          holder: 'alice',
          message: 'Business 1234 is being changed by alice',
        });
        await lock.release();
      });

      it('is released only by its owner', async () => {
        const alice = await acquireLock(store, '77', 'alice', 100);
        await sleep(150); // alice's lock expired...
        const bob = await acquireLock(store, '77', 'bob', 10_000); // ...and bob took it
        expect(await alice.release()).toBe(false);
        await expect(acquireLock(store, '77', 'carol', 10_000)).rejects.toMatchObject({ holder: 'bob' });
        expect(await bob.release()).toBe(true);
        const carol = await acquireLock(store, '77', 'carol', 10_000);
        await carol.release();
      });

      it('withLock runs fn, blocks others meanwhile and releases even when fn throws', async () => {
        const inside = withLock(store, '55', 'alice', 10_000, async () => {
          await expect(withLock(store, '55', 'bob', 10_000, async () => 'no')).rejects.toMatchObject({
            holder: 'alice',
          });
          return 'done';
        });
        await expect(inside).resolves.toBe('done');
        await expect(
          withLock(store, '55', 'bob', 10_000, async () => {
            throw new Error('boom');
          }),
        ).rejects.toThrow('boom');
        await expect(withLock(store, '55', 'carol', 10_000, async () => 'free')).resolves.toBe('free');
      });

      it('lets exactly one of many concurrent claimants in', async () => {
        const settled = await Promise.allSettled(
          Array.from({ length: 30 }, (_, i) => acquireLock(store, '99', `user${i}`, 10_000)),
        );
        const winners = settled.filter((s) => s.status === 'fulfilled');
        expect(winners).toHaveLength(1);
        const winner = (winners[0] as PromiseFulfilledResult<{ holder: string }>).value.holder;
        for (const s of settled) {
          if (s.status === 'rejected') expect(s.reason).toMatchObject({ code: 'busy', holder: winner });
        }
      });
    });
  });
}
