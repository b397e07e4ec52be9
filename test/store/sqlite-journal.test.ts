import { spawn } from 'node:child_process';
import fs, { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { SqliteStore } from '../../src/store/sqlite';
import { encodeRecord, segmentFiles } from '../../src/store/sqlite-journal';
import { sqliteRows } from '../support/store-dump';
import { closedAfterEach } from './contract';

const dir = mkdtempSync(join(tmpdir(), 'crm-bot-journal-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const freshFile = () => join(dir, `state-${++files}.sqlite`);
const PREFIX = 'crmbot:';
const LATER = Date.now() + 3_600_000;

/** A state file made and closed, so its journal can be written by hand. */
async function closedStateFile(): Promise<string> {
  const path = freshFile();
  await new SqliteStore({ path }).close();
  return path;
}

describe('the SQLite store journal', () => {
  const track = closedAfterEach();

  it('a process killed right after its writes were answered: the next one has every one of them', async () => {
    const path = freshFile();
    const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/sqlite-crash-writer.ts', path, '40'], {
      cwd: resolve(__dirname, '../..'),
      env: { ...process.env, NODE_OPTIONS: '' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err += chunk.toString();
    });
    const signal = await new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, sig) => done(sig)));
    expect({ signal, err }).toEqual({ signal: 'SIGKILL', err: '' });
    expect(out).toBe('answered 40\n');
    // Killed with no close: the journal is still there, the writer may not have applied all of it.
    expect(segmentFiles(path).length).toBeGreaterThan(0);

    const next = new SqliteStore({ path });
    expect(await next.get('claim:0')).toBeUndefined();
    for (let i = 1; i < 40; i++) expect(await next.get(`claim:${i}`)).toEqual({ state: 'done', i });
    expect(await next.listRange('runs', 5)).toEqual(['last']);
    const all = await next.readLog<{ i: number }>('audit:all', { limit: 100 });
    expect(all.map((entry) => entry.value.i)).toEqual([...Array(40).keys()].reverse());
    expect((await next.readLog('audit:business:1', { limit: 100 })).length).toBe(13);
    await next.close();
    // Closed cleanly: all of it is in the file itself and the journal is gone.
    expect(segmentFiles(path)).toEqual([]);
    const rows = sqliteRows(path);
    expect(rows.filter((row) => row.includes('"log_key":"crmbot:audit:all"'))).toHaveLength(40);
    expect(rows.filter((row) => row.includes('claim:'))).toHaveLength(39);
  }, 60_000);

  it('the writer thread applies the journal to the file while the store runs: after inFile() the file itself has it', async () => {
    const path = freshFile();
    const store = track(new SqliteStore({ path }));
    await store.set('session', { step: 1 }, 60_000);
    await store.appendLog('audit:all', { n: 1 }, 60_000);
    await store.inFile();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const keys = db
        .prepare('SELECT key FROM entries')
        .all()
        .map((row) => row.key);
      const logs = db.prepare('SELECT log_key, value FROM log_entries').all();
      expect(keys).toEqual([`${PREFIX}session`]);
      expect(logs).toEqual([{ log_key: `${PREFIX}audit:all`, value: '{"n":1}' }]);
    } finally {
      db.close();
    }
    // Reads that reach the file (a log page) agree with what memory answered before.
    expect((await store.readLog('audit:all', { limit: 5 })).map((entry) => entry.value)).toEqual([{ n: 1 }]);
  });

  it('a state file from before the journal (no meta table, an index on expiry) opens with everything in it', async () => {
    const path = freshFile();
    const old = new DatabaseSync(path);
    old.exec(`PRAGMA journal_mode = WAL;
      CREATE TABLE entries (key TEXT PRIMARY KEY, kind TEXT NOT NULL CHECK (kind IN ('value', 'list')),
        value TEXT NOT NULL, expires_at INTEGER NOT NULL) WITHOUT ROWID;
      CREATE INDEX entries_by_expiry ON entries (expires_at);
      CREATE TABLE log_entries (id INTEGER PRIMARY KEY, log_key TEXT NOT NULL, value TEXT NOT NULL, expires_at INTEGER NOT NULL);
      CREATE INDEX log_entries_by_log ON log_entries (log_key, id);`);
    old.prepare('INSERT INTO entries VALUES (?, ?, ?, ?)').run(`${PREFIX}session`, 'value', '{"step":4}', LATER);
    old.prepare('INSERT INTO entries VALUES (?, ?, ?, ?)').run(`${PREFIX}runs`, 'list', '["\\"r1\\""]', LATER);
    old.prepare('INSERT INTO log_entries VALUES (?, ?, ?, ?)').run(500, `${PREFIX}audit:all`, '{"n":0}', LATER);
    old.close();

    const store = new SqliteStore({ path });
    expect(await store.get('session')).toEqual({ step: 4 });
    expect(await store.listRange('runs', 5)).toEqual(['r1']);
    const id = await store.appendLog('audit:all', { n: 1 }, 60_000);
    expect(Number(id)).toBeGreaterThan(500);
    expect((await store.readLog('audit:all', { limit: 5 })).map((entry) => entry.value)).toEqual([{ n: 1 }, { n: 0 }]);
    await store.close();
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      const indexes = db.prepare("SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'entries%'").all();
      expect(indexes).toEqual([]);
      expect(db.prepare("SELECT value FROM meta WHERE name = 'applied_seq'").get()).toEqual({ value: 1 });
    } finally {
      db.close();
    }
  });

  it('replays what the file does not have: puts, lists, deletes and an entry appended to two logs', async () => {
    const path = await closedStateFile();
    const text = JSON.stringify({ outcome: 'attempted', note: 'quote " and \\ kept' });
    writeFileSync(
      `${path}-pending-000000000001`,
      encodeRecord(1, [
        { op: 'put', key: `${PREFIX}a`, entry: { kind: 'value', text: '{"step":2}', expiresAt: LATER } },
        { op: 'put', key: `${PREFIX}gone`, entry: { kind: 'value', text: '1', expiresAt: LATER } },
        { op: 'log', id: 10, key: `${PREFIX}audit:one`, text, expiresAt: LATER },
        { op: 'log', id: 11, key: `${PREFIX}audit:two`, text, expiresAt: LATER },
      ]) +
        encodeRecord(2, [
          { op: 'put', key: `${PREFIX}runs`, entry: { kind: 'list', items: ['"r2"', '{"r":1}'], expiresAt: LATER } },
          { op: 'delete', key: `${PREFIX}gone` },
        ]),
    );
    const store = track(new SqliteStore({ path }));
    expect(await store.get('a')).toEqual({ step: 2 });
    expect(await store.get('gone')).toBeUndefined();
    expect(await store.listRange('runs', 5)).toEqual(['r2', { r: 1 }]);
    for (const [key, id] of [
      ['audit:one', '10'],
      ['audit:two', '11'],
    ] as const) {
      expect(await store.readLog(key, { limit: 5 })).toEqual([{ id, value: JSON.parse(text) }]);
    }
    // New ids come after the replayed ones.
    expect(Number(await store.appendLog('audit:one', { n: 2 }, 60_000))).toBeGreaterThan(11);
    await store.close();
    expect(segmentFiles(path)).toEqual([]);
    const rows = sqliteRows(path);
    expect(rows).toContainEqual(expect.stringContaining(JSON.stringify(text)));
    expect(rows.filter((row) => row.includes('gone'))).toEqual([]);
  });

  it('a line cut short by a crash is dropped (it was never answered); a damaged one with more after it refuses to open', async () => {
    const torn = await closedStateFile();
    const segment = `${torn}-pending-000000000001`;
    writeFileSync(
      segment,
      encodeRecord(1, [{ op: 'put', key: `${PREFIX}kept`, entry: { kind: 'value', text: '1', expiresAt: LATER } }]),
    );
    appendFileSync(segment, '[2,[["p","crmbot:lost",1,');
    const store = new SqliteStore({ path: torn });
    expect([await store.get('kept'), await store.get('lost')]).toEqual([1, undefined]);
    // Writes after the cut-off go on, and survive the next start.
    await store.set('after', 2, 60_000);
    await store.close();
    const reopened = track(new SqliteStore({ path: torn }));
    expect([await reopened.get('kept'), await reopened.get('after')]).toEqual([1, 2]);

    const damaged = await closedStateFile();
    writeFileSync(
      `${damaged}-pending-000000000001`,
      `not a record\n${encodeRecord(1, [{ op: 'delete', key: `${PREFIX}x` }])}`,
    );
    expect(() => new SqliteStore({ path: damaged })).toThrow(
      /Cannot open the state file .*: its journal state-\d+\.sqlite-pending-000000000001 is damaged at byte 0/,
    );
    // Refused without taking the file: once the journal is dealt with, it opens.
    rmSync(`${damaged}-pending-000000000001`);
    track(new SqliteStore({ path: damaged }));
  });

  it('a writer that cannot read the journal stops, and the store says so: unhealthy, nothing applied past it', async () => {
    const path = freshFile();
    const failures: string[] = [];
    let stopped!: () => void;
    const told = new Promise<void>((resolve) => {
      stopped = resolve;
    });
    const store = track(
      new SqliteStore({
        path,
        onWriterFailure: (reason) => {
          failures.push(reason);
          stopped();
        },
      }),
    );
    await store.set('a', 1, 60_000);
    // Gone before the writer was told of it (it waits for 20 ms without a commit).
    for (const file of segmentFiles(path)) rmSync(file);
    await expect(store.inFile()).rejects.toMatchObject({ code: 'store_unavailable' });
    await told;
    expect(failures[0]).toMatch(/ENOENT/);
    expect(await store.ping()).toBe(false);
    // Memory still answers; the file got nothing after the unreadable segment.
    expect(await store.get('a')).toBe(1);
    await store.set('b', 2, 60_000);
    const db = new DatabaseSync(path, { readOnly: true });
    try {
      expect(db.prepare('SELECT key FROM entries').all()).toEqual([]);
    } finally {
      db.close();
    }
  });

  it('a journal write that fails fails its calls and undoes them; later writes work', async () => {
    const path = freshFile();
    const store = new SqliteStore({ path });
    await store.set('k', 'before', 60_000);
    const spy = jest.spyOn(fs, 'writeSync').mockImplementationOnce(() => {
      throw Object.assign(new Error('ENOSPC: no space left on device, write'), { code: 'ENOSPC' });
    });
    try {
      const results = await Promise.allSettled([
        store.set('k', 'lost', 60_000),
        store.appendLog('audit:x', { lost: true }, 60_000),
        store.get('k'),
      ]);
      expect(results.map((r) => (r.status === 'rejected' ? (r.reason as Error).message : r.value))).toEqual([
        'SQLite journal write failed: ENOSPC: no space left on device, write',
        'SQLite journal write failed: ENOSPC: no space left on device, write',
        'SQLite journal write failed: ENOSPC: no space left on device, write',
      ]);
    } finally {
      spy.mockRestore();
    }
    expect(await store.get('k')).toBe('before');
    expect(await store.readLog('audit:x', { limit: 5 })).toEqual([]);
    await store.set('k', 'after', 60_000);
    expect(await store.get('k')).toBe('after');
    // The next start agrees: the failed group left nothing behind, in the file or the journal.
    await store.close();
    const reopened = track(new SqliteStore({ path }));
    expect(await reopened.get('k')).toBe('after');
    expect(await reopened.readLog('audit:x', { limit: 5 })).toEqual([]);
  });
});
