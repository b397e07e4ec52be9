import { exampleValue } from '../../src/bulk/validate';
import type { AccountType, CrmDefinition } from '../../src/catalog';
import { loadCatalog } from '../../src/catalog';
import { DIAGNOSE_ANSWER, FIX_CONFIRM, FIX_DONE, FIX_FIELDS, FIX_INPUTS, FIX_OPEN } from '../../src/flows/diagnose/ids';
import {
  REAUTH_CREDENTIAL_MODAL,
  REAUTH_ENTER_CREDENTIAL,
  REAUTH_FIELDS,
  REAUTH_MAPPING_MODAL,
} from '../../src/flows/reauth/ids';
import { readAudit } from '../../src/operations/audit';
import { diagnoseSubmission } from '../support/diagnose-surfaces';
import { API_PATHS } from '../support/integration-api-standin';
import { buttons, field, type Json, staticSelect, submission, textFields } from '../support/payloads';
import { groupAnswer } from '../support/setup-driver';
import { TEST_CHANNEL, TEST_USER } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

/**
 * Issue 11, cases 5 and 6: the fix and re-auth forms. A person who may not write is refused at the
 * button that opens the form (and the refusal is audited).
 */

const WRITER = 'U_WRITER';
const READER = TEST_USER;

const CANARY = 'canary-credential-5e0c2a71-do-not-leak';
/** A valid credential per format (Nextech's practice ID is a UUID) that carries the canary where it can. */
const credentialFor = (format: string) => (format === 'uuid' ? '00000000-0000-4000-8000-00000000c0de' : CANARY);

/** Every (CRM, account type) of the catalog: the cases are data, not one test per CRM. */
const CATALOG = loadCatalog();
const CASES: Array<[string, AccountType]> = CATALOG.crms.flatMap((crm) =>
  crm.accountTypes.map((type): [string, AccountType] => [crm.id, type]),
);

/**
 * The mapping's current values as someone without the bot's record types them: what the account type
 * requires, every optional one left blank (the case the issue reproduced).
 */
function typedCurrentValues(crm: CrmDefinition, type: AccountType): Record<string, string | null> {
  return Object.fromEntries(
    crm.locationProperties
      .filter((def) => !def.secret)
      .map((def) => [FIX_FIELDS.current(def.key), def.requirement[type] === 'required' ? exampleValue(def) : null]),
  );
}

/** The body the bot must send: the typed values, then documented defaults, in the catalog's order. */
function expectedBody(crm: CrmDefinition, type: AccountType, business: string, groupId: number, extra: Json[]): Json {
  const properties = crm.locationProperties
    .filter((def) => !def.secret && def.requirement[type] !== 'absent')
    .map((def) => ({ def, value: def.requirement[type] === 'required' ? exampleValue(def) : undefined }))
    .filter(({ value }) => value !== undefined)
    .map(({ def, value }) => entry(crm, def.key, value!));
  properties.push(...extra);
  for (const def of crm.locationProperties) {
    if (def.requirement[type] === 'required' || def.requirement[type] === 'absent' || def.default === undefined)
      continue;
    properties.push(entry(crm, def.key, def.default));
  }
  return {
    businessNumber: Number(business),
    integrationGroupId: groupId,
    active: true,
    ...(properties.length > 0 ? { integrationProperties: properties } : {}),
    ...(crm.mappingSendsTestAndBeta ? { test: false } : {}),
    beta: false,
  };
}

function entry(crm: CrmDefinition, key: string, value: string): Json {
  const def = crm.locationProperties.find((d) => d.key === key)!;
  return def.isSecure === undefined
    ? { propertyKey: key, propertyValue: value }
    : { propertyKey: key, propertyValue: value, isSecure: def.isSecure };
}

/** The optional non-secret properties left blank and without a default: the request clears them. */
function clearedByBlanks(crm: CrmDefinition, type: AccountType): string[] {
  return crm.locationProperties
    .filter((d) => !d.secret && d.requirement[type] === 'optional' && d.default === undefined)
    .map((d) => `${d.label} (\`${d.key}\`)`);
}

const inputIds = (view: Json): string[] =>
  view.blocks.filter((b: Json) => b.type === 'input').map((b: Json) => b.block_id);

