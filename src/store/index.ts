import type { Logger } from '../logger';
import { RedisStore } from './redis';
import { DEFAULT_STATE_PATH, SqliteStore } from './sqlite';
import type { Store } from './types';

export { type RunOnceOptions, type RunOnceResult, runOnce } from './idempotency';
export { acquireLock, type Lock, withLock } from './lock';
export { MemoryStore } from './memory';
export { RedisStore, type RedisStoreOptions } from './redis';
export { parseRedisUrl, type RedisHost, type RedisTarget } from './redis-url';
export { DEFAULT_STATE_PATH, SqliteStore, type SqliteStoreOptions } from './sqlite';
export { DEFAULT_KEY_PREFIX, type Store } from './types';

/**
 * Redis when REDIS_URL is set (safe with many replicas), otherwise a SQLite file at statePath,
 * which survives restarts but belongs to one process. (The memory store is for unit tests.)
 */
export function createStore(options: {
  redisUrl?: string;
  statePath?: string;
  logger: Logger;
  prefix?: string;
}): Store {
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  if (options.redisUrl) return new RedisStore({ url: options.redisUrl, logger: options.logger, ...prefix });
  const path = options.statePath ?? DEFAULT_STATE_PATH;
  const store = new SqliteStore({ path, ...prefix });
  options.logger.info(
    { store: 'sqlite', path },
    'REDIS_URL not set: state is kept in a SQLite file (run one instance only)',
  );
  return store;
}
