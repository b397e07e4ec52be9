import type { Subcommand } from '../../../router';
import { buildDiagnoseModal } from '../../../views/diagnose';
import { diagnoseMetadata } from '../../views/diagnose';

export const diagnose: Subcommand = {
  usage: '/crm diagnose [restriction reason]',
  description:
    'Explains why a contact got no review request, from the restriction reason (and log record), and offers the fix.',
  examples: ['/crm diagnose Appointment status is not on the allowed list'],
  run: async (ctx) => {
    // trigger_id expires 3 s after Enter: open the modal before anything else.
    await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildDiagnoseModal({
        crms: ctx.services.catalog.crms,
        reasonText: ctx.rest,
        privateMetadata: diagnoseMetadata(ctx.command.channel_id),
      }),
    });
  },
};
