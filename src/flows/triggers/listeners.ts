import type { Subcommand } from '../../slack/router';
import { listCrmTriggers } from './service';
import { buildTriggersMessage } from './views';

export const triggers: Subcommand = {
  usage: '/crm triggers <crm>',
  description: "Lists a CRM's triggers with their IDs, from the integration API, marked against the catalog.",
  examples: ['/crm triggers nextech', '/crm triggers cloud9'],
  run: async (ctx) => {
    await ctx.respond(buildTriggersMessage(await listCrmTriggers(ctx.services, ctx.rest)));
  },
};
