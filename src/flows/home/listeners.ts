import type { BlockAction, ButtonAction, types } from '@slack/bolt';
import { userMessage } from '../../errors';
import type { Services } from '../../services';
import type { ListenerRegistry } from '../../slack/listener-table';
import type { Subcommand, SubcommandContext } from '../../slack/router';
import { getStatus, requireBusinessNumber } from '../status/service';
import { HOME_ACTIONS, HOME_STATUS_BLOCK, HOME_STATUS_INPUT, HOME_STATUS_MODAL } from './ids';
import { getHomeData } from './service';
import {
  buildHomeStatusLoading,
  buildHomeStatusModal,
  buildHomeStatusResult,
  buildHomeTab,
  buildSetupHintModal,
} from './views';

/**
 * App Home: the tab (published on every open), its quick actions and the "Status" modal.
 * `subcommands` is the live /crm registry: "Set up" runs whatever `/crm setup` runs at click time.
 */
export function registerHome(
  app: ListenerRegistry,
  services: Services,
  subcommands: Readonly<Record<string, Subcommand>>,
): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const data = await getHomeData(services, event.user);
    await client.views.publish({ user_id: event.user, view: buildHomeTab(data) });
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.status, async ({ ack, body, client }) => {
    await ack();
    await client.views.open({ trigger_id: body.trigger_id, view: buildHomeStatusModal() });
  });

  app.action<BlockAction<ButtonAction>>(HOME_ACTIONS.setup, async ({ ack, body, client }) => {
    await ack();
    const setup = subcommands.setup;
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
      subcommands,
    };
    await setup.run(ctx);
  });

  /** App Home "Status": business ID checked in the ack, then the status replaces the form. */
  app.view(HOME_STATUS_MODAL, async ({ ack, body, view, client }) => {
    const typed = view.state.values[HOME_STATUS_BLOCK]?.[HOME_STATUS_INPUT]?.value ?? '';
    let businessNumber: string;
    try {
      businessNumber = requireBusinessNumber(typed, '123456789012345');
    } catch (err) {
      await ack({ response_action: 'errors', errors: { [HOME_STATUS_BLOCK]: userMessage(err) } });
      return;
    }
    await ack({ response_action: 'update', view: buildHomeStatusLoading(businessNumber) });
    let result: Parameters<typeof buildHomeStatusResult>[0];
    try {
      result = { report: await getStatus(services, businessNumber) };
    } catch (err) {
      result = { error: userMessage(err) };
    }
    await client.views.update({ view_id: body.view.id, view: buildHomeStatusResult(result) });
  });
}
