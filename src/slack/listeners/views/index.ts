import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerBulkViews } from './bulk';

/**
 * Modal submissions and closes: `app.view('setup_modal', ...)` / `app.view({ callback_id, type: 'view_closed' }, ...)`.
 * Validation errors go back in the ack (`ack({ response_action: 'errors', errors })`), which must come
 * within 3 s; start slow work only after acking (push a "working" view or update it afterwards).
 */
export function register(app: App, services: Services): void {
  registerBulkViews(app, services);
}
