import { Cluster, type ClusterOptions, Redis, type RedisOptions } from 'ioredis';
import { StoreError } from '../errors';
import type { Logger } from '../logger';
import { parseRedisUrl, type RedisTarget } from './redis-url';
import type { LogEntry, ReadLogOptions, Store } from './types';
import { checkCapped, checkExpiring, checkLimit, keyPrefixer } from './types';

/** Fail-fast timings: a down store must turn into a clear error in well under 3 s, never a hang. */
export const REDIS_TIMINGS = {
  connectTimeoutMs: 2000,
  commandTimeoutMs: 1000,
  /** How long a command waits for a connection that is still being established. */
  readyWaitMs: 1000,
  maxReconnectDelayMs: 2000,
  errorLogIntervalMs: 30_000,
  /** ioredis keeps a timer this long after disconnect() to destroy a half-closed socket. */
  disconnectTimeoutMs: 250,
} as const;

// Lua keeps GET-compare-DEL atomic, so a lock is released only by its owner.
const COMPARE_AND_DELETE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type Client = Redis | Cluster;

/** The one field of every log (Stream) entry: the value's JSON text. */
const LOG_FIELD = 'v';

export interface RedisStoreOptions {
  url: string;
  logger: Logger;
  prefix?: string;
  /** Cap on the background reconnect backoff (tests shorten it). */
  maxReconnectDelayMs?: number;
}

/** Capped exponential backoff; never gives up, so the store recovers by itself when Redis returns. */
export function reconnectDelay(attempt: number, capMs: number = REDIS_TIMINGS.maxReconnectDelayMs): number {
  return Math.min(50 * 2 ** Math.min(attempt, 16), capMs);
}

/** ioredis settings for a parsed REDIS_URL, with the fail-fast behaviour applied. */
export function ioredisConfig(
  target: RedisTarget,
  capMs: number = REDIS_TIMINGS.maxReconnectDelayMs,
):
  | { kind: 'redis'; options: RedisOptions }
  | { kind: 'cluster'; nodes: { host: string; port: number }[]; options: ClusterOptions } {
  const perConnection = {
    connectTimeout: REDIS_TIMINGS.connectTimeoutMs,
    commandTimeout: REDIS_TIMINGS.commandTimeoutMs,
    disconnectTimeout: REDIS_TIMINGS.disconnectTimeoutMs,
    maxRetriesPerRequest: 1,
    ...(target.username ? { username: target.username } : {}),
    ...(target.password ? { password: target.password } : {}),
    ...(target.tls ? { tls: {} } : {}),
  };
  const retryStrategy = (attempt: number) => reconnectDelay(attempt, capMs);
  switch (target.mode) {
    case 'standalone':
      return {
        kind: 'redis',
        options: {
          ...perConnection,
          host: target.host.host,
          port: target.host.port,
          ...(target.db === undefined ? {} : { db: target.db }),
          enableOfflineQueue: false,
          retryStrategy,
        },
      };
    case 'sentinel':
      return {
        kind: 'redis',
        options: {
          ...perConnection,
          sentinels: target.sentinels,
          name: target.masterName,
          ...(target.db === undefined ? {} : { db: target.db }),
          // rediss+sentinel: TLS both to the Sentinels and to the master they point at.
          ...(target.tls ? { sentinelTLS: {}, enableTLSForSentinelMode: true } : {}),
          enableOfflineQueue: false,
          retryStrategy,
        },
      };
    case 'cluster':
      return {
        kind: 'cluster',
        nodes: target.nodes,
        options: { enableOfflineQueue: false, clusterRetryStrategy: retryStrategy, redisOptions: perConnection },
      };
  }
}

/**
 * Redis-backed store for one or many replicas (ioredis: standalone, Sentinel or Cluster).
 * Commands never queue while disconnected; each failure becomes StoreError('store_unavailable')
 * and the client keeps reconnecting in the background.
 */
export class RedisStore implements Store {
  private readonly client: Client;
  private readonly k: (key: string) => string;
  private readonly logger: Logger;
  private lastErrorLogAt = 0;
  private suppressedErrors = 0;
  private wasReady = false;
  private closed = false;
  private connectionWait: Promise<void> | undefined;

  constructor(options: RedisStoreOptions) {
    this.k = keyPrefixer(options.prefix);
    this.logger = options.logger;
    const config = ioredisConfig(parseRedisUrl(options.url), options.maxReconnectDelayMs);
    this.client = config.kind === 'cluster' ? new Cluster(config.nodes, config.options) : new Redis(config.options);
    // Without an 'error' listener ioredis would print every failed reconnect; never let it crash us either.
    this.client.on('error', (err: Error) => this.warnRateLimited(err));
    this.client.on('node error', (err: Error) => this.warnRateLimited(err));
    this.client.on('ready', () => {
      if (this.wasReady) this.logger.info({ store: 'redis' }, 'Redis connection restored');
      this.wasReady = true;
      this.suppressedErrors = 0;
    });
  }

  async get<T = unknown>(key: string): Promise<T | undefined> {
    const text = await this.run('get', (c) => c.get(this.k(key)));
    return text === null ? undefined : (JSON.parse(text) as T);
  }

  async set(key: string, value: unknown, ttlMs: number): Promise<void> {
    const { text, ttl } = checkExpiring(value, ttlMs);
    await this.run('set', (c) => c.set(this.k(key), text, 'PX', ttl));
  }

  async setIfAbsent(key: string, value: unknown, ttlMs: number): Promise<boolean> {
    const { text, ttl } = checkExpiring(value, ttlMs);
    const reply = await this.run('setIfAbsent', (c) => c.set(this.k(key), text, 'PX', ttl, 'NX'));
    return reply === 'OK';
  }

