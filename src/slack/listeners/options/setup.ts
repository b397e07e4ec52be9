import type { App } from '@slack/bolt';
import { lookupOptions } from '../../../handlers/setup/flow';
import type { Services } from '../../../services';
import { SETUP_ACTION } from '../../views/setup';

/** Live lookups for location properties in the setup modal (external selects). */
export function registerSetupOptions(app: App, services: Services): void {
  app.options(SETUP_ACTION.lookup, async ({ ack, body, client }) => {
    const b = body as { block_id?: string; value?: string; view?: { private_metadata?: string } };
    const result = await lookupOptions(
      { services, client },
      { blockId: b.block_id ?? '', typed: b.value ?? '', privateMetadata: b.view?.private_metadata },
    );
    await ack(result);
  });
}
