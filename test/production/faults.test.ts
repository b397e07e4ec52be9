import { ApiError, userMessage } from '../../src/errors';
import { readAudit } from '../../src/operations/audit';
import { MAX_BODY_BYTES } from '../../src/slack/app';
import type { Reply } from '../support/integration-api-standin';
import { closedPort } from '../support/local-server';
import { SlackApiStandin } from '../support/slack-api-standin';
import { startTestBot, type TestBot } from '../support/slack-harness';
import { useBot } from '../support/use-bot';
import { registerTestWriteAction, testWriteClick, UPDATE_TRIGGERS_PATH } from '../support/write-surface';

const BUSINESS = '170000000000301';
const GROUPS_PATH = `/integration/businessintegrationgroup/${BUSINESS}`;
const SLACK_DEADLINE_MS = 3000;
const said = (code: ApiError['code'], operation = 'updateTriggers') =>
  userMessage(new ApiError(code, 'x', { operation, method: 'GET', path: '/' }));

/** Every integration API failure we promise to turn into words, with the reply that causes it. */
const API_FAULTS: Array<{ name: string; reply: Reply; code: ApiError['code'] }> = [
  { name: '5xx', reply: { status: 503, text: '<html>upstream down</html>' }, code: 'api_server_error' },
  { name: '429 with Retry-After', reply: { status: 429, headers: { 'retry-after': '1' } }, code: 'api_rate_limited' },
  { name: 'timeout', reply: { hang: true }, code: 'api_timeout' },
  { name: 'malformed JSON', reply: { text: '{"groups": [' }, code: 'api_bad_response' },
  {
    name: '200 with an error body',
    reply: { json: { status: 'failure', message: 'Group is locked' } },
    code: 'api_rejected',
  },
];

describe('integration API faults through the real Slack boundary', () => {
  // A short deadline keeps the timeout case quick; retries stay on for reads.
  const { bot, api } = useBot({ apiOptions: { timeoutMs: 700 } });
  beforeAll(() => registerTestWriteAction(bot));

  describe.each(API_FAULTS)('$name', ({ reply, code }) => {
    it('on a read (/crm status): clear ephemeral message, 200 ack, no crash', async () => {
      api.always('GET', GROUPS_PATH, reply);
      const started = Date.now();
      const res = await bot.sendCommand(`status ${BUSINESS}`);
      expect(res.status).toBe(200);
      const answer = (await res.nextResponse(undefined, 5000)).body;
      expect(answer.response_type).toBe('ephemeral');
      const expected = code === 'api_rejected' ? 'Group is locked' : said(code, 'getGroups');
      expect(JSON.stringify(answer)).toContain(JSON.stringify(expected).slice(1, -1));
      expect(Date.now() - started).toBeLessThan(SLACK_DEADLINE_MS);
      expect((await bot.get('/healthz')).status).toBe(200);
    });

    it('on a write (button): clear ephemeral message, never retried, audited', async () => {
      api.always('POST', UPDATE_TRIGGERS_PATH, reply);
      const nonce = `fault-${code}`;
      const res = await bot.sendBlockAction(testWriteClick({ businessNumber: BUSINESS, nonce }));
      expect(res.status).toBe(200);
      const answer = (await res.nextResponse(undefined, 5000)).body.text as string;
      expect(answer).toContain(code === 'api_rejected' ? 'Group is locked' : said(code));
      // Writes are never retried by the client: a retry could apply twice.
      expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(1);
      const audit = (await readAudit(bot.services.store, 'all', { limit: 50 })).entries;
      expect(audit.find((a) => a.idempotencyKey?.endsWith(nonce))?.outcome).toMatch(/^(failed|unknown)$/);
    });
  });

  it('connection refused: read and write both answer clearly', async () => {
    const refused = await startTestBot({ integrationBaseUrl: `http://127.0.0.1:${await closedPort()}` });
    try {
      registerTestWriteAction(refused);
      const read = await refused.sendCommand(`status ${BUSINESS}`);
      expect(JSON.stringify((await read.nextResponse()).body)).toContain(said('api_unreachable'));
      const write = await refused.sendBlockAction(testWriteClick({ businessNumber: BUSINESS, nonce: 'refused' }));
      expect((await write.nextResponse()).body.text).toBe(said('api_unreachable'));
    } finally {
      await refused.stop();
    }
  });
});

