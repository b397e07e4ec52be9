import type { App } from '@slack/bolt';
import type { Services } from '../../../services';
import { registerDiagnoseEvents } from './diagnose';

/**
 * Events API. Every event listened to here must be in manifest.yml settings.event_subscriptions.bot_events
 * (test/slack/manifest.test.ts checks both ways). Bolt acks events itself before listeners run.
 */
export function register(app: App, services: Services): void {
  registerDiagnoseEvents(app, services);
}
