import type { App } from '@slack/bolt';
import type { Services } from '../../../services';

/**
 * External select menus (block_suggestion): `app.options('lookup_location', async ({ ack, options }) => ...)`.
 * The ack carries the options and must come within 3 s: keep lookups fast or cache them.
 * Manifest: settings.interactivity.message_menu_options_url points at /slack/events.
 */
export function register(_app: App, _services: Services): void {}
