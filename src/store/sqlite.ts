import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StoreError } from '../errors';
import { MemoryStore } from './memory';
import { Checkpointer, type CheckpointResult } from './sqlite-checkpointer';
import type { LogEntry, ReadLogOptions, Store } from './types';
import { checkCapped, checkExpiring, checkLimit, keyPrefixer, LOCK_KEY_PREFIX } from './types';

export const DEFAULT_STATE_PATH = './data/crm-bot.sqlite';
const PURGE_INTERVAL_MS = 60_000;
/** Commits between two checkpoint requests: a few MB of WAL, copied back by the checkpoint worker. */
const CHECKPOINT_EVERY_COMMITS = 100;
/**
 * The main connection checkpoints by itself only if the WAL grows past this many pages (the worker is behind
 * or gone): a stall then, never an unbounded WAL.
 */
const BACKSTOP_CHECKPOINT_PAGES = 10_000;
/** SQLite's own default, used again if the checkpoint worker fails. */
const INLINE_CHECKPOINT_PAGES = 1000;

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (nothing survives the process). */
  path: string;
  prefix?: string;
  now?: () => number;
  /** How often expired rows are deleted (tests shorten it). */
  purgeIntervalMs?: number;
  /** Told after every background purge how many rows it deleted (tests wait on it). */
  onPurge?: (deleted: number) => void;
  /** Told if the checkpoint worker fails (the store then checkpoints on its own connection). */
  onCheckpointFailure?: (reason: string) => void;
  /** Told after each checkpoint the worker made (tests wait on it). */
  onCheckpoint?: (result: CheckpointResult) => void;
}

