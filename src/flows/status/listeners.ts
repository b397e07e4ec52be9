import type { Subcommand } from '../../slack/router';
import { getStatus, requireBusinessNumber } from './service';
import { buildStatusMessage } from './views';

const USAGE = '/crm status <business ID> [share]';
const SHARE_WORDS = new Set(['share', '--share']);

export const status: Subcommand = {
  usage: USAGE,
  description:
    'Shows the integration groups of a business: CRM, category, group ID, OAuth and triggers, with next steps. Add `share` to post it in the channel.',
  examples: ['/crm status 123456789012345', '/crm status 123456789012345 share'],
  run: async (ctx) => {
    const share = ctx.args.some((a) => SHARE_WORDS.has(a.toLowerCase()));
    const rest = ctx.args.filter((a) => !SHARE_WORDS.has(a.toLowerCase()));
    const businessNumber = requireBusinessNumber(rest.join(''), '/crm status 123456789012345');
    const report = await getStatus(ctx.services, businessNumber);
    const message = buildStatusMessage(report);
    if (!share) {
      await ctx.respond(message);
      return;
    }
    try {
      await ctx.client.chat.postMessage({
        channel: ctx.command.channel_id,
        ...buildStatusMessage(report, { shared: true }),
      });
    } catch (err) {
      ctx.logger.warn({ code: (err as { data?: { error?: string } }).data?.error }, 'could not share status');
      await ctx.respond('I could not post in this channel (invite me with `/invite`), so here it is just for you.');
      await ctx.respond(message);
    }
  },
};
