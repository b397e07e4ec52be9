import { HOME_ACTIONS, HOME_STATUS_MODAL } from '../../src/flows/home/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { SUBCOMMANDS } from '../../src/slack/register';
import type { Subcommand } from '../../src/slack/router';
import { recordAudits } from '../support/audit-entries';
import { fixture } from '../support/fakes';
import { startTestBot } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

// biome-ignore lint/suspicious/noExplicitAny: walking Block Kit JSON
type Json = Record<string, any>;
const BUSINESS = '170000000000321';

describe('App Home', () => {
  const { bot, api } = useBot();

  async function openHome(user: string): Promise<Json> {
    await bot.sendEvent({ type: 'app_home_opened', user, channel: 'D_TEST', tab: 'home' });
    const call = await bot.slack.waitFor('views.publish', (c) => c.body.user_id === user);
    return call.body.view;
  }

  it('publishes quick actions, the user’s recent operations and a reference per CRM, within 100 blocks', async () => {
    const serverError = { code: 'api_server_error', message: 'HTTP 500' };
    await recordAudits(bot.services.store, [
      ['2025-02-01T09:00:00.000Z', 'U_HOME', BUSINESS, 'cloud9-ortho', 'createGroup', 'succeeded'],
      ['2025-02-01T09:05:00.000Z', 'U_HOME', BUSINESS, 'cloud9-ortho', 'createMapping', 'failed', serverError],
      ['2025-02-01T09:06:00.000Z', 'U_SOMEONE_ELSE', '170000000000999', 'nextech', 'updateTriggers', 'succeeded'],
    ]);

    const view = await openHome('U_HOME');
    expect(view.type).toBe('home');
    expect(view.blocks.length).toBeLessThanOrEqual(100);
    const buttons = (view.blocks as Json[]).filter((b) => b.type === 'actions').flatMap((b) => b.elements as Json[]);
    expect(buttons.map((b) => b.action_id)).toEqual([HOME_ACTIONS.setup, HOME_ACTIONS.status, HOME_ACTIONS.diagnose]);
    expect(buttons.find((b) => b.action_id === HOME_ACTIONS.diagnose)!.value).toBe('{}');

    const text = JSON.stringify(view.blocks);
    expect(text).toContain(':x: *createMapping* failed · Cloud 9');
    expect(text).toContain(`business ${BUSINESS}`);
    expect(text).toContain(':white_check_mark: *createGroup* succeeded');
    expect(text).not.toContain('170000000000999');

    for (const crm of bot.services.catalog.crms) {
      expect(text).toContain(`*${crm.displayName}*`);
      // What to ask the client for is optional in the catalog: shown when the CRM's file lists it.
      if (crm.askClientFor[0]) expect(text).toContain(JSON.stringify(crm.askClientFor[0]).slice(1, 30));
      expect(text).toContain(`*${crm.groupProperties[0]?.label ?? crm.locationProperties[0]!.label}*`);
    }
    expect(text).toContain('Where to find each value');
    for (const block of view.blocks as Json[]) if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(3000);
  });

  it('says so when the user has no operations yet', async () => {
    const view = await openHome('U_NEWCOMER');
    expect(JSON.stringify(view.blocks)).toContain('No operations yet');
  });

  it('stays within 100 blocks with a large catalog', async () => {
    const { Catalog } = await import('../../src/catalog');
    const base = bot.services.catalog.crms;
    const many = Array.from({ length: 40 }, (_, i) => ({
      ...base[i % base.length]!,
      id: `crm-${i}`,
      displayName: `CRM ${i}`,
    }));
    const big = await startTestBot({ catalog: new Catalog(many), slack: bot.slack });
    try {
      await big.sendEvent({ type: 'app_home_opened', user: 'U_BIG', channel: 'D_TEST', tab: 'home' });
      const view = (await bot.slack.waitFor('views.publish', (c) => c.body.user_id === 'U_BIG')).body.view;
      expect(view.blocks.length).toBeLessThanOrEqual(100);
      expect(JSON.stringify(view.blocks)).toContain('Also supported');
    } finally {
      await big.stop();
    }
  });

  it('Status opens a small modal, checks the business ID inline, then shows the status in the modal', async () => {
    await bot.sendBlockAction({
      actions: [{ action_id: HOME_ACTIONS.status, value: '{}' }],
      view: { id: 'V_HOME', type: 'home' },
    });
    const open = await bot.slack.waitFor('views.open');
    expect(open.body.view.callback_id).toBe(HOME_STATUS_MODAL);
    const input = (open.body.view.blocks as Json[]).find((b) => b.type === 'input')!;
    const state = (value: string) => ({
      [input.block_id]: { [input.element.action_id]: { type: 'plain_text_input', value } },
    });

    const bad = await bot.sendViewSubmission({
      view: { callback_id: HOME_STATUS_MODAL, state: { values: state('12') } },
    });
    expect(bad.json()).toEqual({
      response_action: 'errors',
      errors: { [input.block_id]: expect.stringContaining('has 2 digits') },
    });

    api.on('GET', `/integration/businessintegrationgroup/${BUSINESS}`, { json: fixture('group-carestack.json') });
    const good = await bot.sendViewSubmission({
      view: { id: 'V_STATUS', callback_id: HOME_STATUS_MODAL, state: { values: state(BUSINESS) } },
    });
    expect(good.json()).toMatchObject({ response_action: 'update' });
    const update = await bot.slack.waitFor('views.update');
    expect(update.body.view_id).toBe('V_STATUS');
    const text = JSON.stringify(update.body.view.blocks);
    expect(text).toContain('Carestack');
    expect(text).toContain('23995');
    expect(text).toContain(STATUS_ACTIONS.addLocation);
    expect(update.body.view.title.text.length).toBeLessThanOrEqual(24);
  });

  it('Set up runs what `/crm setup` runs when it is registered, and otherwise shows a hint', async () => {
    const original = SUBCOMMANDS.setup;
    try {
      const seen: Json[] = [];
      SUBCOMMANDS.setup = {
        usage: '/crm setup',
        description: 'stand-in',
        run: async (ctx) => {
          seen.push({ trigger: ctx.command.trigger_id, user: ctx.command.user_id });
        },
      } satisfies Subcommand;
      await bot.sendBlockAction(
        { actions: [{ action_id: HOME_ACTIONS.setup, value: '{}' }], view: { id: 'V_HOME', type: 'home' } },
        { user: 'U_SETUP' },
      );
      await new Promise((r) => setTimeout(r, 50));
      expect(seen).toEqual([{ trigger: expect.any(String), user: 'U_SETUP' }]);

      delete SUBCOMMANDS.setup;
      await bot.sendBlockAction({
        actions: [{ action_id: HOME_ACTIONS.setup, value: '{}' }],
        view: { id: 'V_HOME', type: 'home' },
      });
      const hint = await bot.slack.waitFor('views.open');
      expect(JSON.stringify(hint.body.view)).toContain('/crm setup');
    } finally {
      if (original) SUBCOMMANDS.setup = original;
      else delete SUBCOMMANDS.setup;
    }
  });
});
