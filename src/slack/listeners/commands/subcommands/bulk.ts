import { parseBusinessNumber } from '../../../../planner';
import type { Subcommand } from '../../../router';
import { buildBulkModal } from '../../../views/bulk';

/** `/crm bulk <enterprise id>`: opens the bulk modal at once, then fills in the groups the enterprise has. */
export const bulk: Subcommand = {
  usage: '/crm bulk <enterprise id>',
  description: 'Add many locations (pasted table or CSV file) to an existing integration group, with a dry run first.',
  examples: ['/crm bulk 150051042499080'],
  async run(ctx) {
    const enterpriseId = ctx.args[0] ?? '';
    if (parseBusinessNumber(enterpriseId) === undefined) {
      await ctx.respond('Usage: `/crm bulk <enterprise id>` (the 15-digit Enterprise ID from Birdeye).');
      return;
    }
    const crms = ctx.services.catalog.crms.map((crm) => ({ id: crm.id, name: crm.displayName }));
    const metadata = { enterpriseId, channel: ctx.command.channel_id };
    const opened = await ctx.client.views.open({
      trigger_id: ctx.command.trigger_id,
      view: buildBulkModal({ metadata, crms, groupsNote: 'Reading the integration groups of this enterprise…' }),
    });
    let groupsNote: string;
    try {
      const groups = await ctx.services.api.getGroups(enterpriseId);
      groupsNote =
        groups.length === 0
          ? 'This enterprise has no integration group yet. Bulk only adds locations: create the group with the setup flow first.'
          : `Groups of this enterprise: ${groups
              .map((g) => {
                const crm = ctx.services.catalog.bySourceId(g.integrationSourceType.id);
                return `${g.groupId} (${crm?.displayName ?? g.integrationSourceType.integrationSource})`;
              })
              .join(', ')}. Leave the group ID empty to use the one of the chosen CRM.`;
    } catch (err) {
      ctx.logger.warn({ err: err instanceof Error ? err.message : String(err) }, 'bulk: could not read groups');
      groupsNote = 'Could not read the groups of this enterprise; type the group ID.';
    }
    const viewId = opened.view?.id;
    if (viewId) {
      await ctx.client.views.update({ view_id: viewId, view: buildBulkModal({ metadata, crms, groupsNote }) });
    }
  },
};
