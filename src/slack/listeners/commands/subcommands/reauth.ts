import { reauthInfo, reauthTargetFromText } from '../../../../handlers/reauth';
import type { Subcommand } from '../../../router';
import { buildReauthMessage } from '../../../views/reauth';

export const reauth: Subcommand = {
  usage: '/crm reauth <business id or crm>',
  description: "Shows how to re-authorize a business's CRM, and sets a new credential where the CRM uses one.",
  examples: ['/crm reauth 123456789012345', '/crm reauth cliniko'],
  run: async (ctx) => {
    const target = reauthTargetFromText(ctx.services, ctx.rest);
    const info = await reauthInfo(ctx.services, target, {
      userId: ctx.command.user_id,
      channelId: ctx.command.channel_id,
    });
    await ctx.respond(buildReauthMessage(info));
  },
};
