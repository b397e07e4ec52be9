import { HOME_ACTIONS, HOME_STATUS_MODAL } from '../../src/flows/home/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { saveConfigRecord } from '../../src/operations/config-records';
import { fixture } from '../support/fakes';
import { API_PATHS } from '../support/integration-api-standin';
import type { Json } from '../support/payloads';
import { TEST_CHANNEL } from '../support/slack-harness';
import { useBot, useLogStore } from '../support/use-bot';

const BUSINESS = '170000000000001';
const GROUPS_PATH = API_PATHS.groups(BUSINESS);
const NOW = Date.parse('2026-12-01T12:00:00.000Z');

const UNAUTHORIZED = {
  _index: 'integration-errors-2026.11.30',
  _source: {
    '@timestamp': '2026-11-30T06:00:00.000Z',
    businessNumber: BUSINESS,
    integrationSourceId: 22,
    statusCode: 401,
    message: 'Nextech API answered 401 Unauthorized while fetching appointments',
  },
};
const LOCATIONS = {
  _index: 'integration-errors-2026.11.29',
  _source: {
    '@timestamp': '2026-11-29T06:00:00.000Z',
    businessNumber: BUSINESS,
    integrationSourceId: 22,
    message: 'configured locations do not exist in nextech',
    crm_locations: ['Dermatology Center', 'Oncology'],
  },
};
const WITH_PATIENT = {
  _index: 'integration-errors-2026.11.28',
  _source: {
    '@timestamp': '2026-11-28T06:00:00.000Z',
    businessNumber: BUSINESS,
    integrationSourceId: 22,
    statusCode: 422,
    message: 'Could not create customer jane.doe@example.com (555) 123-4567',
  },
};
const TOO_OLD = {
  _index: 'integration-errors-2026.11.01',
  _source: { '@timestamp': '2026-11-01T06:00:00.000Z', businessNumber: BUSINESS, message: 'old error' },
};
const OTHER_BUSINESS = {
  _index: 'integration-errors-2026.11.30',
  _source: { '@timestamp': '2026-11-30T07:00:00.000Z', businessNumber: '170000000000099', message: 'not ours' },
};

function sections(blocks: Json[]): string[] {
  return blocks.filter((b) => b.type === 'section' && b.text).map((b) => b.text.text as string);
}

