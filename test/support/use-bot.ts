import { IntegrationApiStandin } from './integration-api-standin';
import { LogStoreStandin } from './log-store-standin';
import { startTestBot, type TestBot, type TestBotOptions } from './slack-harness';

/**
 * The bot for a test file, started and stopped by jest hooks: the Slack API stand-in, the
 * integration API stand-in (`api`) or nock, signed requests. Call it at the top of a describe:
 *
 *   const { bot, api } = useBot();
 *   it('…', async () => { api.on('GET', path, { json }); await bot.sendCommand('status …'); });
 *
 * `bot` forwards to the running TestBot. After each test the Slack calls and the API's recorded
 * stand-in's requests and routes are forgotten.
 */
export interface UseBotOptions extends Omit<TestBotOptions, 'integrationBaseUrl'> {
  /** 'standin' (default): calls go to `api`; 'nock': to http://integration.test, for nock to intercept. */
  integration?: 'standin' | 'nock';
  /** false: keep Slack calls and API requests across the tests (a last test scans them all). */
  resetBetweenTests?: boolean;
}

export interface UsedBot {
  bot: TestBot;
  api: IntegrationApiStandin;
}

/**
 * @param options evaluated when the bot starts when given as a function (of the API stand-in, for its url)
 * @param per 'all': one bot for the describe block; 'each': a fresh bot and stand-in per test
 */
export function useBot(
  options: UseBotOptions | ((api: IntegrationApiStandin) => UseBotOptions | Promise<UseBotOptions>) = {},
  per: 'all' | 'each' = 'all',
): UsedBot {
  let api = new IntegrationApiStandin();
  let current: TestBot | undefined;
  let reset = true;

  const start = async () => {
    await api.start();
    const resolved = typeof options === 'function' ? await options(api) : options;
    const { integration = 'standin', resetBetweenTests = true, ...rest } = resolved;
    reset = resetBetweenTests;
    current = await startTestBot({ ...rest, ...(integration === 'standin' ? { integrationBaseUrl: api.url } : {}) });
  };
  const stop = async () => {
    await current?.stop();
    current = undefined;
    await api.stop();
  };

  if (per === 'each') {
    beforeEach(async () => {
      api = new IntegrationApiStandin();
      await start();
    });
    afterEach(stop);
  } else {
    beforeAll(start);
    afterAll(stop);
    afterEach(() => {
      if (!reset) return;
      current?.slack.reset();
      api.reset();
    });
  }

  return { bot: forward(() => current, 'the bot'), api: forward(() => api, 'the API stand-in') };
}

/**
 * The log store stand-in for a describe block (LOG_SEARCH_URL: `logs.url`), started before the bot
 * when called before useBot, and closed after.
 */
export function useLogStore(): LogStoreStandin {
  let logs: LogStoreStandin | undefined;
  beforeAll(async () => {
    logs = await LogStoreStandin.start();
  });
  afterAll(() => logs?.close());
  return forward(() => logs, 'the log store stand-in');
}

/** An object that stands for whatever `current()` is when it is used (hooks replace it). */
function forward<T extends object>(current: () => T | undefined, what: string): T {
  return new Proxy({} as T, {
    get(_target, key) {
      const target = current();
      if (!target) throw new Error(`${what} runs only inside tests and hooks`);
      const value = Reflect.get(target, key);
      return typeof value === 'function' ? value.bind(target) : value;
    },
    set(_target, key, value) {
      const target = current();
      if (!target) throw new Error(`${what} runs only inside tests and hooks`);
      return Reflect.set(target, key, value);
    },
  });
}

/** A bot for one test: started, handed to `run`, stopped whatever happens. */
export async function withBot<T>(options: TestBotOptions, run: (bot: TestBot) => Promise<T>): Promise<T> {
  const bot = await startTestBot(options);
  try {
    return await run(bot);
  } finally {
    await bot.stop();
  }
}
