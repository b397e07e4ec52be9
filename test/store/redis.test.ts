import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { StoreError } from '../../src/errors';
import { createStore, RedisStore, runOnce } from '../../src/store';
import { freePort, RedisProcess } from '../support/redis-process';
import { closedAfterEach, defineStoreContract, uniquePrefix } from './contract';

// A missing server must fail this suite, never skip it: global-setup starts one.
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL)
  throw new Error('TEST_REDIS_URL is not set: test/support/global-setup.ts should have started redis-server');

const logger = pino({ level: 'silent' });
const makeStore = (prefix: string, url: string = REDIS_URL) => new RedisStore({ url, logger, prefix });

defineStoreContract('redis', (prefix) => makeStore(prefix));

describe('RedisStore specifics', () => {
  const track = closedAfterEach();

  it('createStore picks Redis when a URL is given', () => {
    expect(track(createStore({ redisUrl: REDIS_URL, logger, prefix: uniquePrefix('create') }))).toBeInstanceOf(
      RedisStore,
    );
  });

  it('runs fn exactly once across two replicas for 100 concurrent calls', async () => {
    const prefix = uniquePrefix('replicas');
    const replicaA = track(makeStore(prefix));
    const replicaB = track(makeStore(prefix));
    let runs = 0;
    const fn = async () => {
      runs++;
      await sleep(50);
      return { ticket: 'T-1' };
    };
    const results = await Promise.all(
      Array.from({ length: 100 }, (_, i) => runOnce(i % 2 === 0 ? replicaA : replicaB, 'bulk-create', 10_000, fn)),
    );
    expect(runs).toBe(1);
    expect(results.filter((r) => r.executed)).toHaveLength(1);
    for (const r of results) expect(r.outcome).toEqual({ ticket: 'T-1' });
  });

  it('fails fast with StoreError when nothing listens on the port', async () => {
    const store = track(makeStore(uniquePrefix('closed'), `redis://127.0.0.1:${await freePort()}`));
    const started = Date.now();
    await expect(store.set('k', 1, 1000)).rejects.toBeInstanceOf(StoreError);
    await expect(store.get('k')).rejects.toMatchObject({ code: 'store_unavailable' });
    expect(Date.now() - started).toBeLessThan(2000);
    expect(await store.ping()).toBe(false);
  });

  describe('outage and recovery', () => {
    let server: RedisProcess | undefined;
    afterEach(async () => {
      await server?.kill();
    });

    it('fails fast while Redis is down or hung, and recovers by itself when it returns', async () => {
      server = await RedisProcess.start();
      const logLines: { level: string; msg: string }[] = [];
      const capturingLogger = pino(
        { level: 'info', formatters: { level: (label) => ({ level: label }) } },
        {
          write: (line: string) => logLines.push(JSON.parse(line)),
        },
      );
      const store = track(
        new RedisStore({
          url: server.url,
          logger: capturingLogger,
          prefix: uniquePrefix('outage'),
          maxReconnectDelayMs: 200,
        }),
      );
      await store.set('before', 'ok', 10_000);

      // Hung: the server accepts the command but never answers.
      server.pause();
      let started = Date.now();
      await expect(store.get('before')).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(Date.now() - started).toBeLessThan(2000);
      server.resume();

      // Down: the process is gone.
      await server.kill();
      started = Date.now();
      await expect(store.get('before')).rejects.toBeInstanceOf(StoreError);
      await expect(store.set('during', 'x', 1000)).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(2000);
      await sleep(600); // several reconnect attempts fail meanwhile

      await server.restart();
      const deadline = Date.now() + 5000;
      while (!(await store.ping()) && Date.now() < deadline) await sleep(100);
      await store.set('after', 'ok', 10_000);
      expect(await store.get('after')).toBe('ok');

      // Many failed reconnects, but the warning is rate-limited to one line.
      expect(logLines.filter((l) => l.level === 'warn')).toHaveLength(1);
      expect(logLines.some((l) => l.msg === 'Redis connection restored')).toBe(true);
    });
  });
});
