import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerDiagnoseShortcuts } from './diagnose';

/** Message shortcut declared in manifest.yml (features.shortcuts). */
export const TROUBLESHOOT_CONTACT = 'troubleshoot_contact';

/**
 * Global and message shortcuts. Each callback_id must also be in manifest.yml features.shortcuts
 * (test/slack/manifest.test.ts checks both ways).
 */
export function register(app: App, services: Services): void {
  // TROUBLESHOOT_CONTACT opens the diagnose modal prefilled from the message.
  registerDiagnoseShortcuts(app, services);
}
