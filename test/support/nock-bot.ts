import nock from 'nock';
import type { TestBot } from './slack-harness';
import { useBot } from './use-bot';

/** Where the harness points the bot's integration API by default: nock intercepts it. */
export const NOCK_API = 'http://integration.test';

/**
 * The bot for a describe block with the integration API answered by nock only (matching exact JSON
 * bodies) and no network but the local stand-ins. After each test, every interceptor the test set up
 * was used and no request went unmatched.
 */
export function useNockBot(): TestBot {
  const { bot } = useBot({ integration: 'nock', resetBetweenTests: false });
  const unmatched: string[] = [];
  const onNoMatch = (req: { method?: string; url?: string }) => {
    // The harness talks to the bot and the Slack stand-in on 127.0.0.1: those pass through.
    if (!String(req.url).includes('127.0.0.1')) unmatched.push(`${req.method} ${req.url}`);
  };

  beforeAll(() => {
    nock.disableNetConnect();
    nock.enableNetConnect('127.0.0.1');
    nock.emitter.on('no match', onNoMatch);
  });
  afterAll(() => {
    nock.emitter.removeListener('no match', onNoMatch);
    nock.enableNetConnect();
    // nock patches Node's http modules for the whole jest worker: undo it for the next test file.
    nock.restore();
  });
  afterEach(async () => {
    // Let work after an ack finish before the next test's captures start.
    await new Promise((r) => setTimeout(r, 50));
    const pending = nock.pendingMocks();
    nock.cleanAll();
    bot.slack.reset();
    expect(unmatched.splice(0)).toEqual([]);
    expect(pending).toEqual([]);
  });
  return bot;
}
