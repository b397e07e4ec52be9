import type { App } from '@slack/bolt';
import { userMessage } from '../../../errors';
import { diagnose, type Origin, validateDiagnoseInput } from '../../../handlers/diagnose';
import { confirmFix, missingSecrets, submitFixInputs } from '../../../handlers/fix';
import type { Services } from '../../../services';
import { buildDiagnosisModal, buildWorkingModal, DIAGNOSE_BLOCKS, DIAGNOSE_MODAL } from '../../views/diagnose';
import { buildFixConfirmModal, buildFixResultModal, FIX_CONFIRM, FIX_INPUTS } from '../../views/fix';

type SlackClient = App['client'];
type ViewState = {
  values: Record<string, Record<string, { value?: string | null; selected_option?: { value: string } | null }>>;
};

/** Block id → typed or selected value, for every input in a submitted view. */
export function viewValues(view: { state: unknown }): Record<string, string> {
  const out: Record<string, string> = {};
  const state = view.state as ViewState;
  for (const [blockId, actions] of Object.entries(state?.values ?? {})) {
    for (const action of Object.values(actions)) {
      const value = action.selected_option?.value ?? action.value;
      if (typeof value === 'string') out[blockId] = value;
    }
  }
  return out;
}

/** `{c: channel, t: thread}` in a diagnose modal's private_metadata. */
export function diagnoseMetadata(channelId?: string, threadTs?: string): string {
  return JSON.stringify({ ...(channelId ? { c: channelId } : {}), ...(threadTs ? { t: threadTs } : {}) });
}

function originFrom(metadata: string, userId: string): Origin {
  try {
    const parsed = JSON.parse(metadata || '{}') as { c?: unknown; t?: unknown };
    return {
      userId,
      ...(typeof parsed.c === 'string' ? { channelId: parsed.c } : {}),
      ...(typeof parsed.t === 'string' ? { threadTs: parsed.t } : {}),
    };
  } catch {
    return { userId };
  }
}

/** Posts an outcome where the diagnosis was asked (its thread when there is one); a DM when that fails. */
export async function postOutcome(client: SlackClient, origin: Origin, text: string): Promise<void> {
  if (origin.channelId) {
    try {
      await client.chat.postMessage({
        channel: origin.channelId,
        text,
        ...(origin.threadTs ? { thread_ts: origin.threadTs } : {}),
      });
      return;
    } catch {
      // Not in that channel (or it is gone): tell the person directly instead.
    }
  }
  await client.chat.postMessage({ channel: origin.userId, text });
}

export function registerDiagnoseViews(app: App, services: Services): void {
  app.view(DIAGNOSE_MODAL, async ({ ack, view, body, client }) => {
    const values = viewValues(view);
    const input = {
      reasonText: values[DIAGNOSE_BLOCKS.reason] ?? '',
      ...(values[DIAGNOSE_BLOCKS.crm] ? { crm: values[DIAGNOSE_BLOCKS.crm] } : {}),
      ...(values[DIAGNOSE_BLOCKS.business]?.trim() ? { businessNumber: values[DIAGNOSE_BLOCKS.business]!.trim() } : {}),
      ...(values[DIAGNOSE_BLOCKS.record]?.trim() ? { logRecord: values[DIAGNOSE_BLOCKS.record] } : {}),
    };
    const errors = validateDiagnoseInput(input);
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack({
      response_action: 'update',
      view: buildWorkingModal('Diagnosis', ':hourglass_flowing_sand: Working on it…'),
    });
    let answer: ReturnType<typeof buildDiagnosisModal>;
    try {
      answer = buildDiagnosisModal(await diagnose(services, input, originFrom(view.private_metadata, body.user.id)));
    } catch (err) {
      answer = buildWorkingModal('Diagnosis', `:x: ${userMessage(err)}`);
    }
    await client.views.update({ view_id: view.id, view: answer });
  });

  app.view(FIX_INPUTS, async ({ ack, view }) => {
    const draftId = view.private_metadata;
    const result = await submitFixInputs(services, draftId, viewValues(view));
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    if (result.step.kind !== 'confirm') {
      await ack({
        response_action: 'update',
        view: buildFixResultModal(result.step.kind === 'manual' ? result.step.text : ''),
      });
      return;
    }
    await ack({ response_action: 'update', view: buildFixConfirmModal(result.step) });
  });

  app.view(FIX_CONFIRM, async ({ ack, view, body, client }) => {
    const draftId = view.private_metadata;
    const secrets = viewValues(view);
    const missing = await missingSecrets(services, draftId, secrets);
    if (Object.keys(missing).length > 0) {
      await ack({ response_action: 'errors', errors: missing });
      return;
    }
    await ack({ response_action: 'update', view: buildWorkingModal('Fix', ':hourglass_flowing_sand: Sending…') });
    let text: string;
    try {
      const outcome = await confirmFix(services, client, {
        draftId,
        viewId: view.root_view_id ?? view.id,
        userId: body.user.id,
        secrets,
      });
      text = outcome.text;
      if (outcome.executed) await postOutcome(client, outcome.origin, outcome.text);
    } catch (err) {
      text = `:x: ${userMessage(err)}`;
    }
    await client.views.update({ view_id: view.id, view: buildFixResultModal(text) });
  });
}
