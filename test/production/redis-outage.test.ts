import { setTimeout as sleep } from 'node:timers/promises';
import { StoreError, userMessage } from '../../src/errors';
import { RedisStore } from '../../src/store';
import { RedisProcess } from '../support/redis-process';
import type { TestBot } from '../support/slack-harness';
import { useBot } from '../support/use-bot';
import {
  registerTestWriteAction,
  registerTestWriteSubcommand,
  testWriteClick,
  UPDATE_TRIGGERS_PATH,
} from '../support/write-surface';

const BUSINESS = '170000000000101';
const STORE_DOWN_TEXT = userMessage(new StoreError('store_unavailable', 'x'));
/** Slack shows "operation_timeout" after 3 s; the user must hear from us well before. */
const SLACK_DEADLINE_MS = 3000;

async function readyz(bot: TestBot) {
  const res = await bot.get('/readyz');
  return { status: res.status, body: res.json() };
}

async function until<T>(probe: () => Promise<T>, ok: (v: T) => boolean, timeoutMs: number): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (ok(value) || Date.now() > deadline) return value;
    await sleep(50);
  }
}

describe('Redis outage seen through Slack', () => {
  let redis: RedisProcess;
  let removeSubcommand: () => void;
  const { bot, api } = useBot(async (api) => {
    redis = await RedisProcess.start();
    api.always('POST', UPDATE_TRIGGERS_PATH, { json: { status: 'ok' } });
    const store = new RedisStore({
      url: redis.url,
      logger: (await import('pino')).default({ level: 'silent' }),
      prefix: `prodtest:outage:${Date.now()}:`,
      maxReconnectDelayMs: 200,
    });
    // Connected before the first command: on a loaded machine the first connect can take longer than the
    // store's bounded wait for a connection in progress (each ping waits for the 'ready' event, up to 1 s).
    for (let tries = 0; tries < 20 && !(await store.ping()); tries++);
    return { store, resetBetweenTests: false };
  });
  beforeAll(() => {
    registerTestWriteAction(bot);
    removeSubcommand = registerTestWriteSubcommand();
  });
  afterAll(async () => {
    removeSubcommand();
    await redis.kill();
  });

  it('answers clearly within 3 s while Redis is down, reports 503, and recovers without a restart', async () => {
    // Up: a write through /crm works.
    const before = await bot.sendCommand(`prodtest-write ${BUSINESS} up-1`);
    expect((await before.nextResponse()).body.text).toContain('Write done');
    expect(await readyz(bot)).toEqual({ status: 200, body: { ok: true } });

    await redis.kill();
    const down = await until(
      () => readyz(bot),
      (r) => r.status === 503,
      5000,
    );
    expect(down).toEqual({ status: 503, body: { ok: false, reason: 'store_unavailable' } });

    // A slash command that needs the store: acked, then told clearly, all within Slack's 3 s.
    const writesBefore = api.count('POST', UPDATE_TRIGGERS_PATH);
    const started = Date.now();
    const command = await bot.sendCommand(`prodtest-write ${BUSINESS} down-1`);
    expect(command.status).toBe(200);
    const reply = await command.nextResponse(undefined, SLACK_DEADLINE_MS);
    expect(Date.now() - started).toBeLessThan(SLACK_DEADLINE_MS);
    expect(reply.body).toMatchObject({ response_type: 'ephemeral', text: STORE_DOWN_TEXT });

    // The same through a button (block_actions).
    const clickStarted = Date.now();
    const click = await bot.sendBlockAction(testWriteClick({ businessNumber: BUSINESS, nonce: 'down-2' }));
    expect(click.status).toBe(200);
    expect((await click.nextResponse(undefined, SLACK_DEADLINE_MS)).body.text).toBe(STORE_DOWN_TEXT);
    expect(Date.now() - clickStarted).toBeLessThan(SLACK_DEADLINE_MS);
    // "Nothing was sent" must be true.
    expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(writesBefore);
    // Still serving: health stays up, reads that do not need the store still work.
    expect((await bot.get('/healthz')).status).toBe(200);
    expect((await (await bot.sendCommand('help')).nextResponse()).body.response_type).toBe('ephemeral');

    // Redis returns on the same port: the same bot recovers by itself.
    await redis.restart();
    const back = await until(
      () => readyz(bot),
      (r) => r.status === 200,
      8000,
    );
    expect(back).toEqual({ status: 200, body: { ok: true } });
    const after = await bot.sendCommand(`prodtest-write ${BUSINESS} up-2`);
    expect((await after.nextResponse()).body.text).toContain('Write done');
    expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(writesBefore + 1);

    // The failures were logged as errors without crashing anything.
    expect(bot.logs.some((l) => l.msg === 'Slack listener failed' && l.err?.message?.includes('Redis'))).toBe(true);
  });

  it('answers within 3 s when Redis hangs (accepts connections but never replies)', async () => {
    const warm = await bot.sendCommand(`prodtest-write ${BUSINESS} hang-warm`);
    expect((await warm.nextResponse()).body.text).toContain('Write done');
    redis.pause();
    try {
      const started = Date.now();
      const command = await bot.sendCommand(`prodtest-write ${BUSINESS} hang-1`);
      expect(command.status).toBe(200);
      const reply = await command.nextResponse(undefined, SLACK_DEADLINE_MS);
      expect(reply.body.text).toBe(STORE_DOWN_TEXT);
      expect(Date.now() - started).toBeLessThan(SLACK_DEADLINE_MS);
      const ready = await readyz(bot);
      expect(ready).toEqual({ status: 503, body: { ok: false, reason: 'store_unavailable' } });
    } finally {
      redis.resume();
    }
    const back = await until(
      () => readyz(bot),
      (r) => r.status === 200,
      8000,
    );
    expect(back.status).toBe(200);
  });
});
