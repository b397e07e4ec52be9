import type { Logger } from '../logger';
import { MemoryStore } from './memory';
import { RedisStore } from './redis';
import type { Store } from './types';

export { type RunOnceOptions, type RunOnceResult, runOnce } from './idempotency';
export { acquireLock, type Lock, withLock } from './lock';
export { MemoryStore } from './memory';
export { RedisStore, type RedisStoreOptions } from './redis';
export { parseRedisUrl, type RedisHost, type RedisTarget } from './redis-url';
export { DEFAULT_KEY_PREFIX, type Store } from './types';

/**
 * Redis when REDIS_URL is set (safe with many replicas), otherwise memory,
 * which is only correct for a single instance.
 */
export function createStore(options: { redisUrl?: string; logger: Logger; prefix?: string }): Store {
  const prefix = options.prefix === undefined ? {} : { prefix: options.prefix };
  if (options.redisUrl) return new RedisStore({ url: options.redisUrl, logger: options.logger, ...prefix });
  options.logger.info({ store: 'memory' }, 'REDIS_URL not set: using the in-memory store (run one instance only)');
  return new MemoryStore(prefix);
}
