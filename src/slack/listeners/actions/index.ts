import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerBulkActions } from './bulk';

/**
 * Block actions (buttons, selects, overflow menus). Add one line per flow:
 *   app.action('setup_pick_crm', ...)  or  registerSetupActions(app, services) from a flow module.
 * Listeners ack first, then parse `body`/`action` and call a handler in src/handlers.
 * Use stable, prefixed action_ids (`<flow>_<what>`), or a RegExp such as /^setup_/ for a family.
 */
export function register(app: App, services: Services): void {
  registerBulkActions(app, services);
}
