import type { App } from '@slack/bolt';
import type { Services } from '../../../services';

/** Message shortcut declared in manifest.yml (features.shortcuts). */
export const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

/**
 * Global and message shortcuts. Each callback_id must also be in manifest.yml features.shortcuts
 * (test/slack/manifest.test.ts checks both ways).
 */
export function register(app: App, _services: Services): void {
  // Placeholder until the troubleshooting flow lands: whoever builds it replaces this listener
  // with one that opens its modal (trigger_id expires 3 s after the click, so open it right after ack).
  app.shortcut(TROUBLESHOOT_CONTACT, async ({ ack, respond }) => {
    await ack();
    await respond?.({
      response_type: 'ephemeral',
      text: 'Troubleshooting from a message is not available yet. Type `/crm help` to see what the bot can do.',
    });
  });
}
