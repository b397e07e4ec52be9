import type { App, BlockAction, ButtonAction } from '@slack/bolt';
import { findLookupSpec } from '../../../handlers/lookups';
import type { Services } from '../../../services';
import { buildLookupModal, LOOKUP_AGAIN } from '../../views/lookups';
import { parseLookupMetadata } from '../views/lookups';

/** "Look up again" on a result: back to an empty form for the same lookup. */
export function registerLookupActions(app: App, services: Services): void {
  app.action<BlockAction<ButtonAction>>(LOOKUP_AGAIN, async ({ ack, body, action, client }) => {
    await ack();
    const meta = parseLookupMetadata(action.value);
    const spec = meta && findLookupSpec(services.catalog, meta.lookup, meta.crm);
    if (!meta || !spec || !body.view) return;
    await client.views.update({ view_id: body.view.id, view: buildLookupModal(spec, meta) });
  });
}