describe('/crm status with integration errors from the error index', () => {
  const logs = useLogStore();
  const { bot, api } = useBot(() => ({ env: { LOG_SEARCH_URL: logs.url } }));
  beforeEach(() => {
    logs.reset();
    logs.now = () => NOW;
    logs.seed(UNAUTHORIZED, LOCATIONS, WITH_PATIENT, TOO_OLD, OTHER_BUSINESS);
    api.on('GET', GROUPS_PATH, { json: fixture('group-nextech.json') });
  });

  async function status(text = `status ${BUSINESS}`) {
    const res = await bot.sendCommand(text);
    return (await res.nextResponse()).body;
  }

  it('searches the last 7 days newest first (5 at most) and shows them after the groups', async () => {
    const reply = await status();
    expect(logs.requests).toHaveLength(1);
    expect(logs.requests[0]!.path).toBe('/integration-errors*/_search');
    expect(logs.requests[0]!.body).toEqual({
      size: 5,
      sort: [{ '@timestamp': { order: 'desc', unmapped_type: 'date' } }],
      track_total_hits: false,
      query: {
        bool: {
          filter: [{ range: { '@timestamp': { gte: 'now-7d', lte: 'now' } } }, { term: { businessNumber: BUSINESS } }],
        },
      },
    });
    const texts = sections(reply.blocks);
    const start = texts.indexOf('*Latest integration errors* (last 7 days, from integration-errors*, newest first)');
    expect(start).toBeGreaterThan(0);
    const errors = texts.slice(start + 1);
    expect(errors).toHaveLength(3);
    expect(errors[0]).toBe(
      [
        '*2026-11-30 06:00 UTC* · Nextech · HTTP 401',
        'Nextech API answered 401 Unauthorized while fetching appointments',
        'Unauthorized: the credentials were wrong or have expired; re-authorize the business.',
      ].join('\n'),
    );
    expect(errors[2]).toContain('Could not create customer jane.doe@example.com (555) 123-4567');
    expect(JSON.stringify(reply.blocks)).not.toContain('old error');
    expect(JSON.stringify(reply.blocks)).not.toContain('not ours');
  });

  it('a 401 offers the re-authorize flow for that group', async () => {
    const reply = await status();
    const withButton = (reply.blocks as Json[]).filter((b) => b.accessory);
    expect(withButton).toHaveLength(1);
    expect(withButton[0]!.accessory.action_id).toBe(STATUS_ACTIONS.reauth);
    const value = JSON.parse(withButton[0]!.accessory.value);
    expect(value).toEqual({ businessNumber: BUSINESS, crmId: 'nextech', groupId: 150 });
    const clicked = await bot.sendBlockAction({
      actions: [{ action_id: STATUS_ACTIONS.reauth, value: withButton[0]!.accessory.value }],
      message: { ts: '1700000000.000100', text: 'status' },
    });
    const steps = await clicked.nextResponse();
    expect(steps.body.response_type).toBe('ephemeral');
    expect(JSON.stringify(steps.body.blocks)).toContain('Nextech');
  });

  it('a crm_locations error explains the configured location names against the CRM’s', async () => {
    await saveConfigRecord(bot.services.store, {
      businessNumber: BUSINESS,
      crmId: 'nextech',
      accountType: 'smb',
      groupId: 150,
      groupProperties: {},
      locationProperties: { 'location.name': 'Dermatology|Oncology' },
      secretKeysSet: [],
      updatedBy: 'U_TEST_USER',
      updatedAt: '2026-11-01T00:00:00.000Z',
    });
    const reply = await status();
    const text = sections(reply.blocks).find((t) => t.includes('configured locations do not exist'));
    expect(text).toBe(
      [
        '*2026-11-29 06:00 UTC* · Nextech',
        'configured locations do not exist in nextech',
        "Nextech has these locations: 'Dermatology Center', 'Oncology'.",
        "Configured in Nextech location names (`location.name`): 'Dermatology', 'Oncology'.",
        "• 'Dermatology' does not exist in Nextech: did you mean 'Dermatology Center'? Names must match exactly.",
      ].join('\n'),
    );
  });

  it('without a configuration record it says so and lists the CRM’s names', async () => {
    await bot.services.store.delete(`config:${BUSINESS}`);
    const reply = await status();
    const text = sections(reply.blocks).find((t) => t.includes('configured locations do not exist'));
    expect(text).toContain("Nextech has these locations: 'Dermatology Center', 'Oncology'.");
    expect(text).toContain('The bot has no record of the names configured in Nextech location names (`location.name`)');
  });

  it('shared in the channel, error texts mask emails and phones', async () => {
    await bot.sendCommand(`status ${BUSINESS} share`);
    const posted = await bot.slack.waitFor('chat.postMessage');
    expect(posted.body.channel).toBe(TEST_CHANNEL);
    const text = JSON.stringify(posted.body.blocks);
    expect(text).toContain('Could not create customer j***@e***.com ***67');
    expect(text).not.toContain('jane.doe');
    expect(text).not.toContain('123-4567');
  });

  it('no errors: says so; a log store fault: one line, the status is still shown', async () => {
    logs.reset();
    logs.now = () => NOW;
    let reply = await status();
    expect(JSON.stringify(reply.blocks)).toContain(
      'No integration errors for this business (last 7 days, from integration-errors*).',
    );
    logs.fault({ kind: 'status', status: 403 });
    api.on('GET', GROUPS_PATH, { json: fixture('group-nextech.json') });
    reply = await status();
    const all = JSON.stringify(reply.blocks);
    expect(all).toContain('Nextech Fulfilled Appointment Trigger (ID 24)');
    expect(all).toContain(
      ':warning: Integration errors unavailable: The log store does not let the bot read integration-errors* (403)',
    );
  });

  it('App Home’s Status modal shows the same errors, with the Re-authorize button', async () => {
    await bot.sendBlockAction({
      actions: [{ action_id: HOME_ACTIONS.status, value: '{}' }],
      view: { id: 'V_HOME', type: 'home' },
    });
    const open = await bot.slack.waitFor('views.open');
    const input = (open.body.view.blocks as Json[]).find((b) => b.type === 'input')!;
    const values = { [input.block_id]: { [input.element.action_id]: { type: 'plain_text_input', value: BUSINESS } } };
    await bot.sendViewSubmission({ view: { id: 'V_STATUS', callback_id: HOME_STATUS_MODAL, state: { values } } });
    const update = await bot.slack.waitFor('views.update');
    const blocks = update.body.view.blocks as Json[];
    expect(sections(blocks)).toContain(
      '*Latest integration errors* (last 7 days, from integration-errors*, newest first)',
    );
    expect(blocks.filter((b) => b.accessory?.action_id === STATUS_ACTIONS.reauth)).toHaveLength(1);
    expect(blocks.length).toBeLessThanOrEqual(100);
  });
});
