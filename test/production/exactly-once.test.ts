import pino from 'pino';
import { BULK_ACTIONS } from '../../src/flows/bulk/ids';
import { readAudit } from '../../src/operations/audit';
import { clearPermissionCache } from '../../src/operations/permissions';
import { RedisStore } from '../../src/store';
import { businessNumbers } from '../support/businesses';
import { IntegrationApiStandin } from '../support/integration-api-standin';
import { SlackApiStandin } from '../support/slack-api-standin';
import { startTestBot, type TestBot, type WithResponseUrl } from '../support/slack-harness';
import { useBot, withBot } from '../support/use-bot';
import {
  registerTestWriteAction,
  registerTestWriteSubcommand,
  testWriteClick,
  UPDATE_TRIGGERS_PATH,
} from '../support/write-surface';

const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) throw new Error('TEST_REDIS_URL is not set: test/support/global-setup.ts starts redis-server');

const STORM_SIZE = 100;
const silent = pino({ level: 'silent' });
/** A fresh 15-digit business per test, so locks and idempotency keys never collide between tests. */
const nextBusiness = businessNumbers('1700000000');

async function repliesOf(responses: WithResponseUrl[]): Promise<string[]> {
  return Promise.all(responses.map(async (r) => (await r.nextResponse(undefined, 10_000)).body.text as string));
}

describe('exactly-once writes under duplicate storms', () => {
  let api: IntegrationApiStandin;
  let removeSubcommand: () => void;

  beforeAll(async () => {
    api = await new IntegrationApiStandin().start();
    removeSubcommand = registerTestWriteSubcommand();
  });
  afterAll(async () => {
    removeSubcommand();
    await api.stop();
  });
  afterEach(() => {
    api.reset();
    clearPermissionCache();
  });

  /** A bot with the test write button, for one test: stopped whatever happens. */
  const withWriteBot = (run: (bot: TestBot) => Promise<void>) =>
    withBot({ integrationBaseUrl: api.url }, async (bot) => {
      registerTestWriteAction(bot);
      await run(bot);
    });

  it(`${STORM_SIZE} concurrent identical signed clicks, some as Slack retries, make exactly 1 API write`, () =>
    withWriteBot(async (bot) => {
      const business = nextBusiness();
      // Slow enough that every duplicate arrives while the first is still in flight.
      api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-storm-1' }, delayMs: 300 });
      const click = testWriteClick({ businessNumber: business, nonce: 'storm' });
      const sent = await Promise.all(
        Array.from({ length: STORM_SIZE }, (_, i) =>
          bot.sendBlockAction(click, i % 4 === 3 ? { retryNum: (i % 3) + 1, retryReason: 'http_timeout' } : {}),
        ),
      );
      // No request was answered with an error by our receiver.
      expect(sent.map((r) => r.status)).toEqual(Array(STORM_SIZE).fill(200));
      const texts = await repliesOf(sent);
      expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(1);
      // Every duplicate got the first one's outcome.
      expect(new Set(texts)).toEqual(new Set([`Write done for business ${business}: {"id":"T-storm-1"}`]));
      const audits = (await readAudit(bot.services.store, { businessNumber: business }, { limit: 500 })).entries;
      // One attempt and its outcome: the duplicates sent nothing, so they add no entry.
      expect(audits.map((a) => a.outcome)).toEqual(['succeeded', 'attempted']);
    }));

  it('a replayed identical signed request does not write twice', () =>
    withWriteBot(async (bot) => {
      const business = nextBusiness();
      api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-replay' } });
      const body = new URLSearchParams({
        payload: JSON.stringify({
          type: 'block_actions',
          user: { id: 'U_REPLAY', team_id: 'T_TEST' },
          team: { id: 'T_TEST', domain: 'test' },
          api_app_id: 'A_TEST',
          trigger_id: '1.2.3',
          response_url: bot.slack.responseUrl('replay'),
          container: { type: 'message', message_ts: '1.1', channel_id: 'C1' },
          channel: { id: 'C1', name: 'x' },
          actions: [
            {
              type: 'button',
              block_id: 'b',
              action_ts: '1',
              ...testWriteClick({ businessNumber: business, nonce: 'replay' }).actions[0],
            },
          ],
        }),
      }).toString();
      // Same bytes, same signature and timestamp (same second), twice: what an attacker or a proxy replays.
      const first = await bot.sendRaw(body, 'application/x-www-form-urlencoded');
      const again = await bot.sendRaw(body, 'application/x-www-form-urlencoded');
      expect([first.status, again.status]).toEqual([200, 200]);
      await bot.slack.waitForResponse((r) => r.id === 'replay');
      await new Promise((r) => setTimeout(r, 200));
      expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(1);
      const replies = bot.slack.responsesFor('replay').map((r) => r.body.text);
      expect(replies).toEqual(Array(2).fill(`Write done for business ${business}: {"id":"T-replay"}`));
    }));

  it('two replicas sharing Redis receive the same storm: still exactly 1 API write', async () => {
    const prefix = `prodtest:replicas:${Date.now()}:`;
    const slack = await SlackApiStandin.start();
    const storeA = new RedisStore({ url: REDIS_URL, logger: silent, prefix });
    const storeB = new RedisStore({ url: REDIS_URL, logger: silent, prefix });
    const replicaA = await startTestBot({ store: storeA, integrationBaseUrl: api.url, slack });
    const replicaB = await startTestBot({ store: storeB, integrationBaseUrl: api.url, slack });
    try {
      registerTestWriteAction(replicaA);
      registerTestWriteAction(replicaB);
      const business = nextBusiness();
      api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-replicas' }, delayMs: 300 });
      const click = testWriteClick({ businessNumber: business, nonce: 'replicas' });
      const sent = await Promise.all(
        Array.from({ length: STORM_SIZE }, (_, i) =>
          (i % 2 === 0 ? replicaA : replicaB).sendBlockAction(
            click,
            i >= 50 ? { retryNum: 1, retryReason: 'http_timeout' } : {},
          ),
        ),
      );
      expect(sent.every((r) => r.status === 200)).toBe(true);
      const texts = await repliesOf(sent);
      expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(1);
      expect(new Set(texts)).toEqual(new Set([`Write done for business ${business}: {"id":"T-replicas"}`]));
      // Both replicas served requests (the storm really was split).
      expect(replicaA.logs.some((l) => l.msg === 'duplicate write reused')).toBe(true);
      expect(replicaB.logs.some((l) => l.msg === 'duplicate write reused')).toBe(true);
    } finally {
      await replicaA.stop();
      await replicaB.stop();
      await slack.close();
    }
  });

  it('two users writing to the same business at once: the second is told who holds it', () =>
    withWriteBot(async (bot) => {
      const business = nextBusiness();
      api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-alice' }, delayMs: 500 });
      const alice = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'a' }), {
        user: 'U_ALICE',
      });
      await api.waitForCount('POST', UPDATE_TRIGGERS_PATH, 1);
      const bob = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'b' }), {
        user: 'U_BOB',
      });
      expect((await bob.nextResponse()).body.text).toBe(
        `Business ${business} is being changed by <@U_ALICE>. Try again when they are done.`,
      );
      expect((await alice.nextResponse()).body.text).toContain('T-alice');
      expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(1);

      // Once Alice is done, Bob's same click again (same intent, same idempotency key) goes through:
      // "busy" meant nothing was sent, so it is not replayed as the outcome of that intent.
      api.on('POST', UPDATE_TRIGGERS_PATH, { json: { id: 'T-bob' } });
      const bobAgain = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'b' }), {
        user: 'U_BOB',
      });
      expect((await bobAgain.nextResponse()).body.text).toContain('T-bob');
    }));
});

