import { BULK_MODAL } from '../../src/flows/bulk/ids';
import { fixture } from '../support/fakes';
import { API_PATHS } from '../support/integration-api-standin';
import { useBot } from '../support/use-bot';

/** One reading of a typed business ID on every command: spaces, dashes and commas (as pasted) are dropped. */
const BUSINESS = '170000000000001';
const AS_PASTED = ['170 000 000 000 001', '170-000-000-000-001', '170,000,000,000,001'];

describe('a business ID typed with separators', () => {
  const { bot, api } = useBot();

  it.each(AS_PASTED)('/crm status %s reads the groups of the 15-digit number', async (typed) => {
    api.on('GET', API_PATHS.groups(BUSINESS), { json: fixture('group-carecloud.json') });
    const res = await bot.sendCommand(`status ${typed}`);
    const reply = (await res.nextResponse()).body;
    expect(reply.text).toContain(BUSINESS);
    expect(api.count('GET', API_PATHS.groups(BUSINESS))).toBe(1);
  });

  it.each(AS_PASTED)('/crm bulk %s opens the bulk modal for the 15-digit number', async (typed) => {
    api.on('GET', API_PATHS.groups(BUSINESS), { json: fixture('group-carecloud.json') });
    const res = await bot.sendCommand(`bulk ${typed}`);
    expect(res.status).toBe(200);
    const opened = await bot.slack.waitFor('views.open');
    expect(opened.body.view.callback_id).toBe(BULK_MODAL);
    expect(JSON.parse(opened.body.view.private_metadata)).toMatchObject({ enterpriseId: BUSINESS });
  });

  it('/crm bulk with a 14-digit number is refused with the usage, and opens nothing', async () => {
    const res = await bot.sendCommand('bulk 17000000000000');
    expect((await res.nextResponse()).body.text).toContain('Usage: `/crm bulk <enterprise id>`');
    expect(bot.slack.callsTo('views.open')).toHaveLength(0);
  });
});
