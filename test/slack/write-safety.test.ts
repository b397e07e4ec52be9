import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { type CrmDefinition, loadCatalog } from '../../src/catalog';
import { readAudit } from '../../src/operations/audit';
import { MemoryStore, RedisStore, SqliteStore } from '../../src/store';
import { businessNumbers } from '../support/businesses';
import { Canaries } from '../support/canary';
import { goldenBodies, goldenSetup } from '../support/golden-fixtures';
import { goldenAnswers, groupAnswer, setupToReview } from '../support/setup-driver';
import { TEST_CHANNEL } from '../support/slack-harness';
import { RecordingStore, redisEntries, sqliteRows } from '../support/store-dump';
import { useBot, withBot } from '../support/use-bot';

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
const GROUP_PATH = '/integration/add/businessintegrationgroup';
const MAPPING_PATH = '/integration/add/businessintegrationmapping';
const groupsPath = (parent: string) => `/integration/businessintegrationgroup/${parent}`;

/** A fresh business per test: intents, locks and config records are per business. */
const nextParent = businessNumbers('1598943739');

/** The Cliniko SMB article's setup (its golden fixture), replayed for each test's own business. */
const CLINIKO = goldenSetup('cliniko/smb');
const CLINIKO_CRM = loadCatalog().get('cliniko');
/** The answers typed, with this API key (the fixture's fake one unless given). */
const cliniko = (parent: string, viewId: string, apiKey?: string) =>
  goldenAnswers(CLINIKO, { parent, viewId, user: OWNER, values: apiKey ? { 'cliniko.api.key': apiKey } : {} });
/** The create-group body the Cliniko article prints, for this business. */
const groupBody = (parent: string, apiKey?: string) =>
  goldenBodies(CLINIKO, { parent, values: apiKey ? { 'cliniko.api.key': apiKey } : {} }).group;
const mappingBody = (parent: string, groupId: number) => goldenBodies(CLINIKO, { parent, groupId }).mappings[0];
const group = (groupId: number, crm: CrmDefinition = CLINIKO_CRM): Json => groupAnswer(crm, groupId);

const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) throw new Error('TEST_REDIS_URL is not set: test/support/global-setup.ts starts redis-server');
const stateDir = mkdtempSync(join(tmpdir(), 'crm-bot-write-safety-'));
afterAll(() => rmSync(stateDir, { recursive: true, force: true }));

