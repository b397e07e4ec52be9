import type { BlockAction, ButtonAction } from '@slack/bolt';
import { userMessage } from '../../errors';
import type { Services } from '../../services';
import { viewValues } from '../../slack/blocks';
import type { ListenerRegistry } from '../../slack/listener-table';
import { updateOpenModal } from '../../slack/modal';
import { postOutcome } from '../../slack/post';
import type { Subcommand } from '../../slack/router';
import { buildFixResultModal, buildWorkingModal } from '../diagnose/views';
import { parseStatusActionValue, STATUS_ACTIONS } from '../status/ids';
import { REAUTH_CREDENTIAL_MODAL, REAUTH_ENTER_CREDENTIAL, REAUTH_MAPPING_MODAL } from './ids';
import {
  applyCredential,
  checkCredentialInput,
  credentialForm,
  previewCredential,
  reauthInfo,
  reauthTargetFromText,
} from './service';
import { buildCredentialConfirmModal, buildCredentialStepModal, buildReauthMessage, buildReauthModal } from './views';

export const reauth: Subcommand = {
  usage: '/crm reauth <business id or crm>',
  description: "Shows how to re-authorize a business's CRM, and sets a new credential where the CRM uses one.",
  examples: ['/crm reauth 123456789012345', '/crm reauth cliniko'],
  run: async (ctx) => {
    const target = reauthTargetFromText(ctx.services, ctx.rest);
    const info = await reauthInfo(ctx.services, target, {
      userId: ctx.command.user_id,
      channelId: ctx.command.channel_id,
    });
    await ctx.respond(buildReauthMessage(info));
  },
};

/** Re-authorization: the steps (from a status button or a diagnosis) and the new-credential form. */
export function registerReauth(app: ListenerRegistry, services: Services): void {
  app.action<BlockAction<ButtonAction>>(STATUS_ACTIONS.reauth, async ({ ack, action, body, client, respond }) => {
    await ack();
    const origin = {
      userId: body.user.id,
      ...(body.channel?.id ? { channelId: body.channel.id } : {}),
      ...(body.message ? { threadTs: (body.message.thread_ts as string | undefined) ?? body.message.ts } : {}),
    };
    const target = parseStatusActionValue(action.value);
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
      if (viewId) await updateOpenModal(client, { view_id: viewId, view }, services.logger);
      return;
    }
    const info = await reauthInfo(services, target, origin);
    await respond({ response_type: 'ephemeral', replace_original: false, ...buildReauthMessage(info) });
  });

  app.action<BlockAction<ButtonAction>>(REAUTH_ENTER_CREDENTIAL, async ({ ack, action, body, client }) => {
    await ack();
    let view: ReturnType<typeof buildCredentialStepModal>;
    try {
      view = buildCredentialStepModal(
        await credentialForm(services, client, { stateId: action.value ?? '', userId: body.user.id }),
      );
    } catch (err) {
      view = buildWorkingModal('New credential', `:x: ${userMessage(err)}`);
    }
    if (body.view) await client.views.push({ trigger_id: body.trigger_id, view });
    else await client.views.open({ trigger_id: body.trigger_id, view });
  });

  /** Step 1 submitted: inline errors, or the confirm step in its place (nothing is written yet). */
  app.view(REAUTH_MAPPING_MODAL, async ({ ack, view }) => {
    const result = await previewCredential(services, view.private_metadata, viewValues(view));
    if (!result.ok) {
      await ack({ response_action: 'errors', errors: result.errors });
      return;
    }
    await ack({ response_action: 'update', view: buildCredentialConfirmModal(result.confirm) });
  });

  app.view(REAUTH_CREDENTIAL_MODAL, async ({ ack, view, body, client }) => {
    const values = viewValues(view);
    const errors = await checkCredentialInput(services, view.private_metadata, values);
    if (Object.keys(errors).length > 0) {
      await ack({ response_action: 'errors', errors });
      return;
    }
    await ack({
      response_action: 'update',
      view: buildWorkingModal('New credential', ':hourglass_flowing_sand: Sending…'),
    });
    let text: string;
    try {
      const result = await applyCredential(services, client, {
        stateId: view.private_metadata,
        viewId: view.root_view_id ?? view.id,
        userId: body.user.id,
        values,
      });
      if (!result.ok) {
        text = `:x: ${Object.values(result.errors).join(' ')} Nothing was sent; open the form again to retry.`;
      } else {
        text = result.text;
        if (result.executed) await postOutcome(client, result.origin, result.text);
      }
    } catch (err) {
      text = `:x: ${userMessage(err)}`;
    }
    await client.views.update({ view_id: view.id, view: buildFixResultModal(text) });
  });
}
