import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { acquireLock, createStore, DEFAULT_STATE_PATH, SqliteStore } from '../../src/store';
import type { CheckpointResult } from '../../src/store/sqlite';
import { SlackApiStandin } from '../support/slack-api-standin';
import { sqliteRows } from '../support/store-dump';
import { closedAfterEach, defineStoreContract, uniquePrefix } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'crm-bot-sqlite-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `state-${++files}.sqlite`);

defineStoreContract('sqlite :memory:', (prefix) => new SqliteStore({ path: ':memory:', prefix }));
defineStoreContract('sqlite file', (prefix) => new SqliteStore({ path: freshFile(), prefix }));

describe('SqliteStore specifics', () => {
  const track = closedAfterEach();

  it('createStore picks SQLite at STATE_PATH when no REDIS_URL is given', async () => {
    const path = join(dir, 'nested', 'folder', 'state.sqlite');
    const store = track(createStore({ statePath: path, logger: pino({ level: 'silent' }) }));
    expect(store).toBeInstanceOf(SqliteStore);
    await store.set('k', 'v', 10_000);
    expect(await store.get('k')).toBe('v');
    expect(DEFAULT_STATE_PATH).toBe('./data/crm-bot.sqlite');
  });

  it('keeps values and lists across a close and reopen of the same file, TTLs included', async () => {
    let now = 1_000_000;
    const path = freshFile();
    const first = new SqliteStore({ path, now: () => now });
    await first.set('session', { step: 3 }, 60_000);
    await first.set('short', 'gone soon', 1_000);
    await first.pushCapped('runs', 'r1', 5, 60_000);
    await first.pushCapped('runs', 'r2', 5, 60_000);
    expect(await first.setIfAbsent('idempotency:x', { state: 'done' }, 60_000)).toBe(true);
    await first.close();

    now += 5_000;
    const second = track(new SqliteStore({ path, now: () => now }));
    expect(await second.get('session')).toEqual({ step: 3 });
    expect(await second.get('short')).toBeUndefined();
    expect(await second.listRange('runs', 10)).toEqual(['r2', 'r1']);
    expect(await second.setIfAbsent('idempotency:x', { state: 'pending' }, 60_000)).toBe(false);
    expect(await second.get('idempotency:x')).toEqual({ state: 'done' });
  });

  it('group commit: calls made in one turn each get their own answer, and all of them are in the file once answered', async () => {
    const path = freshFile();
    // A clock that stands still: log ids follow the clock (ms × 1024) when it moves between two appends.
    const now = Date.now();
    const first = new SqliteStore({ path, now: () => now });
    // One turn, as recordAudit's three appends and concurrent requests make them.
    const [a, b, c, claimed, lost] = await Promise.all([
      first.appendLog('audit:one', { n: 1 }, 60_000),
      first.appendLog('audit:two', { n: 2 }, 60_000),
      first.appendLog('audit:one', { n: 3 }, 60_000),
      first.setIfAbsent('claim:x', 'first', 60_000),
      first.setIfAbsent('claim:x', 'second', 60_000),
    ]);
    expect([Number(b) - Number(a), Number(c) - Number(b)]).toEqual([1, 1]);
    expect([claimed, lost]).toEqual([true, false]);
    // Reads in the same turn as a write see it, answered once it is committed.
    const [, read] = await Promise.all([first.set('k', 'v', 60_000), first.get('k')]);
    expect(read).toBe('v');
    // Not awaited before close: close commits what this turn wrote before it lets the file go.
    const late = first.set('late', 'kept', 60_000);
    await first.close();
    await late;

    const second = track(new SqliteStore({ path }));
    expect((await second.readLog('audit:one', { limit: 10 })).map((e) => e.value)).toEqual([{ n: 3 }, { n: 1 }]);
    expect(await second.get('claim:x')).toBe('first');
    expect(await second.get('late')).toBe('kept');
  });

  it('a batch: its calls answer before the commit, the batch once all of them are in the file', async () => {
    const path = freshFile();
    const first = new SqliteStore({ path });
    const answered: string[] = [];
    const batch = first.batch(async (tx) => {
      expect(await tx.setIfAbsent('claim:y', 'mine', 60_000)).toBe(true);
      answered.push('claim');
      // A caller outside the batch joins its transaction and is answered at its commit.
      void first.set('outside', 'joined', 60_000).then(() => answered.push('outside'));
      await tx.appendLog('audit:y', { n: 1 }, 60_000);
      answered.push('append');
      // Reads in the batch see its writes.
      expect(await tx.get('claim:y')).toBe('mine');
      return 'done';
    });
    await expect(batch).resolves.toBe('done');
    expect(answered).toEqual(['claim', 'append', 'outside']);
    // fn's error comes back after what it wrote is committed.
    await expect(
      first.batch(async (tx) => {
        await tx.set('before-error', 'kept', 60_000);
        throw new Error('refused');
      }),
    ).rejects.toThrow('refused');
    await first.close();

    const second = track(new SqliteStore({ path }));
    expect(await second.get('claim:y')).toBe('mine');
    expect(await second.get('outside')).toBe('joined');
    expect(await second.get('before-error')).toBe('kept');
    expect((await second.readLog('audit:y', { limit: 10 })).map((e) => e.value)).toEqual([{ n: 1 }]);
  });

  it('the WAL is copied back into the file by the writer thread, not on the event loop', async () => {
    const path = freshFile();
    let told!: (result: CheckpointResult) => void;
    const checkpointed = new Promise<CheckpointResult>((resolve) => {
      told = resolve;
    });
    const store = new SqliteStore({ path, onCheckpoint: (result) => told(result) });
    // The writer checkpoints after enough commits of its own, or once it goes quiet.
    for (let i = 0; i < 150; i++) await store.set(`key-${i}`, { i }, 60_000);
    const result = await checkpointed;
    await store.close();
    expect(result.busy).toBe(0);
    expect(result.checkpointed).toBeGreaterThan(0);
    const reopened = track(new SqliteStore({ path }));
    expect(await reopened.get('key-149')).toEqual({ i: 149 });
  });

  it('locks live in the process that holds the file: never written to it, gone with the process', async () => {
    const path = freshFile();
    const first = new SqliteStore({ path });
    const lock = await acquireLock(first, '170000000000001', '<@U1>', 60_000);
    await expect(acquireLock(first, '170000000000001', '<@U2>', 60_000)).rejects.toMatchObject({ holder: '<@U1>' });
    await first.set('session', 'kept', 60_000);
    await first.close();
    await expect(lock.release()).rejects.toMatchObject({ code: 'store_unavailable' });
    const rows = sqliteRows(path);
    expect(rows.some((row) => row.includes('session'))).toBe(true);
    expect(rows.filter((row) => row.includes('lock:'))).toEqual([]);

    // A restarted bot finds the business free at once, not after the lock's TTL.
    const second = track(new SqliteStore({ path }));
    await expect(acquireLock(second, '170000000000001', '<@U2>', 60_000)).resolves.toMatchObject({ holder: '<@U2>' });
  });

  it('group commit: a failing call fails alone; the rest of its turn is committed', async () => {
    const path = freshFile();
    const first = new SqliteStore({ path });
    await first.pushCapped('a-list', 1, 5, 60_000);
    const results = await Promise.allSettled([
      first.set('before', 1, 60_000),
      // A list where a value is expected: an error of this call only.
      first.get('a-list'),
      first.set('after', 2, 60_000),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    await first.close();
    const second = track(new SqliteStore({ path }));
    expect([await second.get('before'), await second.get('after')]).toEqual([1, 2]);
  });

  it('refuses a second store on a file that is open, and allows it after close', async () => {
    const path = freshFile();
    const owner = new SqliteStore({ path });
    expect(() => new SqliteStore({ path })).toThrow(/in use by another process.*REDIS_URL/);
    await owner.close();
    const next = track(new SqliteStore({ path }));
    expect(await next.ping()).toBe(true);
  });

  it('purges expired rows in the background', async () => {
    let now = 1_000_000;
    const purged: number[] = [];
    let notify: () => void = () => undefined;
    const purgedSomething = new Promise<void>((done) => {
      notify = done;
    });
    const store = track(
      new SqliteStore({
        path: ':memory:',
        prefix: uniquePrefix('purge'),
        now: () => now,
        purgeIntervalMs: 5,
        onPurge: (deleted) => {
          purged.push(deleted);
          if (deleted > 0) notify();
        },
      }),
    );
    await store.set('a', 1, 1_000);
    await store.pushCapped('l', 'x', 5, 1_000);
    await store.set('keep', 1, 60_000);
    now += 2_000;
    await purgedSomething;
    expect(purged.reduce((a, b) => a + b, 0)).toBe(2);
    expect(await store.purgeExpired()).toBe(0);
    expect(await store.get('keep')).toBe(1);
  });

  it('purges log entries in the order they were appended; ids keep increasing after a purge', async () => {
    let now = 1_000_000;
    const store = track(new SqliteStore({ path: freshFile(), now: () => now }));
    const first = await store.appendLog('audit:p', { n: 1 }, 1_000);
    await store.appendLog('audit:p', { n: 2 }, 1_000);
    // Appended with a longer retention, then one with a shorter one (AUDIT_RETENTION_DAYS lowered).
    await store.appendLog('audit:p', { n: 3 }, 10_000);
    await store.appendLog('audit:p', { n: 4 }, 1_000);
    now += 2_000;
    // The two oldest go; the fourth waits behind the live third, and no reader ever sees it.
    expect(await store.purgeExpired()).toBe(2);
    expect((await store.readLog('audit:p', { limit: 10 })).map((e) => e.value)).toEqual([{ n: 3 }]);
    now += 10_000;
    expect(await store.purgeExpired()).toBe(2);
    const next = await store.appendLog('audit:p', { n: 5 }, 1_000);
    expect(Number(next)).toBeGreaterThan(Number(first));
    expect((await store.readLog('audit:p', { limit: 10 })).map((e) => e.value)).toEqual([{ n: 5 }]);
  });

  it('treats a key of the other kind as an error, like Redis WRONGTYPE', async () => {
    const store = track(new SqliteStore({ path: ':memory:' }));
    await store.set('v', 1, 10_000);
    await expect(store.listRange('v', 5)).rejects.toMatchObject({ code: 'store_unavailable' });
  });
});

describe('a second bot process on the same state file', () => {
  let slack: SlackApiStandin;
  beforeAll(async () => {
    slack = await SlackApiStandin.start();
  });
  afterAll(() => slack.close());

  const botEnv = (statePath: string) => ({
    ...process.env,
    SLACK_BOT_TOKEN: 'xoxb-test-not-a-real-token',
    SLACK_SIGNING_SECRET: 'test-signing-secret-not-real',
    SLACK_API_URL: slack.apiUrl,
    PORT: '0',
    STATE_PATH: statePath,
    REDIS_URL: '',
    LOG_LEVEL: 'info',
  });

  it('refuses to start with a clear message while the first one runs, and starts once it stopped', async () => {
    const statePath = freshFile();
    const first = startBotProcess(botEnv(statePath));
    try {
      await first.output((text) => text.includes('CRM bot started'));

      const second = startBotProcess(botEnv(statePath));
      const exit = await second.exited;
      expect(exit.code).toBe(1);
      expect(second.stderr()).toContain(`The state file ${statePath} is in use by another process`);
      expect(second.stderr()).toContain('set REDIS_URL to run several replicas');
      expect(second.stdout()).not.toContain('CRM bot started');
    } finally {
      first.child.kill('SIGTERM');
    }
    expect((await first.exited).code).toBe(0);

    const third = startBotProcess(botEnv(statePath));
    try {
      await third.output((text) => text.includes('CRM bot started'));
    } finally {
      third.child.kill('SIGTERM');
    }
    expect((await third.exited).code).toBe(0);
    // Three processes each transpile the sources with tsx: seconds apiece on a loaded two-core machine.
  }, 120_000);
});

interface BotProcess {
  child: ChildProcess;
  exited: Promise<{ code: number | null }>;
  stdout(): string;
  stderr(): string;
  /** Resolves once stdout satisfies `ready`; rejects if the process exits first. */
  output(ready: (text: string) => boolean): Promise<void>;
}

function startBotProcess(env: NodeJS.ProcessEnv): BotProcess {
  const root = resolve(__dirname, '../..');
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    cwd: root,
    env: { ...env, NODE_OPTIONS: '' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  let err = '';
  const watchers = new Set<() => void>();
  child.stdout?.on('data', (chunk: Buffer) => {
    out += chunk.toString();
    for (const w of watchers) w();
  });
  child.stderr?.on('data', (chunk: Buffer) => {
    err += chunk.toString();
  });
  const exited = new Promise<{ code: number | null }>((done) => child.once('exit', (code) => done({ code })));
  return {
    child,
    exited,
    stdout: () => out,
    stderr: () => err,
    output: (ready) =>
      new Promise<void>((done, fail) => {
        const check = () => {
          if (!ready(out)) return;
          watchers.delete(check);
          done();
        };
        watchers.add(check);
        check();
        void exited.then(({ code }) => fail(new Error(`bot exited (${code}) before it was ready: ${err}${out}`)));
      }),
  };
}
