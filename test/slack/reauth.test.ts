import { FIX_DONE } from '../../src/flows/diagnose/ids';
import {
  REAUTH_CREDENTIAL_MODAL,
  REAUTH_ENTER_CREDENTIAL,
  REAUTH_FIELDS,
  REAUTH_MAPPING_MODAL,
} from '../../src/flows/reauth/ids';
import { STATUS_ACTIONS } from '../../src/flows/status/ids';
import { readAudit } from '../../src/operations/audit';
import { type ConfigRecord, readConfigRecord, saveConfigRecord } from '../../src/operations/config-records';
import { withModalClosed } from '../support/closed-modal';
import { mappingBody, sentMapping, serveGroup } from '../support/diagnose-fixes';
import { API_PATHS } from '../support/integration-api-standin';
import { actionButtons as buttons, textField as input, type Json, sectionText } from '../support/payloads';
import { TEST_CHANNEL, TEST_USER } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

const MAPPING = API_PATHS.mapping;
const CANARY = 'canary-credential-91b2e7d4-do-not-leak';

describe('re-authorize', () => {
  const { bot, api } = useBot();
  const writes = () => api.writes();

  it.each([
    ['carecloud', 'Scroll down to CRM Integrations and click "Authorize CareCloud".', undefined],
    [
      'nextech',
      'raise a ticket at the Nextech support portal with the practice ID',
      'the Nextech Partner Portal (Birdeye API Setup case, Group ID)',
    ],
    ['cliniko', 'Manage API keys', "the clinic's Cliniko user (My info, Manage API keys)"],
    ['carestack', 'emailing Carestack support', 'the client, who gets it from Carestack support'],
    ['cloud9-ortho', 'integrations@cloud9.software', undefined],
  ])('/crm reauth %s shows the catalog steps', async (crmId, step, obtainFrom) => {
    const res = await bot.sendCommand(`reauth ${crmId}`);
    const reply = (await res.nextResponse()).body;
    expect(reply.response_type).toBe('ephemeral');
    const text = sectionText(reply.blocks);
    const crm = bot.services.catalog.get(crmId);
    expect(text).toContain(`Re-authorize ${crm.displayName}`);
    crm.reauth.steps.forEach((s, i) => {
      expect(text).toContain(`${i + 1}. ${s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')}`);
    });
    expect(text).toContain(step);
    if (obtainFrom) {
      expect(text).toContain(obtainFrom);
      expect(buttons(reply.blocks).map((b) => b.action_id)).toEqual([REAUTH_ENTER_CREDENTIAL]);
    } else {
      expect(buttons(reply.blocks)).toEqual([]);
    }
  });

  it('/crm reauth <business> reads the group for the CRM (Nextech), never showing a practice ID value', async () => {
    const business = '170000000000201';
    serveGroup(api, business, 'nextech');
    const res = await bot.sendCommand(`reauth ${business}`);
    const reply = (await res.nextResponse()).body;
    const text = sectionText(reply.blocks);
    expect(text).toContain('*Re-authorize Nextech*');
    expect(text).toContain('A 401 Unauthorized');
    expect(text).toContain(`for business ${business}`);
    expect(text).not.toMatch(/[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/);
  });

  it('status_reauth on a message (the /crm status button) answers with the steps', async () => {
    const res = await bot.sendBlockAction({
      message: { ts: '1700000000.000100', text: 'status' },
      actions: [
        {
          action_id: STATUS_ACTIONS.reauth,
          value: JSON.stringify({ businessNumber: '170000000000202', crmId: 'carecloud', groupId: 21000 }),
        },
      ],
    });
    const reply = (await res.nextResponse()).body;
    expect(reply.response_type).toBe('ephemeral');
    expect(JSON.stringify(reply.blocks)).toContain('Authorize CareCloud');
    expect(api.requests).toHaveLength(0);
  });

  it('status_reauth in the diagnosis modal pushes the steps', async () => {
    await bot.sendBlockAction({
      view: { id: 'V_DIAG' },
      actions: [{ action_id: STATUS_ACTIONS.reauth, value: JSON.stringify({ crmId: 'cliniko' }) }],
    });
    const pushed = await bot.slack.waitFor('views.push');
    expect(pushed.body.view.title.text).toBe('Re-authorize');
    const update = await bot.slack.waitFor('views.update');
    expect(JSON.stringify(update.body.view.blocks)).toContain('Cliniko uses an API key');
  });

  it('status_reauth in a modal closed before the steps were read: no failure', async () => {
    const logged = await withModalClosed(bot, () =>
      bot.sendBlockAction({
        view: { id: 'V_DIAG_CLOSED' },
        actions: [{ action_id: STATUS_ACTIONS.reauth, value: JSON.stringify({ crmId: 'cliniko' }) }],
      }),
    );
    // The steps were read and sent; Slack had nothing left to show them in.
    expect(JSON.stringify(bot.slack.callsTo('views.update').at(-1)?.body.view.blocks)).toContain(
      'Cliniko uses an API key',
    );
    expect(logged.some((line) => line.msg === 'Slack listener failed')).toBe(false);
  });

  /** /crm reauth <crm> → Enter new credential → the modal. */
  async function openCredentialModal(crm: string): Promise<Json> {
    const res = await bot.sendCommand(`reauth ${crm}`);
    const reply = (await res.nextResponse()).body;
    const button = buttons(reply.blocks)[0]!;
    await bot.sendBlockAction({
      message: { ts: '1700000000.000100' },
      actions: [{ action_id: REAUTH_ENTER_CREDENTIAL, value: button.value }],
    });
    return (await bot.slack.waitFor('views.open')).body.view;
  }

  it('Cliniko: a new API key is set at location level (isSecure true); the canary leaks nowhere', async () => {
    const business = '170000000000203';
    const form = await openCredentialModal('cliniko');
    expect(form.callback_id).toBe(REAUTH_MAPPING_MODAL);
    const ids = form.blocks.filter((b: Json) => b.type === 'input').map((b: Json) => b.block_id);
    expect(ids).toEqual([
      REAUTH_FIELDS.business,
      REAUTH_FIELDS.current('cliniko.location.name'),
      REAUTH_FIELDS.current('customer.fetch.delay'),
    ]);

    serveGroup(api, business, 'cliniko');
    api.on('PUT', MAPPING, { json: {} });
    const preview = await bot.sendViewSubmission({
      view: {
        id: 'V_CRED',
        callback_id: REAUTH_MAPPING_MODAL,
        private_metadata: form.private_metadata,
        state: {
          values: {
            [REAUTH_FIELDS.business]: input(business),
            [REAUTH_FIELDS.current('cliniko.location.name')]: input('Main'),
            [REAUTH_FIELDS.current('customer.fetch.delay')]: input(null),
          },
        },
      },
    });
    const view = preview.json().view;
    expect(view.callback_id).toBe(REAUTH_CREDENTIAL_MODAL);
    expect(
      view.blocks.find((b: Json) => b.block_id === REAUTH_FIELDS.credential).element.initial_value,
    ).toBeUndefined();
    expect(writes()).toHaveLength(0);
    const ack = await bot.sendViewSubmission({
      view: {
        id: 'V_CRED',
        callback_id: REAUTH_CREDENTIAL_MODAL,
        private_metadata: view.private_metadata,
        state: { values: { [REAUTH_FIELDS.credential]: input(CANARY) } },
      },
    });
    expect(ack.json()).toMatchObject({ response_action: 'update' });
    const done = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
    expect(JSON.stringify(done.body.view.blocks)).toContain(
      `set a new API key override on the Cliniko mapping of business ${business} (location level)`,
    );
    expect(writes()).toHaveLength(1);
    expect(sentMapping(api)).toEqual(
      mappingBody({ businessNumber: 170000000000203, integrationGroupId: 22253, test: false, beta: false }, [
        { propertyKey: 'cliniko.location.name', propertyValue: 'Main', isSecure: false },
        { propertyKey: 'cliniko.api.key', propertyValue: CANARY, isSecure: true },
        { propertyKey: 'customer.fetch.delay', propertyValue: '0', isSecure: false },
      ]),
    );
    const posted = await bot.slack.waitFor('chat.postMessage');
    expect(posted.body.channel).toBe(TEST_CHANNEL);
    expect(posted.body.text).toContain(`<@${TEST_USER}> set a new API key override`);

    const saved = await readConfigRecord(bot.services.store, business);
    expect(saved?.secretKeysSet).toEqual(['location:cliniko.api.key']);
    expect(JSON.stringify(bot.slack.calls)).not.toContain(CANARY);
    expect(JSON.stringify(bot.slack.responses)).not.toContain(CANARY);
    expect(ack.text).not.toContain(CANARY);
    expect(JSON.stringify((await readAudit(bot.services.store, 'all', { limit: 100 })).entries)).not.toContain(CANARY);
    expect(
      JSON.stringify((await readAudit(bot.services.store, { businessNumber: business }, { limit: 10 })).entries),
    ).not.toContain(CANARY);
    expect(JSON.stringify(saved)).not.toContain(CANARY);
    expect(bot.logText()).not.toContain(CANARY);
  });

  it('Carestack: the account key override with the ConfigRecord for the other properties', async () => {
    const business = '170000000000204';
    const existing: ConfigRecord = {
      businessNumber: business,
      crmId: 'carestack',
      accountType: 'enterprise',
      groupId: 23995,
      groupProperties: { 'carestack.customer.domain': 'partners.sb' },
      locationProperties: { 'carestack.appointment.status': 'Arrived, Completed', 'carestack.location.id': '1, 19031' },
      secretKeysSet: ['group:carestack.account.key', 'group:carestack.account.id'],
      updatedBy: 'U_SETUP',
      updatedAt: '2025-01-01T00:00:00.000Z',
    };
    await saveConfigRecord(bot.services.store, existing);
    serveGroup(api, business, 'carestack');
    const res = await bot.sendCommand(`reauth ${business}`);
    const reply = (await res.nextResponse()).body;
    expect(JSON.stringify(reply.blocks)).toContain('the client, who gets it from Carestack support');
    await bot.sendBlockAction({
      message: { ts: '1700000000.000100' },
      actions: [{ action_id: REAUTH_ENTER_CREDENTIAL, value: buttons(reply.blocks)[0]!.value }],
    });
    const view = (await bot.slack.waitFor('views.open')).body.view;
    const ids = view.blocks.filter((b: Json) => b.type === 'input').map((b: Json) => b.block_id);
    // The bot knows the business and its mapping: straight to the confirm step.
    expect(ids).toEqual([REAUTH_FIELDS.credential]);

    api.on('PUT', MAPPING, { json: {} });
    await bot.sendViewSubmission({
      view: {
        id: 'V_CRED2',
        callback_id: REAUTH_CREDENTIAL_MODAL,
        private_metadata: view.private_metadata,
        state: { values: { [REAUTH_FIELDS.credential]: input(CANARY) } },
      },
    });
    await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
    expect(sentMapping(api)).toEqual(
      mappingBody({ businessNumber: 170000000000204, integrationGroupId: 23995, test: false, beta: false }, [
        { propertyKey: 'carestack.appointment.status', propertyValue: 'Arrived, Completed', isSecure: false },
        { propertyKey: 'carestack.location.id', propertyValue: '1, 19031', isSecure: false },
        { propertyKey: 'carestack.account.key', propertyValue: CANARY, isSecure: true },
      ]),
    );
    expect(JSON.stringify(bot.slack.calls)).not.toContain(CANARY);
    expect(bot.logText()).not.toContain(CANARY);
  });

  it('refuses a missing credential and a malformed Nextech practice ID inline, without echoing it', async () => {
    const view = await openCredentialModal('nextech');
    const submit = (credential: string | null) =>
      bot.sendViewSubmission({
        view: {
          id: 'V_CRED3',
          callback_id: REAUTH_CREDENTIAL_MODAL,
          private_metadata: view.private_metadata,
          state: {
            values: {
              [REAUTH_FIELDS.credential]: input(credential),
              [REAUTH_FIELDS.business]: input('170000000000205'),
            },
          },
        },
      });
    expect((await submit(null)).json()).toEqual({
      response_action: 'errors',
      errors: { [REAUTH_FIELDS.credential]: 'Enter the new credential.' },
    });
    const bad = await submit(`not-a-uuid-${CANARY}`);
    expect(bad.json().response_action).toBe('errors');
    expect(bad.text).not.toContain(CANARY);
    expect(writes()).toHaveLength(0);
    expect(bot.logText()).not.toContain(CANARY);
  });
});
