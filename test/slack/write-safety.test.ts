import { readAudit } from '../../src/operations/audit';
import { ScriptedApi } from '../support/scripted-api';
import { setupToReview } from '../support/setup-driver';
import { startTestBot, TEST_CHANNEL, type TestBot } from '../support/slack-harness';

/**
 * The setup write path is safe whatever happens around it (issue 11): who may confirm,
 * what the idempotency store keeps, which group a mapping goes to, and a create-group
 * whose answer never came. Signed requests in through the harness; the integration API
 * is a scripted stand-in on a real socket, and every body it received is checked exactly.
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies and Block Kit
type Json = Record<string, any>;

const OWNER = 'U_OWNER';
const COLLEAGUE = 'U_COLLEAGUE';
const INTRUDER = 'U_INTRUDER';
const CLINIKO_SOURCE = 118;
const GROUP_PATH = '/integration/add/businessintegrationgroup';
const MAPPING_PATH = '/integration/add/businessintegrationmapping';
const groupsPath = (parent: string) => `/integration/businessintegrationgroup/${parent}`;

let businesses = 0;
/** A fresh business per test: intents, locks and config records are per business. */
function nextParent(): string {
  businesses += 1;
  return `1598943739${String(10_000 + businesses)}`;
}

function cliniko(parent: string, viewId: string, apiKey = 'fake-cliniko-api-key') {
  return {
    crmId: 'cliniko',
    accountType: 'smb' as const,
    parent,
    viewId,
    user: OWNER,
    groupProperties: { 'cliniko.api.key': apiKey },
    locations: [{ properties: { 'cliniko.location.name': 'New York' } }],
  };
}

/** The create-group body the Cliniko article prints, for this business. */
function groupBody(parent: string, apiKey = 'fake-cliniko-api-key'): Json {
  return {
    parentBusinessNumber: Number(parent),
    integrationSourceId: CLINIKO_SOURCE,
    integrationGroupProperties: [
      { propertyKey: 'cliniko.api.key', propertyValue: apiKey, isSecure: true },
      { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
    ],
    integrationGroupTriggers: [{ triggerId: 129, triggerTypeId: 1 }],
  };
}

function mappingBody(parent: string, groupId: number): Json {
  return {
    businessNumber: Number(parent),
    integrationGroupId: groupId,
    active: true,
    integrationProperties: [
      { propertyKey: 'cliniko.location.name', propertyValue: 'New York', isSecure: false },
      { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
    ],
    test: false,
    beta: false,
  };
}

function group(groupId: number, sourceId = CLINIKO_SOURCE): Json {
  return {
    groupId,
    integrationSourceType: { id: sourceId, integrationSource: 'CLINIKO' },
    integrationGroupTriggers: [],
  };
}

describe('setup writes are safe (issue 11)', () => {
  let bot: TestBot;
  const api = new ScriptedApi();

  /** Bodies the stand-in received on a write route, parsed. */
  const sent = (path: string): Json[] =>
    api.requests.filter((r) => r.method === 'PUT' && r.path === path).map((r) => JSON.parse(r.body));

  beforeAll(async () => {
    await api.start();
    bot = await startTestBot({ integrationBaseUrl: api.url, env: { ALLOWED_USER_IDS: `${OWNER},${COLLEAGUE}` } });
  });
  afterAll(async () => {
    await bot.stop();
    await api.stop();
  });
  afterEach(() => {
    api.reset();
    bot.slack.reset();
  });

  describe('case 4: only the owner, allowed to write, can confirm', () => {
    it('refuses a non-owner before anything is claimed; the owner then writes exactly once', async () => {
      const parent = nextParent();
      api.on('GET', groupsPath(parent), { status: 404, json: {} });
      const setup = await setupToReview(bot, cliniko(parent, 'V_CASE4'));
      const sessionKey = `setup:session:${JSON.parse(setup.metadata).s}`;

      // Not allowed to write at all, then allowed but not the form's owner: both refused, nothing changes.
      for (const [user, words] of [
        [INTRUDER, 'changing integrations is limited to'],
        [COLLEAGUE, `started by <@${OWNER}>`],
      ] as const) {
        const refused = (await setup.confirm(user)).json();
        expect(await bot.services.store.get('setup:confirm:V_CASE4')).toBeUndefined();
        expect(await bot.services.store.get(sessionKey)).toBeDefined();
        // Shown on top of the owner's Review, which stays as it was.
        expect(refused.response_action).toBe('push');
        expect(JSON.stringify(refused.view)).toContain(words);
        expect(JSON.stringify(refused.view)).toContain('Nothing was sent');
      }
      expect(api.requests.filter((r) => r.method === 'PUT')).toEqual([]);
      const refusals = (await readAudit(bot.services.store, { businessNumber: parent }, { limit: 10 })).entries;
      expect(refusals.map((e) => [e.userId, e.operation, e.outcome])).toEqual([
        [COLLEAGUE, 'setup.confirm', 'refused'],
        [INTRUDER, 'setup.confirm', 'refused'],
      ]);

      api
        .on('PUT', GROUP_PATH, { json: { groupId: 7001 } })
        .always('GET', groupsPath(parent), { json: [group(7001)] })
        .on('PUT', MAPPING_PATH, { json: {} });
      const confirmed = (await setup.confirm()).json();
      expect(confirmed.view.title.text).toBe('Setting up…');
      const posted = await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === TEST_CHANNEL);
      expect(posted.body.text).toContain('group 7001');
      expect(sent(GROUP_PATH)).toEqual([groupBody(parent)]);
      expect(sent(MAPPING_PATH)).toEqual([mappingBody(parent, 7001)]);
    });
  });
});
