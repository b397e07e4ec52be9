import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerSetupOptions } from './setup';

/**
 * External select menus (block_suggestion): `app.options('lookup_location', async ({ ack, options }) => ...)`.
 * The ack carries the options and must come within 3 s: keep lookups fast or cache them.
 * Manifest: settings.interactivity.message_menu_options_url points at /slack/events.
 */
export function register(app: App, services: Services): void {
  registerSetupOptions(app, services);
}
