import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { fixture } from '../support/fakes';
import { TEST_CHANNEL } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

const BUSINESS = '170000000000001';
const GROUPS_PATH = `/integration/businessintegrationgroup/${BUSINESS}`;

// biome-ignore lint/suspicious/noExplicitAny: walking Block Kit JSON
type Json = Record<string, any>;

function buttons(message: Json): Json[] {
  return (message.blocks as Json[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements as Json[]);
}

describe('/crm status', () => {
  const { bot, api } = useBot();

  it('shows an object-shaped group (CareCloud) with CRM, category, group ID, OAuth, triggers and buttons', async () => {
    api.on('GET', GROUPS_PATH, { json: fixture('group-carecloud.json') });
    const res = await bot.sendCommand(`status ${BUSINESS}`);
    expect(res.status).toBe(200);
    const reply = (await res.nextResponse()).body;
    expect(reply.response_type).toBe('ephemeral');
    const text = JSON.stringify(reply.blocks);
    // CRM, category, group ID, OAuth, trigger.
    for (const shown of ['CareCloud', 'Healthcare', '21000', 'Yes (OAuth)', 'CareCloud Appointment (ID 91)']) {
      expect(text).toContain(shown);
    }
    expect(reply.text).toContain(BUSINESS);

    const ids = buttons(reply).map((b) => b.action_id);
    expect(ids).toEqual([
      STATUS_ACTIONS.addLocation,
      STATUS_ACTIONS.updateTriggers,
      STATUS_ACTIONS.diagnose,
      STATUS_ACTIONS.reauth,
    ]);
    for (const b of buttons(reply)) {
      expect(JSON.parse(b.value)).toEqual({ businessNumber: BUSINESS, crmId: 'carecloud', groupId: 21000 });
    }
    expect(api.requests.map((r) => r.path)).toEqual([GROUPS_PATH]);
  });

  it('shows an array-shaped group (Nextech) and names a trigger the catalog lacks from the triggers endpoint', async () => {
    const group = fixture('group-nextech.json') as Json[];
    group[0]!.integrationGroupTriggers.push({ triggerId: 310, triggerTypeId: 1 }, { triggerId: 999, triggerTypeId: 1 });
    const triggers = [
      ...(fixture('triggers-nextech.json') as Json[]),
      { id: 310, displayName: 'Appointment Trigger Service', triggerName: 'Appointment Trigger' },
    ];
    api.on('GET', GROUPS_PATH, { json: group });
    api.on('GET', '/integration/trigger/integrationtriggers/sourceid/22', { json: triggers });
    const res = await bot.sendCommand(`status ${BUSINESS}`);
    const reply = (await res.nextResponse()).body;
    const text = JSON.stringify(reply.blocks);
    for (const shown of [
      'Nextech',
      '150',
      'No (credentials)',
      'Nextech Fulfilled Appointment Trigger (ID 24)',
      // Not in the catalog: named by the triggers endpoint, or by its id when the endpoint lacks it too.
      'Appointment Trigger Service (ID 310) _(name from the API)_',
      'trigger 999 (ID 999)',
    ]) {
      expect(text).toContain(shown);
    }
    expect(JSON.parse(buttons(reply)[0]!.value)).toEqual({ businessNumber: BUSINESS, crmId: 'nextech', groupId: 150 });
    // The triggers endpoint is read once per source, not once per trigger.
    expect(api.requests.filter((r) => r.path.includes('/trigger/')).length).toBe(1);
  });

  it('lists every group of a business that has several', async () => {
    api.on('GET', GROUPS_PATH, {
      json: [...(fixture('group-cloud9.json') as Json[]), fixture('group-carestack.json')],
    });
    const reply = (await (await bot.sendCommand(`status ${BUSINESS}`)).nextResponse()).body;
    expect(reply.blocks.length).toBeLessThanOrEqual(50);
    const values = buttons(reply).map((b) => JSON.parse(b.value));
    expect(values.map((v) => v.crmId)).toEqual(expect.arrayContaining(['cloud9-ortho', 'carestack']));
    expect(JSON.stringify(reply.blocks)).toContain('Dental');
  });

  it('says no group exists yet, with a setup hint, for an unknown business (404 or empty)', async () => {
    api.on('GET', GROUPS_PATH, { status: 404, json: { message: 'not found' } });
    const reply = (await (await bot.sendCommand(`status ${BUSINESS}`)).nextResponse()).body;
    expect(JSON.stringify(reply)).toContain(`No integration group exists for ${BUSINESS} yet`);
    expect(JSON.stringify(reply)).toContain('/crm setup');

    api.on('GET', GROUPS_PATH, { json: [] });
    const empty = (await (await bot.sendCommand(`status ${BUSINESS}`)).nextResponse()).body;
    expect(empty.text).toContain(`No integration group exists for ${BUSINESS} yet`);
  });

  it.each([
    ['', 'Give the 15-digit business ID'],
    ['12345', 'has 5 digits; business IDs have 15'],
    ['abc-not-an-id', 'That is not a business ID'],
  ])('refuses a bad business ID %p with a specific message and calls no API', async (arg, message) => {
    const reply = (await (await bot.sendCommand(`status ${arg}`)).nextResponse()).body;
    expect(reply.response_type).toBe('ephemeral');
    expect(reply.text).toContain(message);
    expect(api.requests).toHaveLength(0);
  });

  it('explains an API failure with the userMessage text', async () => {
    api.on('GET', GROUPS_PATH, { status: 401, json: {} });
    const reply = (await (await bot.sendCommand(`status ${BUSINESS}`)).nextResponse()).body;
    expect(reply.text).toContain('refused our credentials');
  });

  it.each(['share', '--share'])('posts in the channel with `%s`', async (word) => {
    api.on('GET', GROUPS_PATH, { json: fixture('group-cliniko.json') });
    await bot.sendCommand(`status ${BUSINESS} ${word}`);
    const post = await bot.slack.waitFor('chat.postMessage');
    expect(post.body.channel).toBe(TEST_CHANNEL);
    expect(JSON.stringify(post.body.blocks)).toContain('Cliniko');
    expect(buttons(post.body).map((b) => b.action_id)).toContain(STATUS_ACTIONS.diagnose);
  });

  it('falls back to an ephemeral answer when it cannot post in the channel', async () => {
    bot.slack.program('chat.postMessage', { json: { ok: false, error: 'not_in_channel' } });
    api.on('GET', GROUPS_PATH, { json: fixture('group-cliniko.json') });
    const res = await bot.sendCommand(`status ${BUSINESS} share`);
    const reply = await res.nextResponse((r) => JSON.stringify(r.body).includes('Cliniko'));
    expect(reply.body.response_type).toBe('ephemeral');
    expect(res.responses().some((r) => String(r.body.text).includes('could not post'))).toBe(true);
  });
});