// One row per key: plain values and capped lists (a JSON array, newest first) share the table.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS entries (
  key TEXT PRIMARY KEY,
  kind TEXT NOT NULL CHECK (kind IN ('value', 'list')),
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS entries_by_expiry ON entries (expires_at);
-- Append-only logs (the audit trail): rows are only ever inserted, and deleted once past their retention.
-- Each index is one more page every commit writes, so there are as few as will do: the id is the rowid,
-- given by the store (nextLogId; AUTOINCREMENT would write its counter's page too, files made before keep
-- theirs), and expiry is found in id order (purgeExpired) instead of an index.
CREATE TABLE IF NOT EXISTS log_entries (
  id INTEGER PRIMARY KEY,
  log_key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_entries_by_log ON log_entries (log_key, id);
DROP INDEX IF EXISTS log_entries_by_expiry;
`;

type Row = { kind: 'value' | 'list'; value: string };

/**
 * Single-process durable store: one SQLite file through Node's built-in node:sqlite.
 *
 * The connection runs in WAL mode with an exclusive lock held from open to close, so a
 * second process on the same file fails at start-up instead of corrupting shared state
 * (replicas use Redis). The lock belongs to the OS, so a crashed owner never leaves it stale.
 * node:sqlite is synchronous and this process is the only writer, so each method is atomic.
 */
export class SqliteStore implements Store {
  private readonly db: DatabaseSync;
  /** Holds the file's ownership: a second process fails to take it (see openOwned). */
  private readonly owner: DatabaseSync | undefined;
  private readonly checkpointer: Checkpointer | undefined;
  private commitsSinceCheckpoint = 0;
  private lastLogId: number;
  private readonly k: (key: string) => string;
  private readonly purgeTimer: NodeJS.Timeout;
  private readonly statements: ReturnType<typeof prepare>;
  private closed = false;
  /** The open group commit: the calls whose statements ran in it, settled once it is committed. */
  private group: Array<{ resolve: () => void; reject: (err: unknown) => void }> | undefined;
  /** Batches still running: the open group is committed when the last one ends, not at the end of a turn. */
  private openBatches = 0;
  /** Set while a batch's call runs its statements: the call answers at once, the batch after the commit. */
  private applyOnly = false;
  /**
   * Locks live in this process: the file belongs to this process alone, so a lock written to it would only
   * outlive its holder (after a crash it would block its business for the lock's TTL) and cost a commit.
   */
  private readonly locks: MemoryStore;

  constructor(private readonly options: SqliteStoreOptions) {
    this.k = keyPrefixer(options.prefix);
    const opened = openOwned(options.path);
    this.db = opened.db;
    this.owner = opened.owner;
    this.checkpointer =
      options.path === ':memory:'
        ? undefined
        : new Checkpointer({
            path: options.path,
            ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
            onFailure: (reason) => {
              // Back to checkpoints on this connection: slower commits now and then, but a bounded WAL.
              if (!this.closed) this.db.exec(`PRAGMA wal_autocheckpoint = ${INLINE_CHECKPOINT_PAGES}`);
              options.onCheckpointFailure?.(reason);
            },
          });
    this.statements = prepare(this.db);
    this.lastLogId = Number((this.statements.lastLogId.get() as { id: number | null }).id ?? 0);
    this.locks = new MemoryStore({
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.now ? { now: options.now } : {}),
    });
    this.purgeTimer = setInterval(() => this.purgeInBackground(), options.purgeIntervalMs ?? PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    if (isLockKey(key)) return this.open().locks.get<T>(key);
    const row = this.live(key, 'value');
    await this.settled();
    return row ? (JSON.parse(row.value) as T) : undefined;
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (isLockKey(key)) return this.open().locks.set(key, value, ttlMs);
    const { text, ttl } = checkExpiring(value, ttlMs);
    await this.write('set', () => this.statements.upsert.run(this.k(key), 'value', text, this.now() + ttl));
  }

  async setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    if (isLockKey(key)) return this.open().locks.setIfAbsent(key, value, ttlMs);
    const { text, ttl } = checkExpiring(value, ttlMs);
    const now = this.now();
    // Inserts, or replaces a row that has already expired; a live row stays untouched.
    const result = await this.write('setIfAbsent', () =>
      this.statements.insertIfAbsent.run(this.k(key), text, now + ttl, now),
    );
    return Number(result.changes) > 0;
  }

  async delete(key: string): Promise<void> {
    if (isLockKey(key)) return this.open().locks.delete(key);
    await this.write('delete', () => this.statements.delete.run(this.k(key)));
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    if (isLockKey(key)) return this.open().locks.compareAndDelete(key, expected);
    const result = await this.write('compareAndDelete', () =>
      this.statements.compareAndDelete.run(this.k(key), expected, this.now()),
    );
    return Number(result.changes) > 0;
  }

  async pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    const { text, cap, ttl } = checkCapped(value, maxLen, ttlMs);
    // Read and write in one synchronous step: nothing runs between them.
    await this.write('pushCapped', () => {
      const current = this.live(listKey, 'list');
      const items = [text, ...(current ? (JSON.parse(current.value) as string[]) : [])].slice(0, cap);
      return this.statements.upsert.run(this.k(listKey), 'list', JSON.stringify(items), this.now() + ttl);
    });
  }

  async listRange<T = unknown>(listKey: string, limit: number): Promise<T[]> {
    const row = this.live(listKey, 'list');
    await this.settled();
    if (!row || limit <= 0) return [];
    return (JSON.parse(row.value) as string[]).slice(0, Math.floor(limit)).map((text) => JSON.parse(text) as T);
  }

  async appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string> {
    const { text, ttl: retention } = checkExpiring(value, retentionMs);
    const id = this.nextLogId();
    await this.write('appendLog', () =>
      this.statements.appendLog.run(id, this.k(logKey), text, this.now() + retention),
    );
    return String(id);
  }

  async readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    const limit = checkLimit(options.limit);
    if (options.before !== undefined && !/^\d+$/.test(options.before)) {
      throw new RangeError(`Not a log entry id: ${options.before}`);
    }
    const before = options.before === undefined ? Number.MAX_SAFE_INTEGER : Number(options.before);
    const rows = this.run('readLog', () =>
      this.statements.readLog.all(this.k(logKey), before, this.now(), limit),
    ) as Array<{ id: number; value: string }>;
    await this.settled();
    return rows.map((row) => ({ id: String(row.id), value: JSON.parse(row.value) as T }));
  }

  async batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    this.open();
    this.openBatches++;
    let running = true;
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(this.batchView(() => running)) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    running = false;
    this.openBatches--;
    // Joins the open group (every call of this batch ran in it) and commits it once no batch is running.
    const committed = this.settled();
    if (this.openBatches === 0) this.commitGroup();
    await committed;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async ping(): Promise<boolean> {
    if (this.closed) return false;
    try {
      this.statements.ping.get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Calls made in this same turn are committed (and answered) before the file is closed.
    this.commitGroup();
    this.closed = true;
    clearInterval(this.purgeTimer);
    await this.locks.close();
    await this.checkpointer?.close();
    // The last connection to close checkpoints what is left and removes the WAL.
    this.db.close();
    // Releases the ownership, so the next process (or a restarted one) can open the file.
    this.owner?.close();
  }

  /** Deletes every expired row now; returns how many. The timer calls it every purgeIntervalMs. */
  purgeExpired(): number {
    const now = this.now();
    return this.run('purge', () => {
      const entries = this.statements.purge.run(now);
      // Entries expire in the order they were appended (one retention for all), so the expired ones are the
      // rows before the oldest live one. After AUDIT_RETENTION_DAYS is lowered, rows behind an older live one
      // wait for it: readers never see them (readLog skips expired rows), only their space comes back later.
      const live = this.statements.oldestLiveLog.get(now) as { id: number } | undefined;
      const logs = this.statements.purgeLogsBefore.run(live ? live.id : Number.MAX_SAFE_INTEGER);
      return Number(entries.changes) + Number(logs.changes);
    });
  }

  private purgeInBackground(): void {
    if (this.closed) return;
    // A quiet moment is a good one to copy the WAL back.
    if (this.commitsSinceCheckpoint > 0) this.requestCheckpoint();
    try {
      this.options.onPurge?.(this.purgeExpired());
    } catch {
      // A failed purge is retried at the next tick; expired rows are invisible to readers meanwhile.
    }
  }

  /** The unexpired row at key; a row of the other kind is an error (as Redis WRONGTYPE). */
  private live(key: string, kind: Row['kind']): Row | undefined {
    const row = this.run('get', () => this.statements.select.get(this.k(key), this.now())) as Row | undefined;
    if (row && row.kind !== kind) {
      throw new StoreError('store_unavailable', `SQLite store: key holds a ${row.kind}, not a ${kind}`, { key });
    }
    return row;
  }

  /**
   * Group commit: every write made in the same synchronous turn (the three audit appends of one entry, the
   * writes of concurrent requests) runs in one transaction, committed as soon as that turn ends, with no
   * timer. A call's promise settles only after the commit, so nothing is reported done before it is in
   * the WAL; a failed commit fails every call in the group.
   */
  private write<R>(operation: string, statement: () => R): Promise<R> {
    this.run(operation, () => {
      if (this.group) return;
      this.db.exec('BEGIN IMMEDIATE');
      this.group = [];
      // A microtask: after the current turn's other calls, before any I/O or timer (a batch commits at its end).
      void Promise.resolve().then(() => {
        if (this.openBatches === 0) this.commitGroup();
      });
    });
    const result = this.run(operation, statement);
    const group = this.group;
    if (!group || this.applyOnly) return Promise.resolve(result);
    return new Promise<R>((resolve, reject) => group.push({ resolve: () => resolve(result), reject }));
  }

  /** Reads see the open group's writes, so they too answer only once those are committed. */
  private settled(): Promise<void> {
    const group = this.group;
    if (!group || this.applyOnly) return Promise.resolve();
    return new Promise<void>((resolve, reject) => group.push({ resolve, reject }));
  }

  /**
   * This store as a batch's fn sees it: while the batch runs, each call runs its statements in the open
   * group and answers at once (every method runs them before its first await); afterwards, as usual.
   */
  private batchView(running: () => boolean): Store {
    const applied = <R>(call: () => Promise<R>): Promise<R> => {
      this.applyOnly = running();
      try {
        return call();
      } finally {
        this.applyOnly = false;
      }
    };
    return {
      get: (key) => applied(() => this.get(key)),
      set: (key, value, ttlMs) => applied(() => this.set(key, value, ttlMs)),
      setIfAbsent: (key, value, ttlMs) => applied(() => this.setIfAbsent(key, value, ttlMs)),
      delete: (key) => applied(() => this.delete(key)),
      compareAndDelete: (key, expected) => applied(() => this.compareAndDelete(key, expected)),
      pushCapped: (key, value, maxLen, ttlMs) => applied(() => this.pushCapped(key, value, maxLen, ttlMs)),
      listRange: (key, limit) => applied(() => this.listRange(key, limit)),
      appendLog: (key, value, retentionMs) => applied(() => this.appendLog(key, value, retentionMs)),
      readLog: (key, options) => applied(() => this.readLog(key, options)),
      batch: (fn) => this.batch(fn),
      ping: () => this.ping(),
      close: () => this.close(),
    };
  }

  /** Fails like every other call once the store is closed (the in-memory locks included). */
  private open(): this {
    if (this.closed) throw new StoreError('store_unavailable', 'SQLite store is closed');
    return this;
  }

  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    try {
      // A statement that failed badly (disk full, I/O error) may have rolled the whole group back already.
      if (!this.db.isTransaction) throw new Error('the transaction was rolled back');
      this.db.exec('COMMIT');
      if (++this.commitsSinceCheckpoint >= CHECKPOINT_EVERY_COMMITS) this.requestCheckpoint();
    } catch (err) {
      try {
        if (this.db.isTransaction) this.db.exec('ROLLBACK');
      } catch {
        // Already rolled back: nothing of the group is in the file either way.
      }
      const error = new StoreError('store_unavailable', `SQLite commit failed: ${reasonOf(err)}`, {
        operation: 'commit',
      });
      for (const call of group) call.reject(error);
      return;
    }
    for (const call of group) call.resolve();
  }

  /**
   * A log entry's id: larger than every id this file ever gave, with no counter to write (AUTOINCREMENT's
   * would cost a page each commit). The larger of the last id + 1 and the clock in ms × 1024, so even after
   * a purge emptied the table and a restart, a new id is above all earlier ones (they were given earlier).
   */
  private nextLogId(): number {
    this.lastLogId = Math.max(this.lastLogId + 1, this.now() * 1024);
    return this.lastLogId;
  }

  private requestCheckpoint(): void {
    this.commitsSinceCheckpoint = 0;
    this.checkpointer?.request();
  }

  private run<R>(operation: string, statement: () => R): R {
    if (this.closed) throw new StoreError('store_unavailable', 'SQLite store is closed', { operation });
    try {
      return statement();
    } catch (err) {
      if (err instanceof StoreError) throw err;
      // The driver's message only (disk full, I/O error): never the values.
      const reason = err instanceof Error ? err.message : String(err);
      throw new StoreError('store_unavailable', `SQLite ${operation} failed: ${reason}`, { operation });
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function prepare(db: DatabaseSync) {
  const statements = {
    select: db.prepare('SELECT kind, value FROM entries WHERE key = ? AND expires_at > ?'),
    upsert: db.prepare(
      `INSERT INTO entries (key, kind, value, expires_at) VALUES (?, ?, ?, ?)
       ON CONFLICT (key) DO UPDATE SET kind = excluded.kind, value = excluded.value, expires_at = excluded.expires_at`,
    ),
    insertIfAbsent: db.prepare(
      `INSERT INTO entries (key, kind, value, expires_at) VALUES (?1, 'value', ?2, ?3)
       ON CONFLICT (key) DO UPDATE SET kind = 'value', value = excluded.value, expires_at = excluded.expires_at
       WHERE entries.expires_at <= ?4`,
    ),
    delete: db.prepare('DELETE FROM entries WHERE key = ?'),
    compareAndDelete: db.prepare(
      `DELETE FROM entries WHERE key = ? AND kind = 'value' AND value = ? AND expires_at > ?`,
    ),
    purge: db.prepare('DELETE FROM entries WHERE expires_at <= ?'),
    oldestLiveLog: db.prepare('SELECT id FROM log_entries WHERE expires_at > ? ORDER BY id LIMIT 1'),
    purgeLogsBefore: db.prepare('DELETE FROM log_entries WHERE id < ?'),
    appendLog: db.prepare('INSERT INTO log_entries (id, log_key, value, expires_at) VALUES (?, ?, ?, ?)'),
    lastLogId: db.prepare('SELECT max(id) AS id FROM log_entries'),
    readLog: db.prepare(
      'SELECT id, value FROM log_entries WHERE log_key = ? AND id < ? AND expires_at > ? ORDER BY id DESC LIMIT ?',
    ),
    ping: db.prepare('SELECT 1'),
  } satisfies Record<string, StatementSync>;
  return statements;
}

/**
 * Opens the state file after taking its ownership, so a second process fails here with a clear message
 * rather than later with "database is locked" in the middle of a request.
 *
 * Ownership is an exclusive lock on a small companion file (`<path>-owner`), held from open to close. It
 * belongs to the OS, so a crashed owner never leaves it stale. The state file itself is opened in WAL mode
 * with normal locking, so the checkpoint worker's own connection can copy its WAL back.
 */
function openOwned(path: string): { db: DatabaseSync; owner?: DatabaseSync } {
  if (path === ':memory:') return { db: openState(path) };
  mkdirSync(dirname(path), { recursive: true });
  const owner = openDatabase(`${path}-owner`, path);
  try {
    // EXCLUSIVE: the lock the first write takes is kept until close(). timeout 0: another owner means refuse now.
    owner.exec('PRAGMA locking_mode = EXCLUSIVE');
    owner.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS owner (since INTEGER); COMMIT;');
  } catch (err) {
    owner.close();
    if (/locked|busy/i.test(reasonOf(err))) {
      throw new StoreError(
        'store_unavailable',
        `The state file ${path} is in use by another process. Only one bot process may use a SQLite state file: ` +
          'stop the other one, give this one its own STATE_PATH, or set REDIS_URL to run several replicas.',
      );
    }
    throw new StoreError('store_unavailable', `Cannot open the state file ${path}: ${reasonOf(err)}`);
  }
  try {
    return { db: openState(path), owner };
  } catch (err) {
    owner.close();
    throw err;
  }
}

function openState(path: string): DatabaseSync {
  // The checkpoint worker's connection takes the file's locks only for an instant, never the writer's.
  const db = openDatabase(path, path, 1000);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    // NORMAL in WAL mode survives a crash of the process (not of the machine) without an fsync per write.
    db.exec('PRAGMA synchronous = NORMAL');
    // Checkpoints are the worker's (sqlite-checkpointer.ts); this connection does one only as a backstop.
    db.exec(`PRAGMA wal_autocheckpoint = ${path === ':memory:' ? INLINE_CHECKPOINT_PAGES : BACKSTOP_CHECKPOINT_PAGES}`);
    db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    return db;
  } catch (err) {
    db.close();
    throw new StoreError('store_unavailable', `Cannot open the state file ${path}: ${reasonOf(err)}`);
  }
}

function openDatabase(file: string, statePath: string, timeout = 0): DatabaseSync {
  try {
    return new DatabaseSync(file, { timeout });
  } catch (err) {
    throw new StoreError('store_unavailable', `Cannot open the state file ${statePath}: ${reasonOf(err)}`);
  }
}

function isLockKey(key: string): boolean {
  return key.startsWith(LOCK_KEY_PREFIX);
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