describe('Slack Web API faults', () => {
  let bot: TestBot;

  beforeAll(async () => {
    bot = await startTestBot();
  });
  afterAll(() => bot.stop());
  afterEach(() => bot.slack.reset());

  // Commands that open a modal right away; they exist once lookup/diagnose have landed.
  const modalCommands = ['lookup carestack-locations', 'diagnose'];

  it.each(modalCommands)('views.open expired_trigger_id on `/crm %s`: told to run the command again', async (text) => {
    bot.slack.program('views.open', SlackApiStandin.error('expired_trigger_id'));
    const res = await bot.sendCommand(text);
    expect(res.status).toBe(200);
    const reply = (await res.nextResponse()).body;
    expect(reply).toMatchObject({ response_type: 'ephemeral' });
    expect(reply.text).toMatch(/Run the command again/);
    expect(bot.logs.some((l) => l.err?.slackError === 'expired_trigger_id')).toBe(true);
  });

  it.each(modalCommands)('views.open rate limited on `/crm %s`: fails fast and says wait and retry', async (text) => {
    bot.slack.program('views.open', SlackApiStandin.rateLimited(30));
    const started = Date.now();
    const res = await bot.sendCommand(text);
    const reply = (await res.nextResponse()).body;
    expect(reply.text).toMatch(/rate-limiting.*run the command again/);
    // The Web client did not wait out Retry-After: 30.
    expect(Date.now() - started).toBeLessThan(SLACK_DEADLINE_MS);
    expect(bot.slack.callsTo('views.open')).toHaveLength(1);
  });

  it('an unexpected Slack error (HTTP 500 from Slack) is logged and the user told, without stalling', async () => {
    bot.slack.program('views.open', { status: 500, json: { ok: false, error: 'internal_error' } });
    const started = Date.now();
    const res = await bot.sendCommand('diagnose');
    const reply = (await res.nextResponse(undefined, 5000)).body;
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toMatch(/try again/i);
    expect(Date.now() - started).toBeLessThan(SLACK_DEADLINE_MS);
    expect(bot.logs.some((l) => l.msg === 'Slack listener failed')).toBe(true);
  });

  it('an unexpected Slack platform error names Slack’s code to the user', async () => {
    bot.slack.program('views.open', SlackApiStandin.error('view_too_large'));
    const reply = (await (await bot.sendCommand('diagnose')).nextResponse()).body;
    expect(reply.text).toContain('`view_too_large`');
  });
});

describe('inbound requests that are not from Slack, or not as Slack sends them', () => {
  const { bot, api } = useBot();
  beforeAll(() => registerTestWriteAction(bot));

  const click = () => testWriteClick({ businessNumber: BUSINESS, nonce: 'inbound' });

  it.each([
    ['a bad signature', { signature: 'bad' as const }],
    ['no signature', { signature: 'missing' as const }],
    ['a timestamp 301 s old', { timestampOffsetSeconds: -301 }],
    ['a timestamp 301 s in the future', { timestampOffsetSeconds: 301 }],
  ])('refuses %s with 401 and runs nothing', async (_name, opts) => {
    const res = await bot.sendBlockAction(click(), opts);
    expect(res.status).toBe(401);
    await new Promise((r) => setTimeout(r, 100));
    expect(api.requests).toHaveLength(0);
    expect(bot.slack.responses).toHaveLength(0);
  });

  it('refuses an oversized body with 413 (declared or streamed)', async () => {
    const huge = `payload=${'x'.repeat(MAX_BODY_BYTES + 10)}`;
    expect((await bot.sendRaw(huge, 'application/x-www-form-urlencoded')).status).toBe(413);
  });

  it.each([
    ['an unknown interactive type', { type: 'never_heard_of_it', team: { id: 'T_TEST' }, user: { id: 'U1' } }],
    ['an unknown event', null],
  ])('answers %s without a 5xx', async (_name, payload) => {
    const res = payload
      ? await bot.sendRaw(
          new URLSearchParams({ payload: JSON.stringify(payload) }).toString(),
          'application/x-www-form-urlencoded',
        )
      : await bot.sendEvent({ type: 'made_up_event' });
    expect(res.status).toBeLessThan(500);
  });

  // Found by the fuzz test: each of these used to hang the connection (null body: an unhandled rejection inside
  // Bolt), answer 500 (a shape Bolt cannot read, so Slack would retry it), or reset the socket (huge header).
  it('answers a signed `payload=null` with 400 at once', async () => {
    const res = await bot.sendRaw('payload=null', 'application/x-www-form-urlencoded');
    expect(res.status).toBe(400);
    expect((await bot.sendRaw('null', 'application/json')).status).toBe(400);
  });

  it('answers a signed payload Bolt cannot read with 400, not 500, and logs no payload value', async () => {
    const marker = 'value-marker-51f0';
    // `event` must be an object for Bolt ('channel' in event); a string makes it throw, quoting the value.
    const res = await bot.sendRaw(JSON.stringify({ type: 'event_callback', event: marker }), 'application/json');
    expect(res.status).toBe(400);
    expect(bot.logText()).not.toContain(marker);
  });

  it('answers a header past Node’s limit with 431 instead of resetting the connection', async () => {
    const res = await bot.sendBlockAction(click(), { headers: { 'x-padding': 'h'.repeat(20_000) } });
    expect(res.status).toBe(431);
  });
});
