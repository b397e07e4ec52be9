import { buildHelpMessage, type HelpEntry } from '../../../views/help';
import type { Subcommand, SubcommandContext } from './index';

export const help: Subcommand = {
  usage: '/crm help',
  description: 'Shows this list of commands and the CRMs the bot supports.',
  examples: ['/crm help'],
  run: async (ctx) => {
    await ctx.respond(buildHelpMessage(helpInput(ctx)));
  },
};

/** What help shows, from the registry and the catalog; `note` explains why help is shown (e.g. unknown input). */
export function helpInput(
  ctx: Pick<SubcommandContext, 'subcommands' | 'services'>,
  note?: string,
): Parameters<typeof buildHelpMessage>[0] {
  return {
    subcommands: visibleSubcommands(ctx.subcommands),
    crms: ctx.services.catalog.crms.map((crm) => crm.displayName),
    ...(note ? { note } : {}),
  };
}

export function visibleSubcommands(registry: Readonly<Record<string, Subcommand>>): HelpEntry[] {
  return Object.entries(registry)
    .filter(([, sub]) => !sub.hidden)
    .map(([name, sub]) => ({
      name,
      usage: sub.usage,
      description: sub.description,
      ...(sub.examples ? { examples: sub.examples } : {}),
    }));
}