  async delete(key: string): Promise<void> {
    await this.run('delete', (c) => c.del(this.k(key)));
  }

  async compareAndDelete(key: string, expected: string): Promise<boolean> {
    const deleted = await this.run('compareAndDelete', (c) => c.eval(COMPARE_AND_DELETE, 1, this.k(key), expected));
    return deleted === 1;
  }

  async pushCapped(listKey: string, value: unknown, maxLen: number, ttlMs: number): Promise<void> {
    const { text, cap, ttl } = checkCapped(value, maxLen, ttlMs);
    const key = this.k(listKey);
    const replies = await this.run('pushCapped', (c) =>
      c
        .multi()
        .lpush(key, text)
        .ltrim(key, 0, cap - 1)
        .pexpire(key, ttl)
        .exec(),
    );
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw this.storeError('pushCapped', failed?.[0] ?? new Error('transaction aborted'));
  }

  async listRange<T = unknown>(listKey: string, limit: number): Promise<T[]> {
    if (limit <= 0) return [];
    const items = await this.run('listRange', (c) => c.lrange(this.k(listKey), 0, Math.floor(limit) - 1));
    return items.map((text) => JSON.parse(text) as T);
  }

  /**
   * A Stream per log: XADD with an exact MINID trim drops entries past their retention (stream ids
   * start with their time in ms), never by count; the key expires when its newest entry does.
   */
  async appendLog(logKey: string, value: unknown, retentionMs: number): Promise<string> {
    const { text, ttl: retention } = checkExpiring(value, retentionMs);
    const key = this.k(logKey);
    const oldestKept = String(Math.max(0, Date.now() - retention));
    const replies = await this.run('appendLog', (c) =>
      c.multi().xadd(key, 'MINID', oldestKept, '*', LOG_FIELD, text).pexpire(key, retention).exec(),
    );
    const failed = replies?.find(([err]) => err);
    if (!replies || failed) throw this.storeError('appendLog', failed?.[0] ?? new Error('transaction aborted'));
    return String(replies[0]![1]);
  }

  async readLog<T = unknown>(logKey: string, options: ReadLogOptions): Promise<LogEntry<T>[]> {
    const limit = checkLimit(options.limit);
    if (options.before !== undefined && !/^\d+-\d+$/.test(options.before)) {
      throw new RangeError(`Not a log entry id: ${options.before}`);
    }
    const end = options.before === undefined ? '+' : `(${options.before}`;
    const entries = await this.run('readLog', (c) => c.xrevrange(this.k(logKey), end, '-', 'COUNT', limit));
    return entries.flatMap(([id, fields]) => {
      const at = fields.indexOf(LOG_FIELD);
      const text = at >= 0 ? fields[at + 1] : undefined;
      return text === undefined ? [] : [{ id, value: JSON.parse(text) as T }];
    });
  }

  /** Every call is applied (and, for Redis, sent) at once: nothing to group. */
  batch<T>(fn: (tx: Store) => Promise<T>): Promise<T> {
    return fn(this);
  }

  async ping(): Promise<boolean> {
    try {
      return (await this.run('ping', (c) => c.ping())) === 'PONG';
    } catch {
      return false;
    }
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // quit() is polite but needs a live connection; disconnect() also stops the reconnect loop.
    if (this.client.status === 'ready') {
      await this.client.quit().catch(() => this.client.disconnect());
    } else {
      this.client.disconnect();
    }
  }

  private async run<R>(operation: string, command: (client: Client) => Promise<R>): Promise<R> {
    if (this.closed) throw new StoreError('store_unavailable', 'Redis store is closed', { operation });
    try {
      await this.waitForConnection();
      return await command(this.client);
    } catch (err) {
      throw err instanceof StoreError ? err : this.storeError(operation, err);
    }
  }

  /**
   * While a connection is being set up (first start, or a reconnect in flight), wait a
   * bounded moment for it instead of failing at once; when Redis is known to be down
   * (between reconnect attempts) fail immediately.
   */
  private async waitForConnection(): Promise<void> {
    const status = this.client.status;
    if (status === 'ready') return;
    if (status !== 'wait' && status !== 'connecting' && status !== 'connect') {
      throw new Error(`not connected (${status})`);
    }
    // One shared wait, so a burst of commands adds one set of listeners, not one per command.
    this.connectionWait ??= new Promise<void>((resolve) => {
      const events = ['ready', 'error', 'close', 'end'];
      const done = () => {
        clearTimeout(timer);
        for (const event of events) this.client.off(event, done);
        this.connectionWait = undefined;
        resolve();
      };
      const timer = setTimeout(done, REDIS_TIMINGS.readyWaitMs);
      for (const event of events) this.client.on(event, done);
    });
    await this.connectionWait;
    if (this.client.status !== 'ready') throw new Error(`not connected (${this.client.status})`);
  }

  private storeError(operation: string, err: unknown): StoreError {
    // Only the driver's message: it names the failure (timeout, refused), never our values or the URL's password.
    const reason = err instanceof Error ? err.message : String(err);
    return new StoreError('store_unavailable', `Redis ${operation} failed: ${reason}`, { operation });
  }

  private warnRateLimited(err: Error): void {
    const now = Date.now();
    if (now - this.lastErrorLogAt < REDIS_TIMINGS.errorLogIntervalMs) {
      this.suppressedErrors++;
      return;
    }
    this.logger.warn(
      { store: 'redis', error: err.message, code: (err as { code?: unknown }).code, suppressed: this.suppressedErrors },
      'Redis connection problem (reconnecting in the background)',
    );
    this.lastErrorLogAt = now;
    this.suppressedErrors = 0;
  }
}
