import type { App } from '@slack/bolt';
import { userMessage } from '../../../errors';
import { applyCredential, checkCredentialInput } from '../../../handlers/reauth';
import type { Services } from '../../../services';
import { buildWorkingModal } from '../../views/diagnose';
import { buildFixResultModal } from '../../views/fix';
import { REAUTH_CREDENTIAL_MODAL } from '../../views/reauth';
import { postOutcome, viewValues } from './diagnose';

export function registerReauthViews(app: App, services: Services): void {
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
