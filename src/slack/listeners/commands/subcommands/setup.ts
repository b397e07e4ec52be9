import { EXPIRED_TRIGGER_MESSAGE, openAddLocation, openSetup } from '../../../../handlers/setup/flow';
import type { Subcommand } from '../../../router';

/** `/crm setup [crm]` and `/crm setup add-location [business id] [crm]`: open the modal at once. */
export const setup: Subcommand = {
  usage: '/crm setup [crm]',
  description:
    'Sets up a CRM integration in a form: CRM and triggers, group properties, locations, then a review of the exact requests before anything is sent. `/crm setup add-location <business id>` adds locations to an existing group.',
  examples: ['/crm setup', '/crm setup carestack', '/crm setup add-location 155802718182498'],
  run: async (ctx) => {
    const deps = { services: ctx.services, client: ctx.client };
    const base = {
      triggerId: ctx.command.trigger_id,
      userId: ctx.command.user_id,
      channelId: ctx.command.channel_id,
    };
    const [first, ...more] = ctx.args;
    const outcome =
      first?.toLowerCase() === 'add-location'
        ? await openAddLocation(deps, { ...base, businessNumber: more[0], crmId: more.slice(1).join(' ') || undefined })
        : await openSetup(deps, { ...base, crmText: ctx.rest.trim() || undefined });
    if (outcome === 'expired') await ctx.respond(EXPIRED_TRIGGER_MESSAGE);
  },
};
