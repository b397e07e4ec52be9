import pino from 'pino';
import { createStore, MemoryStore, SqliteStore } from '../../src/store';
import { defineStoreContract } from './contract';

defineStoreContract('memory', (prefix) => new MemoryStore({ prefix }));

describe('MemoryStore specifics', () => {
  it('is for unit tests only: createStore without REDIS_URL picks SQLite, not memory', async () => {
    const store = createStore({ statePath: ':memory:', logger: pino({ level: 'silent' }) });
    expect(store).not.toBeInstanceOf(MemoryStore);
    expect(store).toBeInstanceOf(SqliteStore);
    await store.close();
  });

  it('sweeps expired entries in the background, not only on access', async () => {
    let now = 1_000_000;
    jest.useFakeTimers();
    try {
      const store = new MemoryStore({ prefix: 'sweep:', now: () => now });
      await store.set('k', 1, 1000);
      now += 2000;
      jest.advanceTimersByTime(31_000);
      expect((store as unknown as { entries: Map<string, unknown> }).entries.size).toBe(0);
      await store.close();
    } finally {
      jest.useRealTimers();
    }
  });
});
