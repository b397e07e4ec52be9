import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { userMessage } from '../../../errors';
import { HOME_ACTIONS } from '../../../flows/home/ids';
import { STATUS_ACTIONS } from '../../../flows/status/ids';
import { diagnosePicked } from '../../../handlers/diagnose';
import { startFix } from '../../../handlers/fix';
import type { Services } from '../../../services';
import {
  buildDiagnoseModal,
  buildDiagnosisMessage,
  buildDiagnosisModal,
  DIAGNOSE_PICK,
  FIX_OPEN,
} from '../../views/diagnose';
import { buildFixConfirmModal, buildFixInputsModal, buildFixManualModal } from '../../views/fix';
import { diagnoseMetadata } from '../views/diagnose';
import { parseReauthValue } from './reauth';

/** The Diagnose button of another engineer's /crm status message (value {businessNumber, crmId, groupId}). */
const STATUS_DIAGNOSE = STATUS_ACTIONS.diagnose;

const PICK = new RegExp(`^${DIAGNOSE_PICK}`);

export function registerDiagnoseActions(app: App, services: Services): void {
  /** /crm status's Diagnose button: the diagnose modal with the business and CRM filled in. */
  app.action<BlockAction<ButtonAction>>(STATUS_DIAGNOSE, async ({ ack, action, body, client }) => {
    await ack();
    const target = parseReauthValue(action.value);
    const view = buildDiagnoseModal({
      crms: services.catalog.crms,
      ...(target.crmId ? { crmId: target.crmId } : {}),
      ...(target.businessNumber ? { businessNumber: target.businessNumber } : {}),
      privateMetadata: diagnoseMetadata(body.channel?.id),
    });
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });

  /** App Home's Diagnose button: the empty diagnose modal; the outcome of a fix goes to the app DM. */
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.diagnose, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({
      trigger_id: body.trigger_id,
      view: buildDiagnoseModal({ crms: services.catalog.crms, privateMetadata: diagnoseMetadata() }),
    });
  });

  /** One of several candidate reasons picked: the answer replaces the question. */
  app.action<BlockAction<ButtonAction>>(PICK, async ({ ack, action, body, client, respond }) => {
    await ack();
    const diagnosis = await diagnosePicked(services, action.value ?? '');
    if (body.view) {
      await client.views.update({ view_id: body.view.id, view: buildDiagnosisModal(diagnosis) });
    } else {
      await respond({ replace_original: true, ...buildDiagnosisMessage(diagnosis) });
    }
  });

  /** A fix button: the confirm step opens at once (trigger_id lasts 3 s), then fills in. */
  app.action<BlockAction<ButtonAction>>(FIX_OPEN, async ({ ack, action, body, client }) => {
    await ack();
    let view: ReturnType<typeof buildFixManualModal>;
    try {
      const step = await startFix(services, action.value ?? '');
      view =
        step.kind === 'manual'
          ? buildFixManualModal(step.text)
          : step.kind === 'inputs'
            ? buildFixInputsModal(step)
            : buildFixConfirmModal(step);
    } catch (err) {
      view = buildFixManualModal(userMessage(err));
    }
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });
}
