import { answerContactInModal } from '../../../../flows/contact/listeners';
import { contactInText } from '../../../../flows/contact/service';
import { prefillFromPaste } from '../../../../handlers/diagnose';
import type { Subcommand } from '../../../router';
import { buildDiagnoseModal } from '../../../views/diagnose';
import { diagnoseMetadata } from '../../views/diagnose';

export const diagnose: Subcommand = {
  usage: '/crm diagnose [restriction reason]',
  description:
    'Explains why a contact got no review request, from the restriction reason (and log record), and offers the fix.',
  examples: ['/crm diagnose Appointment status is not on the allowed list', '/crm diagnose jane@example.com'],
  run: async (ctx) => {
    // An email, phone, or name with a business ID: search the logs for the contact instead of asking for a paste.
    const contact = contactInText(ctx.services, ctx.rest);
    if (contact) {
      await answerContactInModal(ctx.services, ctx.client, {
        triggerId: ctx.command.trigger_id,
        query: contact,
        origin: { userId: ctx.command.user_id, channelId: ctx.command.channel_id },
      });
      return;
    }
    // trigger_id expires 3 s after Enter: open the modal before anything else (the split is pure and fast).
    await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildDiagnoseModal({
        crms: ctx.services.catalog.crms,
        ...prefillFromPaste(ctx.services.catalog, ctx.rest),
        privateMetadata: diagnoseMetadata(ctx.command.channel_id),
      }),
    });
  },
};
