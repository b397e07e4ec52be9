import { DIAGNOSE_ANSWER, FIX_DONE, FIX_OPEN } from '../../src/flows/diagnose/ids';
import { REAUTH_ENTER_CREDENTIAL } from '../../src/flows/reauth/ids';
import { readAudit } from '../../src/operations/audit';
import { diagnoseSubmission } from '../support/diagnose-surfaces';
import { buttons, type Json } from '../support/payloads';
import { TEST_CHANNEL, TEST_USER } from '../support/slack-harness';
import { useBot } from '../support/use-bot';

/**
 * Issue 11, cases 5 and 6: the fix and re-auth forms. A person who may not write is refused at the
 * button that opens the form (and the refusal is audited).
 */

const WRITER = 'U_WRITER';
const READER = TEST_USER;

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
});
