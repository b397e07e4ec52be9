import { loadCatalog } from '../../src/catalog';
import { BLOCK, parseLocationBlock, SETUP_ACTION, SETUP_CALLBACK } from '../../src/flows/setup/ids';
import { readAudit } from '../../src/operations/audit';
import { businessNumbers } from '../support/businesses';
import { goldenBodies, goldenSetup } from '../support/golden-fixtures';
import { API_PATHS } from '../support/integration-api-standin';
import { ManualClock } from '../support/manual-clock';
import { goldenAnswers, groupAnswer, setupToReview } from '../support/setup-driver';
import { TEST_CHANNEL } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

/**
 * Issue 11 case 1: a create-group that got no answer is *unknown*, and the bot keeps the intent so that
 * following its advice ("run /crm setup again") never makes a second group. Signed requests through the
 * harness; the integration API is the stand-in, whose create-group hangs past the deadline; the deadline
 * and the re-check window run on one manual clock (no sleeps).
 */

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies and Block Kit
type Json = Record<string, any>;

const OWNER = 'U_OWNER';
const DEADLINE_MS = 60_000;
const RECHECK_MINUTES = 10;

const nextParent = businessNumbers('1598943740');

/** The Cliniko SMB article's setup (its golden fixture), replayed for each test's own business. */
const CLINIKO = goldenSetup('cliniko/smb');
const CLINIKO_CRM = loadCatalog().get('cliniko');
const cliniko = (parent: string, viewId: string) => goldenAnswers(CLINIKO, { parent, viewId, user: OWNER });
const groupBody = (parent: string) => goldenBodies(CLINIKO, { parent }).group;
const mappingBody = (parent: string, groupId: number) => goldenBodies(CLINIKO, { parent, groupId }).mappings[0];
const group = (groupId: number): Json => groupAnswer(CLINIKO_CRM, groupId);

