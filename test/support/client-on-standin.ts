import type { IntegrationClient } from '../../src/integration/client';
import type { Logger } from '../../src/logger';
import { type IntegrationApiStandin, startClientOnStandin, stopClientOnStandin } from './integration-api-standin';

/** The stand-in and the client on it, replaced before each test. */
export type ClientOnStandin = { api: IntegrationApiStandin; client: IntegrationClient };

/**
 * For a test file of IntegrationClient calls: a fresh API stand-in and a client on it for every
 * test (started before it, closed after), as `running.api` and `running.client`.
 */
export function useClientOnStandin(logger: Logger): ClientOnStandin {
  const running = {} as ClientOnStandin;
  beforeEach(async () => {
    Object.assign(running, await startClientOnStandin(logger));
  });
  afterEach(() => stopClientOnStandin(running));
  return running;
}
