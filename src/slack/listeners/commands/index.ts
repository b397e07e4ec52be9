import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerCrmCommand } from './crm';

/** Slash commands. Each must also be in manifest.yml (test/slack/manifest.test.ts checks). New /crm subcommands go in subcommands/index.ts, not here. */
export function register(app: App, services: Services): void {
  registerCrmCommand(app, services);
}
