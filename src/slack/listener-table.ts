import type { AnyMiddlewareArgs, App } from '@slack/bolt';

/**
 * What a flow registers its listeners on: Bolt's own methods and signatures, so a flow's listeners.ts reads
 * the way Bolt's documentation does.
 */
export type ListenerRegistry = Pick<App, 'action' | 'options' | 'view' | 'shortcut' | 'event' | 'command'>;

/** The kinds looked up by id here; events and commands go to Bolt as they are (one listener each). */
type IdKind = 'action' | 'options' | 'view' | 'shortcut';
type Listener = (args: AnyMiddlewareArgs & Record<string, unknown>) => Promise<void> | void;

/** The id Bolt's string constraint of each kind matches (see matchConstraints in Bolt's builtin middleware). */
const ID_OF: Record<IdKind, (args: Record<string, unknown>) => unknown> = {
  action: (args) => (args.payload as { action_id?: unknown }).action_id,
  options: (args) => (args.payload as { action_id?: unknown }).action_id,
  view: (args) => (args.body as { view?: { callback_id?: unknown } }).view?.callback_id,
  shortcut: (args) => (args.body as { callback_id?: unknown }).callback_id,
};

/**
 * Listeners by kind and id, behind one Bolt listener per kind. Bolt runs the middleware chain of every
 * registered listener for every request: with one Bolt listener per id (46 of them) that fan-out cost about a
 * tenth of a bare Bolt app's whole ack time; a map lookup costs nothing. `app.view(id)` keeps Bolt's meaning
 * (submissions only). A constraint object or RegExp, or several listeners for one registration, go to Bolt
 * unchanged; the same id twice is a mistake and throws at start-up (Bolt would run both).
 */
export class ListenerTable implements ListenerRegistry {
  private readonly byKind: Record<IdKind, Map<string, Listener>> = {
    action: new Map(),
    options: new Map(),
    view: new Map(),
    shortcut: new Map(),
  };

  readonly action: App['action'];
  readonly options: App['options'];
  readonly view: App['view'];
  readonly shortcut: App['shortcut'];
  readonly event: App['event'];
  readonly command: App['command'];

  constructor(app: App) {
    const dispatch = (kind: IdKind) => async (args: AnyMiddlewareArgs) => {
      const id = ID_OF[kind](args as unknown as Record<string, unknown>);
      const listener = typeof id === 'string' ? this.byKind[kind].get(id) : undefined;
      if (listener) await listener(args as AnyMiddlewareArgs & Record<string, unknown>);
    };
    app.action({}, dispatch('action'));
    app.options({}, dispatch('options'));
    app.view({ type: 'view_submission' }, dispatch('view'));
    app.shortcut({}, dispatch('shortcut'));

    const byId = (kind: IdKind, boltMethod: (...args: unknown[]) => void) =>
      ((constraint: unknown, ...listeners: unknown[]) => {
        if (typeof constraint !== 'string' || listeners.length !== 1 || typeof listeners[0] !== 'function') {
          boltMethod(constraint, ...listeners);
          return;
        }
        const table = this.byKind[kind];
        if (table.has(constraint)) throw new Error(`Two listeners for the same ${kind} id: ${constraint}`);
        table.set(constraint, listeners[0] as Listener);
      }) as never;
    this.action = byId('action', app.action.bind(app) as never);
    this.options = byId('options', app.options.bind(app) as never);
    this.view = byId('view', app.view.bind(app) as never);
    this.shortcut = byId('shortcut', app.shortcut.bind(app) as never);
    this.event = app.event.bind(app) as App['event'];
    this.command = app.command.bind(app) as App['command'];
  }
}
