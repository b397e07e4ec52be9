import type { Catalog } from './catalog';
import type { Clock } from './clock';
import type { Config } from './config';
import type { IntegrationClient } from './integration/client';
import type { Logger } from './logger';
import type { LogSearch } from './logsearch/client';
import type { Metrics } from './metrics';
import type { Store } from './store/types';

/** Everything a handler needs, built once in main.ts (and by the test harness). */
export interface Services {
  config: Config;
  catalog: Catalog;
  api: IntegrationClient;
  store: Store;
  logger: Logger;
  /** Prometheus series of this instance (GET /metrics). */
  metrics: Metrics;
  /** Time for windows the flows measure (tests pass a manual clock); the system clock when absent. */
  clock?: Clock;
  /** Contact search in the log store; undefined when LOG_SEARCH_URL is unset (diagnosis by paste only). */
  logSearch?: LogSearch;
}