describe('a create-group with no answer is kept and re-checked before another create (issue 11, case 1)', () => {
  const clock = new ManualClock();
  const { bot, api } = useBot({
    clock,
    env: {
      ALLOWED_USER_IDS: OWNER,
      INTEGRATION_API_TIMEOUT_MS: String(DEADLINE_MS),
      CREATE_GROUP_RECHECK_MINUTES: String(RECHECK_MINUTES),
    },
  });
  /** Held create-group answers, released after each test (the bot stopped waiting long before). */
  let release: () => void = () => undefined;
  afterEach(() => release());

  const sent = (path: string): Json[] => api.requestsTo('PUT', path).map((r) => r.json());
  const auditOf = async (parent: string) =>
    (await readAudit(bot.services.store, { businessNumber: parent }, { limit: 20 })).entries
      .map((e) => [e.operation, e.outcome])
      .reverse();
  const viewUpdate = (viewId: string, title: string) =>
    bot.slack.waitFor('views.update', (c) => c.body.view_id === viewId && c.body.view?.title?.text === title);

  /** A setup whose create-group hangs past the deadline: reported unknown, the intent kept. */
  async function createHangs(parent: string, viewId: string) {
    const held = new Promise<void>((resolve) => {
      release = resolve;
    });
    api
      .on('GET', API_PATHS.groups(parent), { status: 404, json: {} })
      .on('PUT', API_PATHS.createGroup, { until: held, json: { groupId: 9999 } });
    const setup = await setupToReview(bot, cliniko(parent, viewId));
    api.on('GET', API_PATHS.groups(parent), { json: [] });
    const sentAt = clock.now();
    await setup.confirm();
    await api.waitForCount('PUT', API_PATHS.createGroup, 1);
    clock.advance(DEADLINE_MS);
    const posted = await bot.slack.waitFor('chat.postMessage', (c) => c.body.channel === TEST_CHANNEL);
    const text = JSON.stringify(posted.body);
    expect(text).toContain('whether it was created is *unknown*');
    expect(text).not.toContain('was not created');
    // Only what a re-check needs: no request, no answer, no secret.
    expect(await bot.services.store.get(`create-intent:${parent}:cliniko`)).toEqual({
      businessNumber: parent,
      crmId: 'cliniko',
      at: sentAt,
      userId: OWNER,
      idempotencyKey: `${viewId}:createGroup`,
      groupIdsBefore: [],
    });
    bot.slack.reset();
    return sentAt;
  }

  it('refuses a second create while unresolved, then offers the group once the first create lands', async () => {
    const parent = nextParent();
    await createHangs(parent, 'V_INTENT_1');

    // Setup again two minutes later: the groups are re-read, no group yet: the step says why it will not create.
    clock.advance(2 * 60_000 - DEADLINE_MS);
    api.always('GET', API_PATHS.groups(parent), { json: [] });
    const again = await setupToReview(bot, cliniko(parent, 'V_INTENT_2'));
    const banner = JSON.stringify(again.checked);
    expect(banner).toContain(
      `The create-group request <@${OWNER}> sent for business ${parent} on 2023-11-14 22:13 UTC`,
    );
    expect(banner).toContain('whether it created a Cliniko group is *unknown*');
    expect(banner).toContain(`Check \`/crm status ${parent}\``);
    expect(banner).toContain('refuses another create for 8 more minutes (until 22:23 UTC)');

    // Confirm: re-read, refused in words, nothing claimed, no second create.
    await again.confirm();
    const refused = (await viewUpdate('V_INTENT_2', 'Review Cliniko')).body.view;
    expect(JSON.stringify(refused)).toContain(':no_entry: Not created, nothing was sent.');
    expect(JSON.stringify(refused)).toContain('refuses another create for 8 more minutes');
    expect(api.count('PUT', API_PATHS.createGroup)).toBe(1);
    expect(await bot.services.store.get('setup:confirm:V_INTENT_2')).toBeUndefined();

    // The first create lands: Confirm again re-reads, finds the new group and offers it instead of creating.
    api.always('GET', API_PATHS.groups(parent), { json: [group(7101)] });
    bot.slack.reset();
    await again.confirm();
    const offered = (await bot.slack.waitFor('views.update', (c) => c.body.view?.callback_id === SETUP_CALLBACK.group))
      .body.view as Json;
    const offer = JSON.stringify(offered);
    expect(offer).toContain('but it did land: Cliniko group *7101* is new since then');
    const button = (offered.blocks as Json[]).find((b) => b.accessory?.action_id === SETUP_ACTION.useExisting);
    expect(button?.accessory.value).toBe('7101');
    expect(api.count('PUT', API_PATHS.createGroup)).toBe(1);
    expect(await bot.services.store.get(`create-intent:${parent}:cliniko`)).toBeUndefined();

    // "Add locations to it", then Confirm: one mapping into 7101, no create.
    const metadata = offered.private_metadata;
    await bot.sendBlockAction(
      {
        actions: [{ action_id: SETUP_ACTION.useExisting, value: '7101' }],
        view: {
          id: 'V_INTENT_2',
          callback_id: SETUP_CALLBACK.group,
          private_metadata: metadata,
          state: { values: {} },
        },
      },
      { user: OWNER },
    );
    const locations = (
      await bot.slack.waitFor('views.update', (c) => c.body.view?.callback_id === SETUP_CALLBACK.locations)
    ).body.view as Json;
    const uid = (locations.blocks as Json[])
      .map((b) => parseLocationBlock(String(b.block_id ?? '')))
      .find((b) => b?.field === 'businessNumber')?.uid;
    const review = (
      await bot.sendViewSubmission(
        {
          view: {
            id: 'V_INTENT_2',
            callback_id: SETUP_CALLBACK.locations,
            private_metadata: metadata,
            state: {
              values: {
                [BLOCK.location(uid ?? '', 'businessNumber')]: { value: { type: 'plain_text_input', value: '' } },
                [BLOCK.location(uid ?? '', 'cliniko.location.name')]: {
                  value: { type: 'plain_text_input', value: 'New York' },
                },
              },
            },
          },
        },
        { user: OWNER },
      )
    ).json().view;
    expect(review.callback_id).toBe(SETUP_CALLBACK.review);
    api.on('PUT', API_PATHS.mapping, { json: {} });
    await bot.sendViewSubmission(
      {
        view: {
          id: 'V_INTENT_2',
          callback_id: SETUP_CALLBACK.review,
          private_metadata: metadata,
          state: { values: {} },
        },
      },
      { user: OWNER },
    );
    await viewUpdate('V_INTENT_2', 'Setup finished');
    expect(sent(API_PATHS.mapping)).toEqual([mappingBody(parent, 7101)]);
    expect(sent(API_PATHS.createGroup)).toEqual([groupBody(parent)]);

    // The trail: the unknown create, the refusal, and the re-check that found it landed.
    expect(await auditOf(parent)).toEqual([
      ['createGroup', 'attempted'],
      ['createGroup', 'unknown'],
      ['createGroup.recheck', 'refused'],
      ['createGroup.recheck', 'succeeded'],
      ['createMapping', 'attempted'],
      ['createMapping', 'succeeded'],
    ]);
  });

  it('after the window with no group, says the create apparently did not land and creates once', async () => {
    const parent = nextParent();
    await createHangs(parent, 'V_INTENT_3');
    clock.advance(RECHECK_MINUTES * 60_000);

    api
      .always('GET', API_PATHS.groups(parent), { json: [] })
      .on('PUT', API_PATHS.createGroup, { json: { groupId: 7201 } })
      .on('PUT', API_PATHS.mapping, { json: {} });
    const again = await setupToReview(bot, cliniko(parent, 'V_INTENT_4'));
    expect(JSON.stringify(again.checked)).toContain(
      'and no new Cliniko group showed within 10 minutes: it apparently did not land. Confirm sends the create again.',
    );
    expect(JSON.stringify(again.review)).toContain('it apparently did not land');
    await again.confirm();
    await viewUpdate('V_INTENT_4', 'Setup finished');
    // The hung create and this one: sent once more, exactly.
    expect(sent(API_PATHS.createGroup)).toEqual([groupBody(parent), groupBody(parent)]);
    expect(sent(API_PATHS.mapping)).toEqual([mappingBody(parent, 7201)]);
    expect(await auditOf(parent)).toEqual([
      ['createGroup', 'attempted'],
      ['createGroup', 'unknown'],
      ['createGroup.recheck', 'failed'],
      ['createGroup', 'attempted'],
      ['createGroup', 'succeeded'],
      ['createMapping', 'attempted'],
      ['createMapping', 'succeeded'],
    ]);
  });
});
