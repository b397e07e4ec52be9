import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { userMessage } from '../../../errors';
import type { ReauthTarget } from '../../../handlers/diagnose';
import { credentialForm, reauthInfo } from '../../../handlers/reauth';
import type { Services } from '../../../services';
import { buildWorkingModal, STATUS_REAUTH } from '../../views/diagnose';
import {
  buildCredentialModal,
  buildReauthMessage,
  buildReauthModal,
  REAUTH_ENTER_CREDENTIAL,
} from '../../views/reauth';

/** `{businessNumber?, crmId?, groupId?}` from a status_reauth button; anything else is ignored. */
export function parseReauthValue(value: string | undefined): ReauthTarget {
  try {
    const parsed = JSON.parse(value ?? '{}') as Record<string, unknown>;
    return {
      ...(typeof parsed.businessNumber === 'string' || typeof parsed.businessNumber === 'number'
        ? { businessNumber: String(parsed.businessNumber) }
        : {}),
      ...(typeof parsed.crmId === 'string' ? { crmId: parsed.crmId } : {}),
      ...(typeof parsed.groupId === 'number' ? { groupId: parsed.groupId } : {}),
    };
  } catch {
    return {};
  }
}

export function registerReauthActions(app: App, services: Services): void {
  app.action<BlockAction<ButtonAction>>(STATUS_REAUTH, async ({ ack, action, body, client, respond }) => {
    await ack();
    const origin = {
      userId: body.user.id,
      ...(body.channel?.id ? { channelId: body.channel.id } : {}),
      ...(body.message ? { threadTs: (body.message.thread_ts as string | undefined) ?? body.message.ts } : {}),
    };
    const target = parseReauthValue(action.value);
    if (body.view) {
      // In a modal: open the steps on top at once (trigger_id lasts 3 s), then fill them in.
      const pushed = await client.views.push({
        trigger_id: body.trigger_id,
        view: buildWorkingModal('Re-authorize', ':hourglass_flowing_sand: Reading the steps…'),
      });
      const viewId = pushed.view?.id;
      let view: ReturnType<typeof buildReauthModal>;
      try {
        view = buildReauthModal(await reauthInfo(services, target, origin));
      } catch (err) {
        view = buildWorkingModal('Re-authorize', `:x: ${userMessage(err)}`);
      }
      if (viewId) await client.views.update({ view_id: viewId, view });
      return;
    }
    const info = await reauthInfo(services, target, origin);
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildReauthMessage(info) });
  });

  app.action<BlockAction<ButtonAction>>(REAUTH_ENTER_CREDENTIAL, async ({ ack, action, body, client }) => {
    await ack();
    let view: ReturnType<typeof buildCredentialModal>;
    try {
      view = buildCredentialModal(await credentialForm(services, action.value ?? ''));
    } catch (err) {
      view = buildWorkingModal('New credential', `:x: ${userMessage(err)}`);
    }
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });
}
