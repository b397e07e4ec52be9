import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { userMessage } from '../../errors';
import type { Services } from '../../services';
import type { ListenerRegistry } from '../../slack/listener-table';
import type { Subcommand } from '../../slack/router';
import { HISTORY_ACTIONS } from './ids';
import {
  getHistoryPage,
  HISTORY_USAGE,
  type HistoryTarget,
  historyCsv,
  parseCursor,
  parseHistoryRequest,
  targetOf,
} from './service';
import { buildHistoryMessage, historyCsvNote } from './views';

type SlackClient = App['client'];

export const history: Subcommand = {
  usage: HISTORY_USAGE,
  description:
    'The audit trail of a business (or of one person’s changes): who, when, what, and how it went, newest first. Add `csv` for the full history as a file.',
  examples: ['/crm history 123456789012345', '/crm history 123456789012345 csv', '/crm history @jane'],
  run: async (ctx) => {
    const { target, csv } = parseHistoryRequest(ctx.args);
    if (csv) {
      await ctx.respond(await uploadHistoryCsv(ctx.services, ctx.client, ctx.command.user_id, target));
      return;
    }
    await ctx.respond(buildHistoryMessage(await getHistoryPage(ctx.services, target)));
  },
};

/** The whole trail as a CSV file in the asker's DM (private, like the ephemeral pages); the note says where. */
async function uploadHistoryCsv(
  services: Services,
  client: SlackClient,
  userId: string,
  target: HistoryTarget,
): Promise<string> {
  const file = await historyCsv(services, target);
  try {
    const dm = await client.conversations.open({ users: userId });
    const channel = dm.channel?.id;
    if (!channel) throw new Error('no DM channel');
    await client.files.uploadV2({
      channel_id: channel,
      filename: file.filename,
      title: file.filename,
      content: file.content,
    });
    return historyCsvNote(target, file.entries, true);
  } catch (err) {
    services.logger.warn(
      { err: { code: (err as { data?: { error?: string } }).data?.error } },
      'history CSV upload failed',
    );
    return historyCsvNote(target, file.entries, false);
  }
}

/** "Older" replaces the page with the next one; "CSV" uploads the whole trail. */
export function registerHistory(app: ListenerRegistry, services: Services): void {
  app.action<BlockAction<ButtonAction>>(HISTORY_ACTIONS.older, async ({ ack, action, respond }) => {
    await ack();
    const cursor = parseCursor(action.value);
    if (!cursor) return;
    try {
      const page = await getHistoryPage(services, targetOf(cursor), {
        ...(cursor.before ? { before: cursor.before } : {}),
        ...(cursor.offset ? { offset: cursor.offset } : {}),
      });
      await respond({ response_type: 'ephemeral', replace_original: true, ...buildHistoryMessage(page) });
    } catch (err) {
      await respond({ response_type: 'ephemeral', replace_original: false, text: userMessage(err) });
    }
  });

  app.action<BlockAction<ButtonAction>>(HISTORY_ACTIONS.csv, async ({ ack, action, body, client, respond }) => {
    await ack();
    const cursor = parseCursor(action.value);
    if (!cursor) return;
    const note = await uploadHistoryCsv(services, client, body.user.id, targetOf(cursor)).catch(userMessage);
    await respond({ response_type: 'ephemeral', replace_original: false, text: note });
  });
}
