import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { loadRun } from '../../src/bulk/run-record';
import { loadCatalog } from '../../src/catalog';
import { BULK_ACTIONS, BULK_MODAL } from '../../src/flows/bulk/ids';
import { runFinished, stopLocalRuns } from '../../src/flows/bulk/service';
import { HISTORY_BLOCKS } from '../../src/flows/history/ids';
import { HOME_RECENT_LIMIT } from '../../src/flows/home/service';
import { BLOCK, SETUP_ACTION, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { resumeInterruptedWork } from '../../src/slack/register';
import { RedisStore } from '../../src/store';
import { SqliteStore } from '../../src/store/sqlite';
import type { Store } from '../../src/store/types';
import { Canaries } from '../support/canary';
import { bulkModalValues } from '../support/flow-forms';
import { goldenBodies, goldenSetup } from '../support/golden-fixtures';
import { API_PATHS, IntegrationApiStandin } from '../support/integration-api-standin';
import { goldenAnswers, groupAnswer, locationValues, setupToReview } from '../support/setup-driver';
import { SlackApiStandin } from '../support/slack-api-standin';
import { startTestBot, TEST_USER, type TestBot } from '../support/slack-harness';
import { redisEntries, sqliteRows } from '../support/store-dump';

const REDIS_URL = process.env.TEST_REDIS_URL;
if (!REDIS_URL) throw new Error('TEST_REDIS_URL is not set: test/support/global-setup.ts starts redis-server');

// biome-ignore lint/suspicious/noExplicitAny: Block Kit and request JSON
type Json = Record<string, any>;

const golden = goldenSetup('carecloud/smb');
const PARENT = golden.input.parentBusinessNumber;
const LOCATION = golden.input.locations[0]!;
const GROUP_ID = golden.groupId;
const CREATE_GROUP = API_PATHS.createGroup;
const CREATE_MAPPING = API_PATHS.mapping;
const groupsPath = API_PATHS.groups;
const catalog = loadCatalog();
/** The CareCloud group the API lists for a business. */
const carecloudGroups = (groupId: number) => [groupAnswer(catalog.get('carecloud'), groupId)];

const CLINIKO_PARENT = '159894373977001';
const CLINIKO_RETRY_PARENT = '159894373977002';
const CLINIKO_GROUP_ID = 7401;
/** The Cliniko SMB article's setup (its golden fixture), with an API key typed by the test. */
const CLINIKO = goldenSetup('cliniko/smb');
const clinikoGroup = (groupId: number) => groupAnswer(catalog.get('cliniko'), groupId);
const typedKey = (apiKey: string) => ({ 'cliniko.api.key': apiKey });

const ENTERPRISE = '150051042499080';
const BULK_GROUP = 1595;
const BULK_ROWS = 30;
const bulkBusiness = (i: number) => 150051042600000 + i;

/** Where the state lives; `open` is called once per bot instance, as a process start would. */
interface Backing {
  name: string;
  open(): Store;
  /** Every key and value the state holds, read from the backend itself (the SQLite file once closed). */
  dump(): Promise<string[]>;
  cleanup(): void;
}

function sqliteBacking(): Backing {
  const dir = mkdtempSync(path.join(tmpdir(), 'restart-'));
  const file = path.join(dir, 'crm-bot.sqlite');
  return {
    name: 'SQLite file',
    open: () => new SqliteStore({ path: file }),
    dump: async () => sqliteRows(file),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}

function redisBacking(): Backing {
  const prefix = `restart:${process.pid}:${Date.now()}:`;
  return {
    name: 'Redis',
    open: () => new RedisStore({ url: REDIS_URL!, logger: pino({ level: 'silent' }), prefix }),
    dump: () => redisEntries(REDIS_URL!, prefix),
    cleanup: () => undefined,
  };
}

/**
 * Nothing is lost on restart: two bot instances run one after the other on the same state (the
 * second starts after the first has stopped), through signed requests, on SQLite and on Redis.
 */
describe.each([
  ['SQLite', sqliteBacking],
  ['Redis', redisBacking],
])('restart on %s', (_name, makeBacking) => {
  let backing: Backing;
  let slack: SlackApiStandin;
  let api: IntegrationApiStandin;
  let running: TestBot | undefined;

  beforeAll(async () => {
    backing = makeBacking();
    slack = await SlackApiStandin.start();
    api = await new IntegrationApiStandin().start();
  });
  afterAll(async () => {
    await running?.stop();
    await api.stop();
    await slack.close();
    backing.cleanup();
  });

  /** Stops the running instance (if any): what a process exit does. */
  async function stopRunning(): Promise<void> {
    await running?.stop();
    running = undefined;
  }

  /** Stops the running instance (if any) and starts the next one on the same state. */
  async function restart(): Promise<TestBot> {
    await running?.stop();
    const store = backing.open();
    // Connected before the first request, as main.ts does before it listens.
    expect(await store.ping()).toBe(true);
    running = await startTestBot({ store, slack, integrationBaseUrl: api.url, config: { BULK_CONCURRENCY: 3 } });
    return running;
  }

  it('a setup open across a restart: Confirm (and Slack retrying it) writes exactly once, even after another restart', async () => {
    const viewId = `V_RESTART_${backing.name.replace(/\W/g, '')}`;
    const first = await restart();
    api.on('GET', groupsPath(PARENT), { status: 404, json: {} });
    const { metadata } = await setupToReview(first, {
      crmId: 'carecloud',
      accountType: 'smb',
      parent: PARENT,
      groupProperties: {},
      locations: [LOCATION],
      viewId,
    });
    expect(api.writes()).toEqual([]);

    const second = await restart();
    api.on('PUT', CREATE_GROUP, { json: { groupId: GROUP_ID } });
    api.always('GET', groupsPath(PARENT), { json: carecloudGroups(GROUP_ID) });
    api.on('PUT', CREATE_MAPPING, { json: { id: 'mapping-1' } });
    const confirm = {
      view: { id: viewId, callback_id: SETUP_CALLBACK.review, private_metadata: metadata, state: { values: {} } },
    };
    // The submission and Slack's retry of it (the first ack looked late to Slack), both to the new instance.
    const acks = await Promise.all([
      second.sendViewSubmission(confirm),
      second.sendViewSubmission(confirm, { retryNum: 1, retryReason: 'http_timeout' }),
    ]);
    expect(acks.map((a) => a.status)).toEqual([200, 200]);
    await slack.waitFor(
      'views.update',
      (c) => c.body.view_id === viewId && c.body.view?.title?.text === 'Setup finished',
      10_000,
    );

    const third = await restart();
    await third.sendViewSubmission(confirm, { retryNum: 2, retryReason: 'http_timeout' });
    // One more request through the third instance, so its handling of the late retry has finished.
    await (await third.sendCommand(`history ${PARENT}`)).nextResponse();

    expect(api.writes().map((r) => [r.method, r.path, r.json()])).toEqual([
      ['PUT', CREATE_GROUP, golden.expected.group],
      ['PUT', CREATE_MAPPING, golden.expected.mappings[0]],
    ]);
  }, 60_000);

  /** A Cliniko setup's first instance, none of the earlier tests' requests, and no group for `parent` yet. */
  async function clinikoSetupStarts(test: string, parent: string) {
    const viewId = `V_RESTART_${test}_${backing.name.replace(/\W/g, '')}`;
    const first = await restart();
    api.clearRequests();
    api.on('GET', groupsPath(parent), { status: 404, json: {} });
    return { viewId, first };
  }

  it('a secret typed into a setup is never in the store: after a restart Confirm asks for it again, then writes once with it', async () => {
    const parent = CLINIKO_PARENT;
    const canaries = new Canaries();
    const apiKey = canaries.plant('cliniko api key typed into setup');
    const { viewId, first } = await clinikoSetupStarts('SECRET', parent);
    const answers = goldenAnswers(CLINIKO, { parent, viewId, values: typedKey(apiKey) });
    const { metadata } = await setupToReview(first, answers);
    expect(await canaries.scan(first)).toEqual([]);
    // Stopped: the SQLite file can be read. The key was typed, yet the state holds it nowhere.
    await stopRunning();
    const held = await backing.dump();
    expect(held.some((t) => t.includes(viewId) || t.includes(parent))).toBe(true);
    expect(held.filter((t) => t.includes(apiKey))).toEqual([]);

    const second = await restart();
    const submit = async (callbackId: string, values: Json) =>
      (
        await second.sendViewSubmission({
          view: { id: viewId, callback_id: callbackId, private_metadata: metadata, state: { values } },
        })
      ).json();
    const askedAgain = await submit(SETUP_CALLBACK.review, {});
    expect(askedAgain.response_action).toBe('update');
    expect(askedAgain.view.callback_id).toBe(SETUP_CALLBACK.group);
    expect(askedAgain.view.blocks[0].text.text).toBe(
      ':warning: Type the API key again: the bot restarted after you typed it, and it never keeps a typed secret in its store. Nothing was sent.',
    );
    const keyInput = (askedAgain.view.blocks as Json[]).find((b) => b.block_id === BLOCK.group('cliniko.api.key'));
    // Required again: it cannot be skipped as "already set".
    expect(keyInput?.optional).toBe(false);
    expect(api.writes()).toEqual([]);

    api.on('PUT', CREATE_GROUP, { json: { groupId: CLINIKO_GROUP_ID } });
    api.always('GET', groupsPath(parent), { json: [clinikoGroup(CLINIKO_GROUP_ID)] });
    api.on('PUT', CREATE_MAPPING, { json: { id: 'mapping-cliniko' } });
    const locations = await submit(SETUP_CALLBACK.group, {
      [BLOCK.group('cliniko.api.key')]: { value: { type: 'plain_text_input', value: apiKey } },
    });
    const review = await submit(SETUP_CALLBACK.locations, locationValues(locations.view, answers.locations));
    expect(review.view.callback_id).toBe(SETUP_CALLBACK.review);
    expect(await submit(SETUP_CALLBACK.review, {})).toMatchObject({ response_action: 'update' });
    await slack.waitFor(
      'views.update',
      (c) => c.body.view_id === viewId && c.body.view?.title?.text === 'Setup finished',
      10_000,
    );
    const sent = goldenBodies(CLINIKO, { parent, groupId: CLINIKO_GROUP_ID, values: typedKey(apiKey) });
    expect(api.writes().map((r) => [r.method, r.path, r.json()])).toEqual([
      ['PUT', CREATE_GROUP, sent.group],
      ['PUT', CREATE_MAPPING, sent.mappings[0]],
    ]);
    expect(await canaries.scan(second)).toEqual([]);
    await stopRunning();
    const after = await backing.dump();
    expect(after.some((t) => t.includes(`audit:business:${parent}`))).toBe(true);
    expect(after.filter((t) => t.includes(apiKey))).toEqual([]);
  }, 60_000);

  it("a failed mapping's credential override is kept for Retry in memory only: Retry re-sends it, after a restart it asks instead", async () => {
    const parent = CLINIKO_RETRY_PARENT;
    const canaries = new Canaries();
    const groupKey = canaries.plant('cliniko group api key');
    const override = canaries.plant('cliniko location api key override');
    const { viewId, first } = await clinikoSetupStarts('RETRY', parent);
    const answers = goldenAnswers(CLINIKO, { parent, viewId, values: typedKey(groupKey) });
    // The location overrides the group's key.
    const locations = answers.locations.map((l) => ({ ...l, properties: { ...l.properties, ...typedKey(override) } }));
    const setup = await setupToReview(first, { ...answers, locations });
    api.on('PUT', CREATE_GROUP, { json: { groupId: CLINIKO_GROUP_ID + 1 } });
    api.always('GET', groupsPath(parent), { json: [clinikoGroup(CLINIKO_GROUP_ID + 1)] });
    api.always('PUT', CREATE_MAPPING, { status: 400, json: { message: 'rejected' } });
    await setup.confirm();
    const posted = await slack.waitFor('chat.postMessage', (c) => JSON.stringify(c.body.blocks).includes(parent));
    const retryValue = (posted.body.blocks as Json[]).find((b) => b.accessory?.action_id === SETUP_ACTION.retryMapping)
      ?.accessory.value as string;
    expect(JSON.parse(retryValue)).toMatchObject({ bn: parent, a: 2 });
    const click = (bot: TestBot, value: string) =>
      bot.sendBlockAction({ actions: [{ action_id: SETUP_ACTION.retryMapping, value }] });
    const overrideSent = () =>
      api
        .requestsTo('PUT', CREATE_MAPPING)
        .map((r) => r.json().integrationProperties.find((p: Json) => p.propertyKey === 'cliniko.api.key'));
    // Same instance: the override was kept (in memory) and is sent again.
    await click(first, retryValue);
    await api.waitForCount('PUT', CREATE_MAPPING, 2, 10_000);
    expect(overrideSent()).toEqual([
      { propertyKey: 'cliniko.api.key', propertyValue: override, isSecure: true },
      { propertyKey: 'cliniko.api.key', propertyValue: override, isSecure: true },
    ]);
    const again = await slack.waitFor(
      'chat.update',
      (c) =>
        JSON.stringify(c.body.blocks).includes(SETUP_ACTION.retryMapping) && JSON.stringify(c.body).includes(parent),
    );
    const nextValue = (again.body.blocks as Json[]).find((b) => b.accessory?.action_id === SETUP_ACTION.retryMapping)
      ?.accessory.value as string;
    expect(await canaries.scan(first)).toEqual([]);
    await stopRunning();
    expect((await backing.dump()).filter((t) => t.includes(override) || t.includes(groupKey))).toEqual([]);

    // After a restart the override is gone: Retry says so and sends nothing.
    const second = await restart();
    const refused = await (await click(second, nextValue)).nextResponse();
    expect(refused.body.text).toBe(
      "This Retry needs the location's API key override, which the bot keeps in memory only and lost when it restarted. Nothing was sent. Run `/crm setup` again for the location.",
    );
    expect(api.count('PUT', CREATE_MAPPING)).toBe(2);
  }, 60_000);

  it('an interrupted bulk run resumes on the next instance: every row written exactly once, none lost', async () => {
    const first = await restart();
    api.clearRequests();
    api.always('GET', groupsPath(ENTERPRISE), { json: carecloudGroups(BULK_GROUP) });
    // The first 10 mappings are answered at once; the next ones are held in flight until the instance is stopping.
    let release: () => void = () => undefined;
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    let answered = 0;
    api.always('PUT', CREATE_MAPPING, () => (++answered <= 10 ? { json: {} } : { json: {}, until: held }));

    const runId = await bulkDryRun(first, bulkTable(BULK_ROWS));
    await first.sendBlockAction({ actions: [{ action_id: BULK_ACTIONS.confirm, value: runId }] });
    // 10 answered, then one held row per worker: the interruption comes at a known point.
    await api.waitForCount('PUT', CREATE_MAPPING, 13, 10_000);
    // What SIGTERM does (main.ts): stop taking rows, let those in flight finish and be recorded.
    const stopping = stopLocalRuns();
    release();
    await stopping;
    expect(api.count('PUT', CREATE_MAPPING)).toBe(13);
    expect((await loadRun(first.services.store, runId))?.status).toBe('running');

    const second = await restart();
    expect(await resumeInterruptedWork(second.services, second.app.client)).toEqual([runId]);
    await runFinished(runId);
    const run = await loadRun(second.services.store, runId);
    expect(run?.status).toBe('finished');
    expect(run?.rows.map((r) => r.state)).toEqual(Array(BULK_ROWS).fill('done'));

    const puts = api.requestsTo('PUT', CREATE_MAPPING).map((r) => r.json());
    expect(puts.map((b) => b.businessNumber).sort()).toEqual(
      Array.from({ length: BULK_ROWS }, (_, i) => bulkBusiness(i + 1)).sort(),
    );
    for (const body of puts) {
      const i = body.businessNumber - bulkBusiness(0);
      expect(body).toEqual({
        businessNumber: bulkBusiness(i),
        integrationGroupId: BULK_GROUP,
        active: true,
        integrationProperties: [
          { propertyKey: 'location_name', propertyValue: `Clinic ${i}` },
          { propertyKey: 'appointment_status', propertyValue: 'Checked-Out' },
        ],
      });
    }
  }, 60_000);

  it('/crm history and App Home show what happened before the restart', async () => {
    const bot = await restart();
    const history = (await (await bot.sendCommand(`history ${PARENT}`)).nextResponse()).body;
    const lines = (history.blocks as Json[]).filter((b) => b.type === 'section').map((b) => b.text.text as string);
    expect(lines.map((l) => /\*(\w+)\* (\w+)/.exec(l)?.slice(1))).toEqual([
      ['createGroup', 'succeeded'],
      ['createGroup', 'attempted'],
    ]);
    expect(lines[0]).toContain(`<@${TEST_USER}>`);
    expect(JSON.stringify(history.blocks)).toContain(HISTORY_BLOCKS.actions);

    const bulkRow = (await (await bot.sendCommand(`history ${bulkBusiness(1)}`)).nextResponse()).body;
    expect(JSON.stringify(bulkRow.blocks)).toContain('*createMapping* succeeded');

    slack.reset();
    await bot.sendEvent({ type: 'app_home_opened', user: TEST_USER, channel: 'D_TEST', tab: 'home' });
    const home = await slack.waitFor('views.publish', (c) => c.body.user_id === TEST_USER);
    const text = JSON.stringify(home.body.view);
    // The person's latest operations are the bulk run's mappings, written before the restart.
    expect(text).toContain('*createMapping* succeeded');
    const businesses = [...text.matchAll(/business (\d{15})/g)].map((m) => Number(m[1]));
    expect(businesses).toHaveLength(HOME_RECENT_LIMIT);
    const bulkRows = new Set(Array.from({ length: BULK_ROWS }, (_, i) => bulkBusiness(i + 1)));
    for (const business of businesses) expect(bulkRows).toContain(business);
  }, 60_000);
});

// ------------------------------------------------------------------ driving the flows

function bulkTable(rows: number): string {
  const lines = ['business id,Location Name,appointment_status'];
  for (let i = 1; i <= rows; i++) lines.push(`${bulkBusiness(i)},Clinic ${i},Checked-Out`);
  return lines.join('\n');
}

/** `/crm bulk` with a pasted table, up to the dry run; returns the run id on its Confirm button. */
async function bulkDryRun(bot: TestBot, table: string): Promise<string> {
  const before = bot.slack.calls.length;
  await bot.sendCommand(`bulk ${ENTERPRISE}`);
  const opened = await bot.slack.waitFor('views.open', (c) => bot.slack.calls.indexOf(c) >= before);
  expect(opened.body.view.callback_id).toBe(BULK_MODAL);
  await bot.sendViewSubmission({
    view: {
      callback_id: BULK_MODAL,
      private_metadata: opened.body.view.private_metadata,
      state: { values: bulkModalValues({ crmId: 'carecloud', table, groupId: String(BULK_GROUP) }) },
    },
  });
  const summary = await bot.slack.waitFor(
    'chat.postMessage',
    (c) => String(c.body.text).startsWith('Dry run') && bot.slack.calls.indexOf(c) >= before,
    10_000,
  );
  const confirm = (summary.body.blocks as Json[])
    .flatMap((b) => (b.elements ?? []) as Json[])
    .find((e) => e.action_id === BULK_ACTIONS.confirm)!;
  return confirm.value as string;
}
