import { StoreError } from '../errors';
import type { LogEntry, ReadLogOptions, Store } from './types';
import { checkCapped, checkExpiring, checkLimit, keyPrefixer } from './types';

type LogItem = { seq: number; text: string; expiresAt: number };

export type MemoryEntry =
  | { kind: 'value'; text: string; expiresAt: number }
  | { kind: 'list'; items: string[]; expiresAt: number };
type Entry = MemoryEntry;

export interface MemoryStoreOptions {
  prefix?: string;
  now?: () => number;
  /**
   * Told of every change a call makes to a key (prefixed), with what the key held before: the SQLite store
   * journals the change and undoes it if the journal cannot be written. Expiry is not a change.
   */
  onChange?: (key: string, entry: MemoryEntry | undefined, previous: MemoryEntry | undefined) => void;
}

const SWEEP_INTERVAL_MS = 30_000;

/**
 * Single-process store: a Map with expiry timestamps. Expired entries are
 * dropped lazily on access and by a periodic sweep (unref'd, so it never keeps
 * the process alive). Values are kept as JSON text so callers never share
 * mutable objects with the store, exactly like Redis.
 */
export class MemoryStore implements Store {
  private readonly entries = new Map<string, Entry>();
  private readonly logs = new Map<string, LogItem[]>();
  private logSeq = 0;
  private readonly sweepTimer: NodeJS.Timeout;
  private readonly k: (key: string) => string;
  private closed = false;

  constructor(private readonly options: MemoryStoreOptions = {}) {
    this.k = keyPrefixer(options.prefix);
    this.sweepTimer = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweepTimer.unref();
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    return this.getSync<T>(key);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    this.setSync(key, value, ttlMs);
  }

  async setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    return this.setIfAbsentSync(key, value, ttlMs);
  }

  async delete(key: string): Promise<void> {
    this.deleteSync(key);
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    return this.compareAndDeleteSync(key, expected);
  }

  async pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    this.pushCappedSync(listKey, value, maxLen, ttlMs);
  }

  async listRange<T = unknown>(listKey: string, limit: number): Promise<T[]> {
    return this.listRangeSync<T>(listKey, limit);
  }

  // The key-value calls answered at once, for the SQLite store: it answers from this memory, after its journal.

  getSync<T = unknown>(key: string): T | undefined {
    const entry = this.live(key, 'value');
    return entry ? (JSON.parse(entry.text) as T) : undefined;
  }

  setSync(key: string, value: unknown, ttlMs: number): void {
    this.assertOpen();
    const { text, ttl } = checkExpiring(value, ttlMs);
    this.put(this.k(key), { kind: 'value', text, expiresAt: this.now() + ttl });
  }

  setIfAbsentSync(key: string, value: unknown, ttlMs: number): boolean {
    const { text, ttl } = checkExpiring(value, ttlMs);
    if (this.live(key)) return false;
    this.put(this.k(key), { kind: 'value', text, expiresAt: this.now() + ttl });
    return true;
  }

  deleteSync(key: string): void {
    this.assertOpen();
    this.put(this.k(key), undefined);
  }

  compareAndDeleteSync(key: string, expected: string): boolean {
    const entry = this.live(key);
    if (entry?.kind !== 'value' || entry.text !== expected) return false;
    this.put(this.k(key), undefined);
    return true;
  }

  pushCappedSync(listKey: string, value: unknown, maxLen: number, ttlMs: number): void {
    const { text, cap, ttl } = checkCapped(value, maxLen, ttlMs);
    const items = [text, ...(this.live(listKey, 'list')?.items ?? [])].slice(0, cap);
    this.put(this.k(listKey), { kind: 'list', items, expiresAt: this.now() + ttl });
  }

  listRangeSync<T = unknown>(listKey: string, limit: number): T[] {
    const items = this.live(listKey, 'list')?.items ?? [];
    return limit > 0 ? items.slice(0, limit).map((text) => JSON.parse(text) as T) : [];
  }

  async appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string> {
    this.assertOpen();
    const { text, ttl: retention } = checkExpiring(value, retentionMs);
    const key = this.k(logKey);
    const items = this.logs.get(key) ?? [];
    const seq = ++this.logSeq;
    items.push({ seq, text, expiresAt: this.now() + retention });
    this.logs.set(key, items);
    return String(seq);
  }

  async readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    this.assertOpen();
    const limit = checkLimit(options.limit);
    const before = options.before === undefined ? Number.POSITIVE_INFINITY : logSeqOf(options.before);
    const items = this.logs.get(this.k(logKey)) ?? [];
    const now = this.now();
    const page: LogEntry<T>[] = [];
    for (let i = items.length - 1; i >= 0 && page.length < limit; i--) {
      const item = items[i]!;
      if (item.seq < before && item.expiresAt > now)
        page.push({ id: String(item.seq), value: JSON.parse(item.text) as T });
    }
    return page;
  }

  /** Every call is applied (and, for Redis, sent) at once: nothing to group. */
  batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async ping(): Promise<boolean> {
    return !this.closed;
  }

  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.sweepTimer);
    this.entries.clear();
    this.logs.clear();
  }

  /** Puts back what a key held (by its prefixed name), as a restart or an undo does: no change is told. */
  restore(fullKey: string, entry: MemoryEntry | undefined): void {
    if (entry) this.entries.set(fullKey, entry);
    else this.entries.delete(fullKey);
  }

  private put(fullKey: string, entry: MemoryEntry | undefined): void {
    const previous = this.entries.get(fullKey);
    this.restore(fullKey, entry);
    this.options.onChange?.(fullKey, entry, previous);
  }

  /** The unexpired entry at key; with `kind`, a different type is an error (as Redis WRONGTYPE). */
  private live(key: string): Entry | undefined;
  private live<K extends Entry['kind']>(key: string, kind: K): Extract<Entry, { kind: K }> | undefined;
  private live(key: string, kind?: Entry['kind']): Entry | undefined {
    this.assertOpen();
    const fullKey = this.k(key);
    const entry = this.entries.get(fullKey);
    if (!entry) return undefined;
    if (entry.expiresAt <= this.now()) {
      this.entries.delete(fullKey);
      return undefined;
    }
    if (kind && entry.kind !== kind) {
      throw new StoreError('store_unavailable', `Memory store: key holds a ${entry.kind}, not a ${kind}`, { key });
    }
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
    for (const [key, items] of this.logs) {
      const kept = items.filter((item) => item.expiresAt > now);
      if (kept.length === 0) this.logs.delete(key);
      else if (kept.length < items.length) this.logs.set(key, kept);
    }
  }

  private assertOpen(): void {
    if (this.closed) throw new StoreError('store_unavailable', 'Memory store is closed');
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }
}

function logSeqOf(id: string): number {
  if (!/^\d+$/.test(id)) throw new RangeError(`Not a log entry id: ${id}`);
  return Number(id);
}