describe('setup writes are safe (issue 11)', () => {
  const { bot, api } = useBot({ env: { ALLOWED_USER_IDS: `${OWNER},${COLLEAGUE}` } });

  /** Bodies the stand-in received on a write route, parsed. */
  const sent = (path: string): Json[] => api.requestsTo('PUT', path).map((r) => r.json());

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
      expect(api.writes()).toEqual([]);
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
      await bot.slack.waitFor(
        'views.update',
        (c) => c.body.view_id === 'V_CASE4' && c.body.view?.title?.text === 'Setup finished',
      );
      expect(sent(GROUP_PATH)).toEqual([groupBody(parent)]);
      expect(sent(MAPPING_PATH)).toEqual([mappingBody(parent, 7001)]);
    });
  });

  describe('case 2: the mapping goes to the group this setup created', () => {
    /** A business that already has group 5560 (the group step's banner, ignored), then Confirm. */
    async function confirmDespiteExisting(viewId: string, created: Json, readBack: Json[]) {
      const parent = nextParent();
      api
        .on('GET', groupsPath(parent), { json: [group(5560)] }, { json: readBack })
        .on('PUT', GROUP_PATH, { json: created })
        .always('PUT', MAPPING_PATH, { json: {} });
      const setup = await setupToReview(bot, cliniko(parent, viewId));
      expect(JSON.stringify(setup.checked)).toContain('already has a Cliniko integration group (*5560*)');
      // The banner is repeated where the create is confirmed.
      const review = JSON.stringify(setup.review);
      expect(review).toContain('Read before confirming');
      expect(review).toContain('(*5560*): Confirm creates a second one');
      await setup.confirm();
      const posted = await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === TEST_CHANNEL);
      await bot.slack.waitFor(
        'views.update',
        (c) => c.body.view_id === viewId && /^Setup /.test(c.body.view?.title?.text),
      );
      expect(sent(GROUP_PATH)).toEqual([groupBody(parent)]);
      return { parent, posted: JSON.stringify(posted.body) };
    }

    it('uses the groupId create-group answered, not a read that still shows only the older group', async () => {
      const { parent, posted } = await confirmDespiteExisting('V_CASE2_ANSWER', { groupId: 5561 }, [group(5560)]);
      expect(sent(MAPPING_PATH)).toEqual([mappingBody(parent, 5561)]);
      expect(posted).toContain('group 5561');
      // Only the existing-group check read the groups: the answer named the new one.
      expect(api.count('GET', groupsPath(parent))).toBe(1);
    });

    it('without a groupId in the answer, reads back and picks the new group of this CRM', async () => {
      const readBack = [group(5560), group(5561), group(5599, { ...CLINIKO_CRM, integrationSourceId: 67 })];
      const { parent } = await confirmDespiteExisting('V_CASE2_READ', {}, readBack);
      expect(sent(MAPPING_PATH)).toEqual([mappingBody(parent, 5561)]);
    });

    it('without a groupId, and the new group not visible yet, maps nothing rather than the older group', async () => {
      const { parent, posted } = await confirmDespiteExisting('V_CASE2_NONE', {}, [group(5560)]);
      expect(sent(MAPPING_PATH)).toEqual([]);
      expect(posted).toContain('an older group is never used');
      expect(posted).toContain(`/crm status ${parent}`);
    });
  });

  describe.each([
    ['memory', () => ({ store: new MemoryStore() })],
    [
      'SQLite',
      () => {
        const path = join(stateDir, 'state.sqlite');
        return { store: new SqliteStore({ path }), afterStop: () => sqliteRows(path) };
      },
    ],
    [
      'Redis',
      () => {
        const prefix = `crmbot-write-safety-${process.pid}:`;
        const store = new RedisStore({ url: REDIS_URL, logger: pino({ level: 'silent' }), prefix });
        return { store, beforeStop: () => redisEntries(REDIS_URL, prefix) };
      },
    ],
  ] as const)('case 3: the %s store keeps no answer body', (name, makeStore) => {
    it("a canary in create-group's echo (and the typed key) is in no store key or value, nor anywhere else", async () => {
      const backend: {
        store: ConstructorParameters<typeof RecordingStore>[0];
        beforeStop?: () => Promise<string[]>;
        afterStop?: () => string[];
      } = makeStore();
      const store = new RecordingStore(backend.store);
      // Connected before the first command (a first connect on a loaded machine can outlast one ping).
      for (let tries = 0; tries < 20 && !(await store.ping()); tries++);
      const viewId = `V_CASE3_${name}`;
      const canaries = new Canaries();
      const typedKey = canaries.plant('cliniko api key typed');
      const echoed = canaries.plant('secret in the create-group echo');
      const texts = await withBot({ integrationBaseUrl: api.url, store }, async (own) => {
        const parent = nextParent();
        api
          .on('GET', groupsPath(parent), { status: 404, json: {} })
          // The API echoes what it was sent, and more: the answer must never be kept.
          .on('PUT', GROUP_PATH, {
            json: {
              groupId: 7301,
              parentBusinessNumber: Number(parent),
              integrationGroupProperties: [
                { propertyKey: 'cliniko.api.key', propertyValue: typedKey, isSecure: true },
                { propertyKey: 'internal.token', propertyValue: echoed, isSecure: true },
              ],
            },
          })
          .always('GET', groupsPath(parent), { json: [group(7301)] })
          .on('PUT', MAPPING_PATH, { json: { id: 88, integrationProperties: [{ propertyValue: echoed }] } });
        const setup = await setupToReview(own, cliniko(parent, viewId, typedKey));
        await setup.confirm();
        await own.slack.waitFor(
          'views.update',
          (c) => c.body.view_id === viewId && c.body.view?.title?.text === 'Setup finished',
        );
        expect(sent(GROUP_PATH)).toEqual([groupBody(parent, typedKey)]);
        expect(sent(MAPPING_PATH)).toEqual([mappingBody(parent, 7301)]);
        // What a replay needs is still there: the status and the ids the answer named.
        expect(await store.get(`idempotency:write:${viewId}:createGroup`)).toEqual({
          state: 'done',
          outcome: { groupId: 7301, parentBusinessNumber: Number(parent) },
        });
        expect(await canaries.scan(own)).toEqual([]);
        // Neither the typed key (kept in process memory only) nor the echo was ever written, not even for a moment.
        expect(store.writtenTexts().filter((t) => t.includes(typedKey) || t.includes(echoed))).toEqual([]);
        return [...(await store.heldTexts()), ...((await backend.beforeStop?.()) ?? [])];
      });
      texts.push(...(backend.afterStop?.() ?? []));
      expect(texts.length).toBeGreaterThan(5);
      expect(texts.filter((t) => t.includes(typedKey) || t.includes(echoed))).toEqual([]);
    });
  });
});
