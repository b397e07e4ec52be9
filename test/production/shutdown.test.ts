import { SHUTDOWN_GRACE_MS, stopAndClose } from '../../src/slack/app';
import { MemoryStore } from '../../src/store';
import { IntegrationApiStandin } from '../support/integration-api-standin';
import { rawRequest, startTestBot } from '../support/slack-harness';
import { registerTestWriteAction, testWriteClick, UPDATE_TRIGGERS_PATH } from '../support/write-surface';

const SLOW_API_MS = 1500;

describe('graceful shutdown', () => {
  let api: IntegrationApiStandin;

  beforeAll(async () => {
    api = await new IntegrationApiStandin().start();
  });
  afterAll(() => api.stop());

  it('lets an in-flight write finish, answers /readyz 503 shutting_down meanwhile, then closes store and API client', async () => {
    const store = new MemoryStore();
    const bot = await startTestBot({ store, integrationBaseUrl: api.url });
    registerTestWriteAction(bot);
    api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-late' }, delayMs: SLOW_API_MS });

    const click = await bot.sendBlockAction(testWriteClick({ businessNumber: '170000000000701', nonce: 'sd' }));
    expect(click.status).toBe(200);
    await api.waitForCount('POST', UPDATE_TRIGGERS_PATH, 1);

    const started = Date.now();
    const stopping = stopAndClose(bot.bot, bot.services);
    // Still listening while the write is in flight, but no longer ready.
    const ready = await bot.get('/readyz');
    expect({ status: ready.status, body: ready.json() }).toEqual({
      status: 503,
      body: { ok: false, reason: 'shutting_down' },
    });
    await stopping;
    const tookMs = Date.now() - started;

    // The in-flight write completed and its answer reached the user before the process would exit.
    expect(click.responses().map((r) => r.body.text)).toEqual([
      'Write done for business 170000000000701: {"id":"T-late"}',
    ]);
    expect(tookMs).toBeGreaterThanOrEqual(SLOW_API_MS - 200);
    expect(tookMs).toBeLessThan(SHUTDOWN_GRACE_MS);
    // Store and API client are closed; the HTTP server no longer accepts connections.
    expect(await store.ping()).toBe(false);
    await expect(bot.services.api.getGroups('170000000000701')).rejects.toBeDefined();
    await expect(rawRequest(`${bot.url}/healthz`, 'GET')).rejects.toMatchObject({ code: 'ECONNREFUSED' });
    await bot.slack.close();
  });

  it('stops at once when nothing is in flight', async () => {
    const bot = await startTestBot({ integrationBaseUrl: api.url });
    const started = Date.now();
    await stopAndClose(bot.bot, bot.services);
    expect(Date.now() - started).toBeLessThan(1000);
    await bot.slack.close();
  });
});
