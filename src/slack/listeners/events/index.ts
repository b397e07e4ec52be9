import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { buildHomeView } from '../../views/help';
import { SUBCOMMANDS } from '../commands/subcommands';
import { visibleSubcommands } from '../commands/subcommands/help';
import { registerDiagnoseEvents } from './diagnose';

/**
 * Events API. Every event listened to here must be in manifest.yml settings.event_subscriptions.bot_events
 * (test/slack/manifest.test.ts checks both ways). Bolt acks events itself before listeners run.
 */
export function register(app: App, services: Services): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    await client.views.publish({ user_id: event.user, view: buildHomeView(helpFor(services)) });
  });

  registerDiagnoseEvents(app, services);
}

function helpFor(services: Services) {
  return { subcommands: visibleSubcommands(SUBCOMMANDS), crms: services.catalog.crms.map((crm) => crm.displayName) };
}