describe('write-safety of the fix and re-auth forms', () => {
  const { bot, api } = useBot({ env: { ALLOWED_USER_IDS: WRITER } });
  const writes = () => api.writes();

  /** The diagnose modal submitted with a CRM and reason (no business: nothing is read); the answer view. */
  async function diagnose(crm: string, reason: string, user: string): Promise<Json> {
    const viewId = `V_DIAG_${crm}`;
    await bot.sendViewSubmission(
      diagnoseSubmission({ crm, reason }, { id: viewId, private_metadata: JSON.stringify({ c: TEST_CHANNEL }) }),
      { user },
    );
    const call = await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === DIAGNOSE_ANSWER);
    return call.body.view as Json;
  }

  /** The view says why and whom to ask, has nothing to fill in, and the refusal is the reader's latest audit entry. */
  async function expectRefusedWithoutForm(view: Json, operation: string) {
    expect(inputIds(view)).toEqual([]);
    expect(view.submit).toBeUndefined();
    expect(JSON.stringify(view.blocks)).toContain(
      `You can read everything here, but changing integrations is limited to <@${WRITER}>.`,
    );
    const audit = (await readAudit(bot.services.store, { userId: READER }, { limit: 20 })).entries;
    expect(audit[0]).toMatchObject({
      userId: READER,
      crmId: 'cliniko',
      operation,
      outcome: 'refused',
      error: { code: 'forbidden' },
    });
    expect(writes()).toEqual([]);
  }

  /**
   * Fills the form as someone without the bot's record does, for a business whose group the API lists:
   * the business, the current values typed, the account type where the form asks it. The next view.
   */
  async function submitTyped(
    form: Json,
    fields: { business: string; accountType: string },
    { crm, type, business, groupId }: { crm: CrmDefinition; type: AccountType; business: string; groupId: number },
    viewId: string,
  ): Promise<Json> {
    api.on('GET', API_PATHS.groups(business), { json: groupAnswer(crm, groupId) });
    const values = {
      ...textFields({ [fields.business]: business, ...typedCurrentValues(crm, type) }),
      ...(inputIds(form).includes(fields.accountType) ? { [fields.accountType]: field(staticSelect(type)) } : {}),
    };
    const next = await bot.sendViewSubmission(
      submission(form.callback_id, values, { id: viewId, private_metadata: form.private_metadata }),
      { user: WRITER },
    );
    return next.json().view as Json;
  }

  describe('case 6: a person who may not write is refused at the button, and it is audited', () => {
    it('the fix button opens no form for them', async () => {
      const answer = await diagnose('cliniko', 'Integration is beta', READER);
      const fix = buttons(answer.blocks).find((b) => b.action_id === FIX_OPEN);
      expect(fix).toBeDefined();
      bot.slack.reset();
      await bot.sendBlockAction(
        { view: { id: 'V_DIAG_cliniko' }, actions: [{ action_id: FIX_OPEN, value: fix!.value }] },
        { user: READER },
      );
      const pushed = (await bot.slack.waitFor('views.push')).body.view as Json;
      expect(pushed.callback_id).toBe(FIX_DONE);
      await expectRefusedWithoutForm(pushed, 'fix.setBetaFalse');
    });

    it('"Enter new credential" opens no form for them', async () => {
      const res = await bot.sendCommand('reauth cliniko', { user: READER });
      const reply = (await res.nextResponse()).body;
      const button = buttons(reply.blocks).find((b) => b.action_id === REAUTH_ENTER_CREDENTIAL);
      expect(button).toBeDefined();
      await bot.sendBlockAction(
        {
          message: { ts: '1700000000.000100' },
          actions: [{ action_id: REAUTH_ENTER_CREDENTIAL, value: button!.value }],
        },
        { user: READER },
      );
      await expectRefusedWithoutForm((await bot.slack.waitFor('views.open')).body.view, 'reauth.credential');
    });
  });

  describe('case 5: a blank current value is named in the preview as cleared, and the body is what the preview shows', () => {
    const BETA_CASES = CASES.filter(([crmId]) => CATALOG.get(crmId).reasons.some((r) => r.fix.kind === 'setBetaFalse'));
    it.each(BETA_CASES)('fix "beta off" without the bot\'s record: %s, %s', async (crmId, type) => {
      const crm = bot.services.catalog.get(crmId);
      const reason = crm.reasons.find((r) => r.fix.kind === 'setBetaFalse')!;
      const business = `17000000000${String(500 + CASES.findIndex(([c, t]) => c === crmId && t === type)).padStart(4, '0')}`;
      const groupId = 31000 + crm.integrationSourceId;
      const answer = await diagnose(crmId, reason.text, WRITER);
      bot.slack.reset();
      const fix = buttons(answer.blocks).find((b) => b.action_id === FIX_OPEN)!;
      await bot.sendBlockAction(
        { view: { id: `V_DIAG_${crmId}` }, actions: [{ action_id: FIX_OPEN, value: fix.value }] },
        { user: WRITER },
      );
      const form = (await bot.slack.waitFor('views.push')).body.view as Json;
      expect(form.callback_id).toBe(FIX_INPUTS);

      const confirm = await submitTyped(form, FIX_FIELDS, { crm, type, business, groupId }, `V_FIX_${crmId}`);
      expect(confirm.callback_id).toBe(FIX_CONFIRM);
      const words = JSON.stringify(confirm.blocks);
      expect(words).toContain('The API replaces the whole mapping: after this request it holds ');
      const cleared = clearedByBlanks(crm, type);
      if (cleared.length > 0) {
        expect(words).toContain(
          ` It will have no ${cleared.join(', ')}: a value the mapping has now is cleared. To keep one, Cancel and enter its current value.`,
        );
      } else expect(words).not.toContain('It will have no');
      expect(writes()).toEqual([]);

      api.on('PUT', API_PATHS.mapping, { json: {} });
      await bot.sendViewSubmission(
        submission(FIX_CONFIRM, {}, { id: `V_FIX_${crmId}`, private_metadata: confirm.private_metadata }),
        { user: WRITER },
      );
      await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
      expect(writes().map((w) => JSON.parse(w.body))).toEqual([expectedBody(crm, type, business, groupId, [])]);
    });
  });

  describe('case 6: "Set credential" shows the exact request (credential masked) and writes only when confirmed', () => {
    const CREDENTIAL_CASES = CASES.filter(([crmId]) => CATALOG.get(crmId).reauth.credential);

    it.each(CREDENTIAL_CASES)("re-auth without the bot's record: %s, %s", async (crmId, type) => {
      const crm = bot.services.catalog.get(crmId);
      const credential = crm.reauth.credential!;
      const def = crm.locationProperties.find((d) => d.key === credential.property)!;
      const secret = credentialFor(def.format.kind);
      const business = `17000000000${String(600 + CASES.findIndex(([c, t]) => c === crmId && t === type)).padStart(4, '0')}`;
      const groupId = 32000 + crm.integrationSourceId;

      const reply = (await (await bot.sendCommand(`reauth ${crmId}`, { user: WRITER })).nextResponse()).body;
      const button = buttons(reply.blocks).find((b) => b.action_id === REAUTH_ENTER_CREDENTIAL)!;
      await bot.sendBlockAction(
        {
          message: { ts: '1700000000.000200' },
          actions: [{ action_id: REAUTH_ENTER_CREDENTIAL, value: button.value }],
        },
        { user: WRITER },
      );
      const form = (await bot.slack.waitFor('views.open')).body.view as Json;
      expect(form.callback_id).toBe(REAUTH_MAPPING_MODAL);
      expect(inputIds(form)).not.toContain(REAUTH_FIELDS.credential);

      const confirm = await submitTyped(form, REAUTH_FIELDS, { crm, type, business, groupId }, `V_CRED_${crmId}`);
      expect(confirm.callback_id).toBe(REAUTH_CREDENTIAL_MODAL);
      expect(confirm.submit.text).toBe('Set credential');
      expect(inputIds(confirm)).toEqual([REAUTH_FIELDS.credential]);
      const shown = JSON.stringify(confirm.blocks);
      expect(shown).toContain(`--request PUT '${api.url}${API_PATHS.mapping}'`);
      expect(shown).toContain(`\\"propertyKey\\": \\"${credential.property}\\"`);
      expect(shown).toContain('********');
      const cleared = clearedByBlanks(crm, type);
      if (cleared.length > 0)
        expect(shown).toContain(` It will have no ${cleared.join(', ')}: a value the mapping has now is cleared.`);
      expect(shown).toContain('The API replaces the whole mapping: after this request it holds ');
      expect(writes()).toEqual([]);

      api.on('PUT', API_PATHS.mapping, { json: {} });
      const ack = await bot.sendViewSubmission(
        submission(REAUTH_CREDENTIAL_MODAL, textFields({ [REAUTH_FIELDS.credential]: secret }), {
          id: `V_CRED_${crmId}`,
          private_metadata: confirm.private_metadata,
        }),
        { user: WRITER },
      );
      expect(ack.json()).toMatchObject({ response_action: 'update' });
      await bot.slack.waitFor('views.update', (c) => c.body.view.callback_id === FIX_DONE);
      const body = expectedBody(crm, type, business, groupId, [entry(crm, credential.property, secret)]);
      // beta is sent only where the article's mapping body carries it: re-auth is no beta fix.
      if (!crm.mappingSendsTestAndBeta) delete body.beta;
      expect(writes().map((w) => JSON.parse(w.body))).toEqual([body]);
      expect(JSON.stringify(bot.slack.calls)).not.toContain(secret);
      expect(bot.logText()).not.toContain(secret);
    });
  });
});
