import type { App } from '@slack/bolt';
import { getHomeData } from '../../../handlers/home';
import type { Services } from '../../../services';
import { buildHomeTab } from '../../views/home';

/** App Home: quick actions, the user's recent operations and the CRM reference, published on every open. */
export function registerHomeEvents(app: App, services: Services): void {
  app.event('app_home_opened', async ({ event, client }) => {
    if (event.tab !== 'home') return;
    const data = await getHomeData(services, event.user);
    await client.views.publish({ user_id: event.user, view: buildHomeTab(data) });
  });
}
