import { loadCatalog } from './catalog';
import { type Config, loadConfig } from './config';
import { ConfigError } from './errors';
import { stopLocalRuns } from './flows/bulk/service';
import { IntegrationClient } from './integration/client';
import { createLogger } from './logger';
import { createLogSearch } from './logsearch/client';
import { Metrics, observeApiAttempt } from './metrics';
import type { Services } from './services';
import { createBot, stopAndClose } from './slack/app';
import { resumeInterruptedWork } from './slack/register';
import { createStore } from './store';
import { countStoreErrors } from './store/observed';

/** Entry point: build Services once, start the Slack bot, shut down cleanly on SIGTERM/SIGINT. */
async function main(): Promise<void> {
  const config = configOrExit();
  const logger = createLogger({ level: config.LOG_LEVEL });
  process.on('unhandledRejection', (reason) => {
    logger.error({ err: errorFields(reason) }, 'Unhandled promise rejection');
  });
  process.on('uncaughtException', (error) => {
    logger.fatal({ err: errorFields(error) }, 'Uncaught exception; exiting');
    process.exit(1);
  });

  const catalog = loadCatalog();
  const metrics = new Metrics();
  const store = countStoreErrors(
    createStore({
      ...(config.REDIS_URL ? { redisUrl: config.REDIS_URL } : {}),
      statePath: config.STATE_PATH,
      logger,
    }),
    metrics,
  );
  const api = new IntegrationClient({
    baseUrl: config.INTEGRATION_API_URL,
    timeoutMs: config.INTEGRATION_API_TIMEOUT_MS,
    logger,
    observe: observeApiAttempt(metrics),
    carestack: {
      ...(config.CARESTACK_VENDOR_KEY ? { vendorKey: config.CARESTACK_VENDOR_KEY } : {}),
      ...(config.CARESTACK_API_BASE_URL ? { baseUrlTemplate: config.CARESTACK_API_BASE_URL } : {}),
    },
  });
  const logSearch = createLogSearch(config, api);
  const services: Services = {
    config,
    catalog,
    api,
    store,
    logger,
    metrics,
    ...(logSearch ? { logSearch } : {}),
  };
  const bot = createBot(services, { port: config.PORT });
  // Listens first (/healthz answers at once); Slack's auth.test and the socket follow, retried with backoff.
  const { port } = await bot.start();
  logger.info(
    { port, socketMode: Boolean(config.SLACK_APP_TOKEN), crms: catalog.crms.map((c) => c.id) },
    'CRM bot started',
  );
  // Slack rejected the token (invalid_auth, revoked, ...): the fatal line is logged; retrying cannot help.
  bot.fatal.catch(async () => {
    await stopAndClose(bot, services);
    process.exit(1);
  });
  void bot.ready
    .then(() => resumeInterruptedWork(services, bot.app.client))
    .catch((err: unknown) => logger.warn({ err: errorFields(err) }, 'Could not resume bulk runs'));

  let shuttingDown = false;
  const shutdown = async (signal: NodeJS.Signals) => {
    if (shuttingDown) {
      logger.warn({ signal }, 'Second signal during shutdown; exiting now');
      process.exit(1);
    }
    shuttingDown = true;
    logger.info({ signal }, 'Shutting down: finishing in-flight requests (up to 10 s)');
    // Bulk runs stop after their in-flight rows and release their leases, so another replica
    // (or this one after the restart) resumes them at once instead of waiting for the lease to expire.
    await stopLocalRuns();
    await stopAndClose(bot, services);
    logger.info('Stopped');
    process.exit(0);
  };
  // `on`, not `once`: a second Ctrl-C must reach shutdown() to force the exit.
  process.on('SIGTERM', (s) => void shutdown(s));
  process.on('SIGINT', (s) => void shutdown(s));
}

/** A bad environment is an operator mistake: one clear line on stderr, exit 1, no stack trace. */
function configOrExit(): Config {
  try {
    return loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
}

function errorFields(error: unknown): Record<string, unknown> {
  return error instanceof Error
    ? { name: error.name, message: error.message, stack: error.stack }
    : { message: String(error) };
}

main().catch((error: unknown) => {
  // Startup failures (bad catalog, port in use) before the logger may exist: one line, exit 1.
  const message = error instanceof Error ? error.message : String(error);
  process.stderr.write(`Startup failed: ${message}\n`);
  process.exit(1);
});
