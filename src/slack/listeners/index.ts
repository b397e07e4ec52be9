import type { App } from '@slack/bolt';
import type { Services } from '../../services';
import * as actions from './actions';
import * as commands from './commands';
import * as events from './events';
import * as options from './options';
import * as shortcuts from './shortcuts';
import * as views from './views';

/** Registers every listener. Layout follows the Bolt TypeScript starter: one folder per kind of request. */
export function registerListeners(app: App, services: Services): void {
  commands.register(app, services);
  actions.register(app, services);
  views.register(app, services);
  options.register(app, services);
  shortcuts.register(app, services);
  events.register(app, services);
}
