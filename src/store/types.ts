/**
 * The bot's shared state. Low level on purpose: JSON values with TTLs, so the
 * same contract can be met by one process (memory) or many replicas (Redis).
 *
 * Values are stored as their `JSON.stringify` text. Every key is namespaced
 * with the store's prefix (default 'crmbot:'); callers pass bare keys.
 * Any failure to reach the backing store is thrown as StoreError('store_unavailable').
 */
export interface Store {
  /** The stored value, or undefined when missing or expired. Not validated: parse it if it matters. */
  get<T = unknown>(key: string): Promise<T | undefined>;
  /** Writes (or overwrites) a JSON-serializable value that expires after ttlMs. */
  set(key: string, value: unknown, ttlMs: number): Promise<void>;
  /** SET NX PX: writes only when the key is absent; true when this call wrote it. */
  setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean>;
  delete(key: string): Promise<void>;
  /**
   * Atomically deletes the key only if its stored text equals `expected`
   * (the exact `JSON.stringify` of the value that was set). True when deleted.
   */
  compareAndDelete(key: string, expected: string): Promise<boolean>;
  /** Prepends to a list (newest first), keeps at most maxLen items and resets the list's TTL. */
  pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void>;
  /** Up to `limit` items, newest first; [] when the list is missing. */
  listRange<T = unknown>(listKey: string, limit: number): Promise<T[]>;
  /**
   * Appends to the append-only log at logKey (the audit trail). Nothing is ever capped or rewritten:
   * entries older than retentionMs are dropped, nothing else. Returns the entry's id, which
   * increases within a log.
   */
  appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string>;
  /** Up to `limit` entries of a log, newest first; with `before` (an id), only entries older than it. */
  readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]>;
  /**
   * Runs fn's store calls as one unit: fn gets this store (`tx`), whose calls answer as soon as they are
   * applied, and the batch answers once all of them are durable. In SQLite that is one group commit (one
   * journal line), so a write pipeline costs two instead of one per call; Redis and memory just run fn on the
   * store. fn must make store calls only (no network, no timers): other callers' writes wait for its commit.
   * If fn throws, what it wrote is still committed and its error is re-thrown; a failed commit throws StoreError.
   */
  batch<T>(fn: (tx: Store) => Promise<T>): Promise<T>;
  /** Health check: true when the store answers. Never throws. */
  ping(): Promise<boolean>;
  /** Releases connections and timers. Later calls fail with StoreError. */
  close(): Promise<void>;
}

export interface ReadLogOptions {
  limit: number;
  /** An id from an earlier page: only entries older than it. */
  before?: string;
}

export interface LogEntry<T = unknown> {
  id: string;
  value: T;
}

export const DEFAULT_KEY_PREFIX = 'crmbot:';

/** A store's key namer: every bare key a caller passes gets the store's prefix (default DEFAULT_KEY_PREFIX). */
export function keyPrefixer(prefix: string = DEFAULT_KEY_PREFIX): (key: string) => string {
  return (key) => prefix + key;
}

/**
 * Keys of per-business locks (see lock.ts). A lock only orders one process's concurrent requests when the
 * store is a file only one process may open, so the SQLite store keeps these in memory, never in the file.
 */
export const LOCK_KEY_PREFIX = 'lock:';

/** Shared argument checks, so both implementations reject the same mistakes. */
export function encodeValue(value: unknown): string {
  const text = JSON.stringify(value);
  if (text === undefined) throw new TypeError('Store values must be JSON-serializable (got undefined or a function)');
  return text;
}

export function checkTtl(ttlMs: number): number {
  // Redis PX needs a positive integer; a zero/negative TTL is always a caller bug.
  if (!Number.isFinite(ttlMs) || ttlMs <= 0)
    throw new RangeError(`ttlMs must be a positive number of milliseconds, got ${ttlMs}`);
  return Math.ceil(ttlMs);
}

export function checkMaxLen(maxLen: number): number {
  if (!Number.isInteger(maxLen) || maxLen < 1) throw new RangeError(`maxLen must be a positive integer, got ${maxLen}`);
  return maxLen;
}

export function checkLimit(limit: number): number {
  if (!Number.isInteger(limit) || limit < 1) throw new RangeError(`limit must be a positive integer, got ${limit}`);
  return limit;
}

/** The checked arguments of a write that expires (set, setIfAbsent, appendLog): the value's text and its TTL. */
export function checkExpiring(value: unknown, ttlMs: number): { text: string; ttl: number } {
  const text = encodeValue(value);
  return { text, ttl: checkTtl(ttlMs) };
}

/** The checked arguments of pushCapped: the value's text, the cap and the TTL, checked in that order. */
export function checkCapped(value: unknown, maxLen: number, ttlMs: number): { text: string; cap: number; ttl: number } {
  const text = encodeValue(value);
  const cap = checkMaxLen(maxLen);
  return { text, cap, ttl: checkTtl(ttlMs) };
}
