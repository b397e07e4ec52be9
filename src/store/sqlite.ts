import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { StoreError } from '../errors';
import { type MemoryEntry, MemoryStore } from './memory';
import { Journal, type JournalOp } from './sqlite-journal';
import { type CheckpointResult, SqliteWriter } from './sqlite-writer';
import type { LogEntry, ReadLogOptions, Store } from './types';
import { checkExpiring, checkLimit, keyPrefixer, LOCK_KEY_PREFIX } from './types';

export type { CheckpointResult } from './sqlite-writer';

export const DEFAULT_STATE_PATH = './data/crm-bot.sqlite';
const PURGE_INTERVAL_MS = 60_000;

export interface SqliteStoreOptions {
  /** File path, or ':memory:' (a file in a temporary folder, removed on close: nothing survives the process). */
  path: string;
  prefix?: string;
  now?: () => number;
  /** How often expired rows are deleted (tests shorten it). */
  purgeIntervalMs?: number;
  /** Told after every background purge how many rows it deleted (tests wait on it). */
  onPurge?: (deleted: number) => void;
  /** Told when the writer thread cannot apply the journal to the file (it retries; nothing is lost). */
  onWriterFailure?: (reason: string) => void;
  /** Told after each checkpoint the writer made (tests wait on it). */
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
-- No index on expires_at: it would be one more page every commit writes; the purge scans the table once a
-- minute on the writer thread instead.
DROP INDEX IF EXISTS entries_by_expiry;
-- Append-only logs (the audit trail): rows are only ever inserted, and deleted once past their retention.
-- The id is the rowid, given by the store (nextLogId); expiry is found in id order instead of an index.
CREATE TABLE IF NOT EXISTS log_entries (
  id INTEGER PRIMARY KEY,
  log_key TEXT NOT NULL,
  value TEXT NOT NULL,
  expires_at INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS log_entries_by_log ON log_entries (log_key, id);
DROP INDEX IF EXISTS log_entries_by_expiry;
-- applied_seq: the last journal record (sqlite-journal.ts) this file has.
CREATE TABLE IF NOT EXISTS meta (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;
`;

/** A log entry journaled but maybe not in the file yet; seq is its record's, once committed. */
type PendingLog = { id: number; key: string; text: string; expiresAt: number; seq: number };

/** The calls of one group commit: their changes, how to undo them, and who waits for the commit. */
interface Group {
  ops: JournalOp[];
  undo: Array<{ key: string; previous: MemoryEntry | undefined }>;
  logs: PendingLog[];
  waiters: Array<{ resolve: () => void; reject: (err: unknown) => void }>;
}

/**
 * Single-process durable store: one SQLite file through Node's built-in node:sqlite.
 *
 * Values and lists are answered from memory (every live key is loaded at start-up); the audit logs are
 * read from the file. A change is durable once its group's line is in the journal (sqlite-journal.ts):
 * one append per group commit, as cheap as the memory store's bookkeeping. A writer thread
 * (sqlite-writer.ts) applies the lines to the file in transactions of its own, so the SQL never runs on
 * the event loop; what it has not applied yet is replayed at the next start.
 *
 * The file is owned from open to close (an OS lock on a companion file), so a second process fails at
 * start-up instead of corrupting shared state (replicas use Redis); a crashed owner never leaves it stale.
 */
export class SqliteStore implements Store {
  /** The main thread's connection: start-up, and reading logs. The writer thread has the other one. */
  private readonly db: DatabaseSync;
  /** Holds the file's ownership: a second process fails to take it (see openOwned). */
  private readonly owner: DatabaseSync;
  private readonly temporaryFolder: string | undefined;
  private readonly memory: MemoryStore;
  private readonly journal: Journal;
  private readonly writer: SqliteWriter;
  private readonly k: (key: string) => string;
  private readonly lockPrefix: string;
  private readonly purgeTimer: NodeJS.Timeout;
  private readonly statements: ReturnType<typeof prepare>;
  /** The last record journaled. */
  private lastSeq: number;
  private lastLogId: number;
  /** Every log entry up to this id is in the file; the later ones are in pendingLogs. */
  private appliedLogId: number;
  /** Log entries not in the file yet, in id order (readLog reads them with the file's). */
  private readonly pendingLogs: PendingLog[] = [];
  private writerFailure: string | undefined;
  private closed = false;
  /** The open group commit: every change made in the same turn (or batch), journaled as one line. */
  private group: Group | undefined;
  /** Batches still running: the open group is committed when the last one ends, not at the end of a turn. */
  private openBatches = 0;
  /** Set while a batch's call runs: the call answers at once, the batch after the commit. */
  private applyOnly = false;

  constructor(private readonly options: SqliteStoreOptions) {
    this.k = keyPrefixer(options.prefix);
    this.lockPrefix = this.k(LOCK_KEY_PREFIX);
    // ':memory:' cannot be shared with the writer thread: a file of its own that goes with the store.
    this.temporaryFolder = options.path === ':memory:' ? mkdtempSync(join(tmpdir(), 'crm-bot-state-')) : undefined;
    const path = this.temporaryFolder ? join(this.temporaryFolder, 'state.sqlite') : options.path;
    const opened = openOwned(path, options.path);
    this.db = opened.db;
    this.owner = opened.owner;
    this.statements = prepare(this.db);
    this.memory = new MemoryStore({
      ...(options.prefix === undefined ? {} : { prefix: options.prefix }),
      ...(options.now ? { now: options.now } : {}),
      onChange: (key, entry, previous) => this.changed(key, entry, previous),
    });
    try {
      // The last journal record the file has: the journal's later ones are replayed.
      const appliedSeq = Number((this.statements.appliedSeq.get() as { value: number } | undefined)?.value ?? 0);
      this.loadEntries();
      this.lastLogId = Number((this.statements.lastLogId.get() as { id: number | null }).id ?? 0);
      this.appliedLogId = this.lastLogId;
      const { journal, records } = Journal.open(path, appliedSeq);
      this.journal = journal;
      this.lastSeq = appliedSeq;
      for (const record of records) this.replay(record.seq, record.ops);
      this.writer = new SqliteWriter({
        path,
        journal,
        appliedSeq,
        onApplied: (seq) => this.applied(seq),
        onFailure: (reason) => {
          this.writerFailure = reason;
          options.onWriterFailure?.(reason);
        },
        ...(options.onCheckpoint ? { onCheckpoint: options.onCheckpoint } : {}),
      });
      if (records.length > 0) this.writer.notify();
    } catch (err) {
      void this.memory.close();
      this.db.close();
      this.owner.close();
      if (this.temporaryFolder) rmSync(this.temporaryFolder, { recursive: true, force: true });
      throw err instanceof StoreError
        ? err
        : new StoreError('store_unavailable', `Cannot open the state file ${options.path}: ${reasonOf(err)}`);
    }
    this.purgeTimer = setInterval(() => this.purgeInBackground(), options.purgeIntervalMs ?? PURGE_INTERVAL_MS);
    this.purgeTimer.unref();
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    if (isLockKey(key)) return this.locks(() => this.memory.get<T>(key));
    return this.read(() => this.memory.getSync<T>(key));
  }

  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    if (isLockKey(key)) return this.locks(() => this.memory.set(key, value, ttlMs));
    return this.write(() => this.memory.setSync(key, value, ttlMs));
  }

  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    if (isLockKey(key)) return this.locks(() => this.memory.setIfAbsent(key, value, ttlMs));
    return this.write(() => this.memory.setIfAbsentSync(key, value, ttlMs));
  }

  delete(key: string): Promise<void> {
    if (isLockKey(key)) return this.locks(() => this.memory.delete(key));
    return this.write(() => this.memory.deleteSync(key));
  }

  compareAndDelete(key: string, expected: string): Promise<boolean> {
    if (isLockKey(key)) return this.locks(() => this.memory.compareAndDelete(key, expected));
    return this.write(() => this.memory.compareAndDeleteSync(key, expected));
  }

  pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    return this.write(() => this.memory.pushCappedSync(listKey, value, maxLen, ttlMs));
  }

  listRange<T = unknown>(listKey: string, limit: number): Promise<T[]> {
    return this.read(() => this.memory.listRangeSync<T>(listKey, limit));
  }

  appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string> {
    return this.write(() => {
      const { text, ttl: retention } = checkExpiring(value, retentionMs);
      const id = this.nextLogId();
      const log: PendingLog = { id, key: this.k(logKey), text, expiresAt: this.now() + retention, seq: Infinity };
      const group = this.group as Group;
      group.ops.push({ op: 'log', id, key: log.key, text, expiresAt: log.expiresAt });
      group.logs.push(log);
      this.pendingLogs.push(log);
      return String(id);
    });
  }

  readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    return this.read(() => {
      const limit = checkLimit(options.limit);
      if (options.before !== undefined && !/^\d+$/.test(options.before)) {
        throw new RangeError(`Not a log entry id: ${options.before}`);
      }
      const before = options.before === undefined ? Number.MAX_SAFE_INTEGER : Number(options.before);
      const key = this.k(logKey);
      const now = this.now();
      // The newest entries may not be in the file yet: every one past appliedLogId is read from memory.
      const page: LogEntry<T>[] = [];
      for (let i = this.pendingLogs.length - 1; i >= 0 && page.length < limit; i--) {
        const log = this.pendingLogs[i] as PendingLog;
        if (log.key === key && log.id < before && log.expiresAt > now) {
          page.push({ id: String(log.id), value: JSON.parse(log.text) as T });
        }
      }
      if (page.length === limit) return page;
      const rows = this.run('readLog', () =>
        this.statements.readLog.all(key, Math.min(before, this.appliedLogId + 1), now, limit - page.length),
      ) as Array<{ id: number; value: string }>;
      return [...page, ...rows.map((row) => ({ id: String(row.id), value: JSON.parse(row.value) as T }))];
    });
  }

  async batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    this.open();
    this.openBatches++;
    const view = new BatchView(this);
    let outcome: { ok: true; value: T } | { ok: false; error: unknown };
    try {
      outcome = { ok: true, value: await fn(view) };
    } catch (error) {
      outcome = { ok: false, error };
    }
    view.running = false;
    this.openBatches--;
    // Joins the open group (every call of this batch ran in it) and commits it once no batch is running.
    const committed = this.settled();
    if (this.openBatches === 0) this.commitGroup();
    await committed;
    if (!outcome.ok) throw outcome.error;
    return outcome.value;
  }

  async ping(): Promise<boolean> {
    if (this.closed || this.writerFailure !== undefined) return false;
    try {
      this.statements.ping.get();
      return true;
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    // Calls made in this same turn are journaled (and answered) before the file is closed.
    this.commitGroup();
    this.closed = true;
    clearInterval(this.purgeTimer);
    // The writer applies what it was sent; if it could not, the journal keeps it for the next start.
    const applied = await this.writer.close();
    this.journal.close(applied >= this.lastSeq);
    await this.memory.close();
    // The last connection to close checkpoints what is left and removes the WAL.
    this.db.close();
    // Releases the ownership, so the next process (or a restarted one) can open the file.
    this.owner.close();
    if (this.temporaryFolder) rmSync(this.temporaryFolder, { recursive: true, force: true });
  }

  /**
   * Resolves once every change answered so far is in the SQLite file itself, not only in the journal
   * (what the benchmark waits for, to count the writer thread's work too).
   */
  async inFile(): Promise<void> {
    this.open();
    try {
      await this.writer.sync();
    } catch (err) {
      throw new StoreError('store_unavailable', `SQLite writer failed: ${reasonOf(err)}`, { operation: 'sync' });
    }
  }

  /** Deletes every expired row of the file now (after every change journaled before); how many. */
  async purgeExpired(): Promise<number> {
    this.open();
    try {
      return await this.writer.purge(this.now());
    } catch (err) {
      throw new StoreError('store_unavailable', `SQLite purge failed: ${reasonOf(err)}`, { operation: 'purge' });
    }
  }

  private purgeInBackground(): void {
    if (this.closed) return;
    // A failed purge is retried at the next tick; expired rows are invisible to readers meanwhile.
    this.purgeExpired().then(
      (deleted) => this.options.onPurge?.(deleted),
      () => undefined,
    );
  }

  /** Every live key of the file, into memory. */
  private loadEntries(): void {
    const rows = this.statements.liveEntries.iterate(this.now()) as Iterable<{
      key: string;
      kind: 'value' | 'list';
      value: string;
      expires_at: number;
    }>;
    for (const row of rows) this.memory.restore(row.key, entryOf(row.kind, row.value, row.expires_at));
  }

  /** A record the file did not have at start-up, into memory (the writer reads it from the journal again). */
  private replay(seq: number, ops: JournalOp[]): void {
    for (const op of ops) {
      if (op.op === 'log') {
        this.pendingLogs.push({ id: op.id, key: op.key, text: op.text, expiresAt: op.expiresAt, seq });
        this.lastLogId = Math.max(this.lastLogId, op.id);
      } else this.memory.restore(op.key, op.op === 'put' ? op.entry : undefined);
    }
    this.lastSeq = Math.max(this.lastSeq, seq);
  }

  /** A call changed a key: journaled with its group, undone if the group's line cannot be written. */
  private changed(key: string, entry: MemoryEntry | undefined, previous: MemoryEntry | undefined): void {
    if (key.startsWith(this.lockPrefix)) return;
    const group = this.group as Group;
    group.undo.push({ key, previous });
    group.ops.push(entry ? { op: 'put', key, entry } : { op: 'delete', key });
  }

  /** The writer has put every record up to seq in the file. */
  private applied(seq: number): void {
    this.writerFailure = undefined;
    // In id order, so the applied ones are a run at the start: one splice, not a shift each.
    let count = 0;
    while (count < this.pendingLogs.length && (this.pendingLogs[count] as PendingLog).seq <= seq) count++;
    if (count > 0) {
      this.appliedLogId = Math.max(this.appliedLogId, (this.pendingLogs[count - 1] as PendingLog).id);
      this.pendingLogs.splice(0, count);
    }
    this.journal.released(seq);
  }

  /**
   * Group commit: every write made in the same synchronous turn (the three audit appends of one entry, the
   * writes of concurrent requests) is one journal line, written as soon as that turn ends, with no timer.
   * A call's promise settles only after that, so nothing is reported done before it would survive a crash;
   * a failed write fails every call in the group and undoes their changes.
   */
  private write<R>(call: () => R): Promise<R> {
    if (this.closed) return Promise.reject(closedError());
    this.openGroup();
    return this.answer(call);
  }

  /** Reads see the open group's writes, so they too answer only once those are journaled. */
  private read<R>(call: () => R): Promise<R> {
    if (this.closed) return Promise.reject(closedError());
    return this.answer(call);
  }

  /** Runs the call now; a call that failed answers at once, one that worked once its group is journaled. */
  private answer<R>(call: () => R): Promise<R> {
    const group = this.group;
    let value: R;
    try {
      value = call();
    } catch (err) {
      return Promise.reject(err);
    }
    if (!group || this.applyOnly) return Promise.resolve(value);
    return new Promise<R>((resolve, reject) => group.waiters.push({ resolve: () => resolve(value), reject }));
  }

  /** Locks live in memory only: the file belongs to this process, so a lock written there would only outlive it. */
  private locks<R>(call: () => Promise<R>): Promise<R> {
    return this.closed ? Promise.reject(closedError()) : call();
  }

  private openGroup(): void {
    if (this.group) return;
    this.group = { ops: [], undo: [], logs: [], waiters: [] };
    // A microtask: after the current turn's other calls, before any I/O or timer (a batch commits at its end).
    queueMicrotask(() => {
      if (this.openBatches === 0) this.commitGroup();
    });
  }

  /** Settles once the open group is journaled; at once when there is none. */
  private settled(): Promise<void> {
    const group = this.group;
    if (!group || this.applyOnly) return Promise.resolve();
    return new Promise<void>((resolve, reject) => group.waiters.push({ resolve, reject }));
  }

  /** Runs a batch view's call: while its batch runs, the call answers at once (the batch after the commit). */
  inBatch<R>(view: BatchView, call: () => Promise<R>): Promise<R> {
    this.applyOnly = view.running;
    try {
      return call();
    } finally {
      this.applyOnly = false;
    }
  }

  /** Fails like every other call once the store is closed (the in-memory locks included). */
  private open(): this {
    if (this.closed) throw closedError();
    return this;
  }

  private commitGroup(): void {
    const group = this.group;
    if (!group) return;
    this.group = undefined;
    if (group.ops.length > 0) {
      const seq = this.lastSeq + 1;
      try {
        this.journal.append(seq, group.ops);
      } catch (err) {
        this.undo(group);
        for (const call of group.waiters) call.reject(err);
        return;
      }
      this.lastSeq = seq;
      for (const log of group.logs) log.seq = seq;
      this.writer.notify();
    }
    for (const call of group.waiters) call.resolve();
  }

  /** Puts back what the group's calls changed: nothing of it is durable, so nothing of it is seen. */
  private undo(group: Group): void {
    for (const { key, previous } of group.undo.reverse()) this.memory.restore(key, previous);
    // Every append of the open group is at the end of the pending logs.
    this.pendingLogs.splice(this.pendingLogs.length - group.logs.length, group.logs.length);
  }

  /**
   * A log entry's id: larger than every id this file ever gave, with no counter to write. The larger of the
   * last id + 1 and the clock in ms × 1024, so even after a purge emptied the table and a restart, a new
   * id is above all earlier ones (they were given earlier).
   */
  private nextLogId(): number {
    this.lastLogId = Math.max(this.lastLogId + 1, this.now() * 1024);
    return this.lastLogId;
  }

  private run<R>(operation: string, statement: () => R): R {
    try {
      return statement();
    } catch (err) {
      // The driver's message only (disk full, I/O error): never the values.
      throw new StoreError('store_unavailable', `SQLite ${operation} failed: ${reasonOf(err)}`, { operation });
    }
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

/**
 * The store as a batch's fn sees it: while the batch runs, each call applies its change in the open group
 * and answers at once; afterwards, as usual. One small object per batch (methods on the prototype).
 */
class BatchView implements Store {
  running = true;

  constructor(private readonly store: SqliteStore) {}

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.store.inBatch(this, () => this.store.get<T>(key));
  }
  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    return this.store.inBatch(this, () => this.store.set(key, value, ttlMs));
  }
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    return this.store.inBatch(this, () => this.store.setIfAbsent(key, value, ttlMs));
  }
  delete(key: string): Promise<void> {
    return this.store.inBatch(this, () => this.store.delete(key));
  }
  compareAndDelete(key: string, expected: string): Promise<boolean> {
    return this.store.inBatch(this, () => this.store.compareAndDelete(key, expected));
  }
  pushCapped(key: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    return this.store.inBatch(this, () => this.store.pushCapped(key, value, maxLen, ttlMs));
  }
  listRange<T = unknown>(key: string, limit: number): Promise<T[]> {
    return this.store.inBatch(this, () => this.store.listRange<T>(key, limit));
  }
  appendLog(key: string, value: unknown, retentionMs: number): Promise<string> {
    return this.store.inBatch(this, () => this.store.appendLog(key, value, retentionMs));
  }
  readLog<T = unknown>(key: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    return this.store.inBatch(this, () => this.store.readLog<T>(key, options));
  }
  batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.store.batch(fn);
  }
  ping(): Promise<boolean> {
    return this.store.ping();
  }
  close(): Promise<void> {
    return this.store.close();
  }
}

function closedError(): StoreError {
  return new StoreError('store_unavailable', 'SQLite store is closed');
}

function entryOf(kind: 'value' | 'list', value: string, expiresAt: number): MemoryEntry {
  return kind === 'list'
    ? { kind: 'list', items: JSON.parse(value) as string[], expiresAt }
    : { kind: 'value', text: value, expiresAt };
}

function prepare(db: DatabaseSync) {
  const statements = {
    liveEntries: db.prepare('SELECT key, kind, value, expires_at FROM entries WHERE expires_at > ?'),
    appliedSeq: db.prepare("SELECT value FROM meta WHERE name = 'applied_seq'"),
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
 * with normal locking, so the writer thread's own connection can write it.
 */
function openOwned(path: string, shownPath: string): { db: DatabaseSync; owner: DatabaseSync } {
  mkdirSync(dirname(path), { recursive: true });
  const owner = openDatabase(`${path}-owner`, shownPath);
  try {
    // EXCLUSIVE: the lock the first write takes is kept until close(). timeout 0: another owner means refuse now.
    owner.exec('PRAGMA locking_mode = EXCLUSIVE');
    owner.exec('BEGIN IMMEDIATE; CREATE TABLE IF NOT EXISTS owner (since INTEGER); COMMIT;');
  } catch (err) {
    owner.close();
    if (/locked|busy/i.test(reasonOf(err))) {
      throw new StoreError(
        'store_unavailable',
        `The state file ${shownPath} is in use by another process. Only one bot process may use a SQLite state file: ` +
          'stop the other one, give this one its own STATE_PATH, or set REDIS_URL to run several replicas.',
      );
    }
    throw new StoreError('store_unavailable', `Cannot open the state file ${shownPath}: ${reasonOf(err)}`);
  }
  try {
    return { db: openState(path, shownPath), owner };
  } catch (err) {
    owner.close();
    throw err;
  }
}

function openState(path: string, shownPath: string): DatabaseSync {
  const db = openDatabase(path, shownPath, 1000);
  try {
    db.exec('PRAGMA journal_mode = WAL');
    db.exec('PRAGMA synchronous = NORMAL');
    db.exec(`BEGIN IMMEDIATE; ${SCHEMA} COMMIT;`);
    return db;
  } catch (err) {
    db.close();
    throw new StoreError('store_unavailable', `Cannot open the state file ${shownPath}: ${reasonOf(err)}`);
  }
}

function openDatabase(file: string, shownPath: string, timeout = 0): DatabaseSync {
  try {
    return new DatabaseSync(file, { timeout });
  } catch (err) {
    throw new StoreError('store_unavailable', `Cannot open the state file ${shownPath}: ${reasonOf(err)}`);
  }
}

function isLockKey(key: string): boolean {
  return key.startsWith(LOCK_KEY_PREFIX);
}

function reasonOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
