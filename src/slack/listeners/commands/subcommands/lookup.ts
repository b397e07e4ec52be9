import { BotError } from '../../../../errors';
import { type LookupMatch, looksLikeSecret, resolveLookup } from '../../../../handlers/lookups';
import { buildLookupModal } from '../../../views/lookups';
import type { Subcommand } from './index';

const SECRET_WARNING =
  'Part of what you typed after `/crm lookup` looked like a credential, so I did not show or use it. ' +
  'Type credentials only into the lookup form; if it was real, it is now in your Slack command history.';

export const lookup: Subcommand = {
  usage: '/crm lookup <what>',
  description:
    'Looks up values in the CRM (nextech-practitioners, nextech-locations, cloud9-locations, carestack-locations, carestack-statuses). Opens a form for the IDs and credentials it needs.',
  examples: ['/crm lookup carestack-locations', '/crm lookup nextech-practitioners'],
  run: async (ctx) => {
    let match: LookupMatch;
    try {
      match = resolveLookup(ctx.services.catalog, ctx.args);
    } catch (err) {
      if (err instanceof BotError && looksLikeSecret(ctx.rest)) {
        throw new BotError(err.code, `${SECRET_WARNING}\n${err.message}`);
      }
      throw err;
    }
    const { spec } = match;
    // trigger_id expires 3 s after the command: open the form before anything else.
    await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildLookupModal(spec, { lookup: spec.id, crm: spec.crmId, channel: ctx.command.channel_id }),
    });
    const extra = ctx.args.slice(match.words).join(' ');
    if (extra) {
      await ctx.respond(
        looksLikeSecret(extra)
          ? SECRET_WARNING
          : 'I ignored the words after the lookup name: enter the values in the form I opened.',
      );
    }
  },
};
