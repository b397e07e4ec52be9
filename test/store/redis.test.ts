import { type ChildProcess, spawn } from 'node:child_process';
import { connect, createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import pino from 'pino';
import { StoreError } from '../../src/errors';
import { createStore, RedisStore, runOnce, type Store } from '../../src/store';
import { defineStoreContract, uniquePrefix } from './contract';

// A missing server must fail this suite, never skip it: global-setup starts one.
const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL)
  throw new Error('TEST_REDIS_URL is not set: test/support/global-setup.ts should have started redis-server');

const logger = pino({ level: 'silent' });
const makeStore = (prefix: string, url: string = REDIS_URL) => new RedisStore({ url, logger, prefix });

defineStoreContract('redis', (prefix) => makeStore(prefix));

describe('RedisStore specifics', () => {
  const stores: Store[] = [];
  const track = <S extends Store>(store: S): S => {
    stores.push(store);
    return store;
  };
  afterEach(async () => {
    await Promise.all(stores.splice(0).map((s) => s.close()));
  });

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
    let server: ChildProcess | undefined;
    afterEach(async () => {
      await stopServer(server);
    });

    it('fails fast while Redis is down or hung, and recovers by itself when it returns', async () => {
      const port = await freePort();
      server = await startServer(port);
      const logLines: { level: string; msg: string }[] = [];
      const capturingLogger = pino(
        { level: 'info', formatters: { level: (label) => ({ level: label }) } },
        {
          write: (line: string) => logLines.push(JSON.parse(line)),
        },
      );
      const store = track(
        new RedisStore({
          url: `redis://127.0.0.1:${port}`,
          logger: capturingLogger,
          prefix: uniquePrefix('outage'),
          maxReconnectDelayMs: 200,
        }),
      );
      await store.set('before', 'ok', 10_000);

      // Hung: the server accepts the command but never answers.
      server.kill('SIGSTOP');
      let started = Date.now();
      await expect(store.get('before')).rejects.toMatchObject({ code: 'store_unavailable' });
      expect(Date.now() - started).toBeLessThan(2000);
      server.kill('SIGCONT');

      // Down: the process is gone.
      await stopServer(server);
      started = Date.now();
      await expect(store.get('before')).rejects.toBeInstanceOf(StoreError);
      await expect(store.set('during', 'x', 1000)).rejects.toBeInstanceOf(StoreError);
      expect(Date.now() - started).toBeLessThan(2000);
      await sleep(600); // several reconnect attempts fail meanwhile

      server = await startServer(port);
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

async function startServer(port: number): Promise<ChildProcess> {
  const child = spawn(
    'redis-server',
    ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  const deadline = Date.now() + 5000;
  while (!(await canConnect(port))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`redis-server did not start on port ${port}`);
    }
    await sleep(25);
  }
  return child;
}

async function stopServer(child: ChildProcess | undefined): Promise<void> {
  if (!child || child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => resolve(typeof address === 'object' && address ? address.port : 0));
    });
  });
}
