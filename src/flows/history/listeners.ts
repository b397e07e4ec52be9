import type { Subcommand } from '../../slack/router';
import { parseBusinessNumber } from '../status/service';
import { getBusinessHistory } from './service';
import { buildHistoryMessage } from './views';

export const history: Subcommand = {
  usage: '/crm history <business ID>',
  description: 'Lists the latest changes the bot made to a business: who, when, what, and how it went.',
  examples: ['/crm history 123456789012345'],
  run: async (ctx) => {
    const businessNumber = parseBusinessNumber(ctx.args.join(''), '/crm history 123456789012345');
    await ctx.respond(buildHistoryMessage(await getBusinessHistory(ctx.services, businessNumber)));
  },
};
