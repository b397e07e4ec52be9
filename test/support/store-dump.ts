import { DatabaseSync } from 'node:sqlite';
import Redis from 'ioredis';
import { readSegment, segmentFiles } from '../../src/store/sqlite-journal';
import type { LogEntry, ReadLogOptions, Store } from '../../src/store/types';

/**
 * What a store was given and what it holds, as text to scan for canaries:
 *
 *   const store = new RecordingStore(new SqliteStore({ path }));
 *   ... drive a flow through a bot on `store` ...
 *   const texts = [...store.writtenTexts(), ...(await store.heldTexts())];
 *
 * `writtenTexts` is every key and value ever written (also what expired or was deleted since);
 * `heldTexts` re-reads every key written. `sqliteRows` and `redisEntries` read the backend itself.
 */
export class RecordingStore implements Store {
  private readonly written: Array<{ key: string; text: string }> = [];
  private readonly values = new Set<string>();
  private readonly lists = new Set<string>();
  private readonly logs = new Set<string>();

  constructor(readonly inner: Store) {}

  private note(key: string, value: unknown, kind: Set<string>): void {
    this.written.push({ key, text: JSON.stringify(value) });
    kind.add(key);
  }

  get<T = unknown>(key: string): Promise<T | undefined> {
    return this.inner.get<T>(key);
  }
  set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.note(key, value, this.values);
    return this.inner.set(key, value, ttlMs);
  }
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    this.note(key, value, this.values);
    return this.inner.setIfAbsent(key, value, ttlMs);
  }
  delete(key: string): Promise<void> {
    return this.inner.delete(key);
  }
  compareAndDelete(key: string, expected: string): Promise<boolean> {
    return this.inner.compareAndDelete(key, expected);
  }
  pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    this.note(listKey, value, this.lists);
    return this.inner.pushCapped(listKey, value, maxLen, ttlMs);
  }
  listRange<T = unknown>(listKey: string, limit: number): Promise<T[]> {
    return this.inner.listRange<T>(listKey, limit);
  }
  appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string> {
    this.note(logKey, value, this.logs);
    return this.inner.appendLog(logKey, value, retentionMs);
  }
  readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    return this.inner.readLog<T>(logKey, options);
  }
  /** The batch's calls are recorded too: fn gets this recorder over the inner store's batch view. */
  batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return this.inner.batch((tx) => fn(this.over(tx)));
  }
  /** A recorder over `tx` that notes into this one. */
  private over(tx: Store): Store {
    const view = Object.create(this) as { inner: Store };
    Object.defineProperty(view, 'inner', { value: tx });
    return view as unknown as Store;
  }
  ping(): Promise<boolean> {
    return this.inner.ping();
  }
  close(): Promise<void> {
    return this.inner.close();
  }

  /** How many times `key` was written. */
  writesTo(key: string): number {
    return this.written.filter((w) => w.key === key).length;
  }

  /** Every key and value written, as `key value` lines. */
  writtenTexts(): string[] {
    return this.written.map((w) => `${w.key} ${w.text}`);
  }

  /** Every key written, with what it holds now. */
  async heldTexts(): Promise<string[]> {
    const held = async (key: string, read: () => Promise<unknown>) => `${key} ${JSON.stringify(await read())}`;
    return Promise.all([
      ...[...this.values].map((k) => held(k, () => this.inner.get(k))),
      ...[...this.lists].map((k) => held(k, () => this.inner.listRange(k, 10_000))),
      ...[...this.logs].map((k) => held(k, () => this.inner.readLog(k, { limit: 10_000 }))),
    ]);
  }
}

/**
 * Every row of a SQLite state file, keys and values, as a crash now would leave it: the file's rows, with
 * the journal's records the file does not have yet applied on top (see src/store/sqlite-journal.ts).
 */
export function sqliteRows(path: string): string[] {
  const db = new DatabaseSync(path, { readOnly: true });
  const entries = new Map<string, object>();
  const logs = new Map<number, object>();
  let applied = 0;
  try {
    // One read transaction: the rows and the record they are up to agree.
    db.exec('BEGIN');
    applied = Number(
      (db.prepare("SELECT value FROM meta WHERE name = 'applied_seq'").get() as { value: number } | undefined)?.value ??
        0,
    );
    for (const row of db.prepare('SELECT * FROM entries').all() as Array<{ key: string }>) entries.set(row.key, row);
    for (const row of db.prepare('SELECT * FROM log_entries').all() as Array<{ id: number }>) logs.set(row.id, row);
    db.exec('COMMIT');
  } finally {
    db.close();
  }
  for (const file of segmentFiles(path)) {
    for (const record of readSegment(file, path).records.filter((r) => r.seq > applied)) {
      for (const op of record.ops) {
        if (op.op === 'delete') entries.delete(op.key);
        else if (op.op === 'log')
          logs.set(op.id, { id: op.id, log_key: op.key, value: op.text, expires_at: op.expiresAt });
        else {
          const { entry } = op;
          const value = entry.kind === 'value' ? entry.text : JSON.stringify(entry.items);
          entries.set(op.key, { key: op.key, kind: entry.kind, value, expires_at: entry.expiresAt });
        }
      }
    }
  }
  return [...entries.values(), ...logs.values()].map((row) => JSON.stringify(row));
}

/** Every key under `prefix` in a Redis server, with its value whatever its type (string, list, stream). */
export async function redisEntries(url: string, prefix: string): Promise<string[]> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  await redis.connect();
  try {
    const keys = await redis.keys(`${prefix}*`);
    return await Promise.all(
      keys.map(async (key) => {
        const type = await redis.type(key);
        const value =
          type === 'string'
            ? await redis.get(key)
            : type === 'list'
              ? await redis.lrange(key, 0, -1)
              : type === 'stream'
                ? await redis.xrange(key, '-', '+')
                : type;
        return `${key} ${JSON.stringify(value)}`;
      }),
    );
  } finally {
    redis.disconnect();
  }
}