describe('write permissions', () => {
  let removeSubcommand: () => void;
  const slackCallsFor = (method: string) => bot.slack.callsTo(method).length;
  const { bot, api } = useBot({
    env: { ALLOWED_USERGROUP_IDS: 'S_WRITERS', ALLOWED_USER_IDS: 'U_OWNER', AUDIT_CHANNEL_ID: 'C0AUDIT' },
  });

  beforeAll(() => {
    registerTestWriteAction(bot);
    removeSubcommand = registerTestWriteSubcommand();
  });
  afterAll(() => removeSubcommand());
  beforeEach(() => {
    bot.slack.reset();
    bot.slack.usergroupMembers.S_WRITERS = ['U_MEMBER'];
    clearPermissionCache();
  });

  it('refuses a non-member with who to ask, audits the refusal, and makes no API call', async () => {
    const business = nextBusiness();
    const res = await bot.sendBlockAction(testWriteClick({ businessNumber: business, nonce: 'x' }), {
      user: 'U_STRANGER',
    });
    const text = (await res.nextResponse()).body.text as string;
    expect(text).toContain('<!subteam^S_WRITERS>');
    expect(text).toContain('<@U_OWNER>');
    expect(text).toMatch(/Ask one of them/);
    expect(api.requests).toHaveLength(0);
    const audits = (await readAudit(bot.services.store, 'all', { limit: 50 })).entries;
    expect(audits.find((a) => a.businessNumber === business)).toMatchObject({
      userId: 'U_STRANGER',
      outcome: 'refused',
      error: { code: 'forbidden' },
    });
    expect(slackCallsFor('usergroups.users.list')).toBe(1);
    const posted = await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === 'C0AUDIT');
    expect(posted.body.text).toContain('refused');
  });

  it('lets a usergroup member and an allowed user write', async () => {
    api.always('POST', UPDATE_TRIGGERS_PATH, { json: { ok: 1 } });
    const member = await bot.sendBlockAction(testWriteClick({ businessNumber: nextBusiness(), nonce: 'm' }), {
      user: 'U_MEMBER',
    });
    expect((await member.nextResponse()).body.text).toContain('Write done');
    const owner = await bot.sendCommand(`prodtest-write ${nextBusiness()} o`, { user: 'U_OWNER' });
    expect((await owner.nextResponse()).body.text).toContain('Write done');
    expect(api.count('POST', UPDATE_TRIGGERS_PATH)).toBe(2);
  });

  it('refuses a bulk run button (Retry failed rows) clicked by someone who may not write', async () => {
    const res = await bot.sendBlockAction(
      { actions: [{ type: 'button', action_id: BULK_ACTIONS.retryFailed, value: 'run-of-someone-else' }] },
      { user: 'U_STRANGER' },
    );
    expect(res.status).toBe(200);
    const reply = (await res.nextResponse()).body;
    expect(reply).toMatchObject({ response_type: 'ephemeral', replace_original: false });
    expect(reply.text).toMatch(/Ask one of them/);
    expect(api.requests).toHaveLength(0);
  });

  it('keeps reads open to everyone', async () => {
    const business = nextBusiness();
    api.on('GET', `/integration/businessintegrationgroup/${business}`, { status: 404 });
    const res = await bot.sendCommand(`status ${business}`, { user: 'U_STRANGER' });
    const reply = (await res.nextResponse()).body;
    expect(JSON.stringify(reply)).not.toMatch(/limited to/);
    expect(api.count('GET', `/integration/businessintegrationgroup/${business}`)).toBe(1);
  });
});
