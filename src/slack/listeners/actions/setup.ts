import type { App, BlockAction } from '@slack/bolt';
import { userMessage } from '../../../errors';
import { STATUS_ACTIONS } from '../../../flows/status/ids';
import {
  changeCrm,
  EXPIRED_TRIGGER_MESSAGE,
  errorView,
  openAddLocation,
  openTriggerUpdate,
  parseStatusButton,
  replaceTriggers,
  retryMapping,
  type SetupDeps,
  stepAction,
  type ViewInput,
} from '../../../handlers/setup/flow';
import type { Services } from '../../../services';
import { SETUP_ACTION } from '../../views/setup';

type Client = SetupDeps['client'];

function viewOf(body: BlockAction): ViewInput | undefined {
  const view = body.view;
  if (!view) return undefined;
  return { id: view.id, hash: view.hash, private_metadata: view.private_metadata, state: view.state };
}

function actionValue(body: BlockAction): string {
  const action = body.actions[0] as { value?: string } | undefined;
  return action?.value ?? '';
}

/** Runs a modal action; a failure replaces the modal with the error in plain words. */
async function inModal(
  services: Services,
  client: Client,
  view: ViewInput | undefined,
  work: (view: ViewInput) => Promise<void>,
) {
  if (!view) return;
  try {
    await work(view);
  } catch (err) {
    services.logger.warn({ err: { code: (err as { code?: string }).code } }, 'setup action failed');
    await client.views.update({ view_id: view.id, view: errorView(err) }).catch(() => undefined);
  }
}

/** Block actions of the setup, add-location and trigger-update modals, and the result message's Retry. */
export function registerSetupActions(app: App, services: Services): void {
  app.action<BlockAction>(SETUP_ACTION.crmSelect, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, viewOf(body), (view) => changeCrm({ services, client }, view));
  });
  app.action<BlockAction>(SETUP_ACTION.back, async ({ ack, body, client }) => {
    await ack();
    const target = actionValue(body);
    await inModal(services, client, viewOf(body), (view) =>
      stepAction({ services, client }, view, { kind: 'back', target }),
    );
  });
  app.action<BlockAction>(SETUP_ACTION.addLocation, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, viewOf(body), (view) => stepAction({ services, client }, view, { kind: 'add' }));
  });
  app.action<BlockAction>(SETUP_ACTION.removeLocation, async ({ ack, body, client }) => {
    await ack();
    const uid = actionValue(body);
    await inModal(services, client, viewOf(body), (view) =>
      stepAction({ services, client }, view, { kind: 'remove', uid }),
    );
  });
  app.action<BlockAction>(SETUP_ACTION.useExisting, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, viewOf(body), (view) =>
      stepAction({ services, client }, view, { kind: 'useExisting' }),
    );
  });
  app.action<BlockAction>(SETUP_ACTION.replaceTriggers, async ({ ack, body, client }) => {
    await ack();
    await inModal(services, client, viewOf(body), (view) => replaceTriggers({ services, client }, view, body.user.id));
  });
  // Selecting in a lookup select sends a block action too; the value is read from view.state on submit.
  app.action<BlockAction>(SETUP_ACTION.lookup, async ({ ack }) => {
    await ack();
  });

  app.action<BlockAction>(SETUP_ACTION.retryMapping, async ({ ack, body, client, respond }) => {
    await ack();
    const message = body.container as { message_ts?: string; channel_id?: string; is_ephemeral?: boolean } | undefined;
    try {
      await retryMapping(
        { services, client },
        {
          value: actionValue(body),
          userId: body.user.id,
          message:
            message?.message_ts && message.channel_id && !message.is_ephemeral
              ? { channel: message.channel_id, ts: message.message_ts }
              : undefined,
          respond: (m) => respond(m),
        },
      );
    } catch (err) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
    }
  });

  for (const [actionId, open] of [
    [STATUS_ACTIONS.addLocation, openAddLocation],
    [STATUS_ACTIONS.updateTriggers, openTriggerUpdate],
  ] as const) {
    app.action<BlockAction>(actionId, async ({ ack, body, client, respond }) => {
      await ack();
      try {
        const outcome = await open(
          { services, client },
          {
            triggerId: body.trigger_id,
            userId: body.user.id,
            channelId: body.channel?.id,
            ...parseStatusButton(actionValue(body)),
          },
        );
        if (outcome === 'expired')
          await respond({ response_type: 'ephemeral', replace_original: false, text: EXPIRED_TRIGGER_MESSAGE });
      } catch (err) {
        await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
      }
    });
  }
}
