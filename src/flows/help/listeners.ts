import type { Subcommand } from '../../slack/router';
import { helpInput } from './service';
import { buildHelpMessage } from './views';

export const help: Subcommand = {
  usage: '/crm help',
  description: 'Shows this list of commands and the CRMs the bot supports.',
  examples: ['/crm help'],
  run: async (ctx) => {
    await ctx.respond(buildHelpMessage(helpInput(ctx.subcommands, ctx.services)));
  },
};
