import type { App, BlockAction, ButtonAction, types } from '@slack/bolt';
import type { Services } from '../../../services';
import { buildHomeStatusModal, buildSetupHintModal, HOME_ACTIONS } from '../../views/home';
import { SUBCOMMANDS, type SubcommandContext } from '../commands/subcommands';

/** App Home quick actions. `home_diagnose` belongs to the diagnostics flow. */
export function registerHomeActions(app: App, services: Services): void {
  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.status, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: buildHomeStatusModal() });
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.setup, async ({ ack, body, client }) => {
    await ack();
    const setup = SUBCOMMANDS.setup;
    if (!setup) {
      await client.views.open({ trigger_id: body.trigger_id, view: buildSetupHintModal() });
      return;
    }
    // The same thing `/crm setup` does, with the click standing in for the command. Replies go to the app DM.
    const userId = body.user.id;
    const ctx: SubcommandContext = {
      acked: true,
      name: 'setup',
      args: [],
      rest: '',
      command: {
        command: '/crm',
        text: 'setup',
        user_id: userId,
        user_name: body.user.name ?? userId,
        channel_id: userId,
        team_id: body.team?.id ?? '',
        trigger_id: body.trigger_id,
        response_url: '',
      },
      respond: async (message) => {
        const { text, blocks } = (typeof message === 'string' ? { text: message } : message) as {
          text?: string;
          blocks?: types.KnownBlock[];
        };
        await client.chat.postMessage({ channel: userId, text: text ?? '', ...(blocks ? { blocks } : {}) });
      },
      client,
      services,
      logger: services.logger.child({ subcommand: 'setup', source: 'app_home', user: userId }),
      subcommands: SUBCOMMANDS,
    };
    await setup.run(ctx);
  });
}
