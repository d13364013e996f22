import type {
  App,
  BlockAction,
  Middleware,
  SlackAction,
  SlackActionMiddlewareArgs,
  SlackCommandMiddlewareArgs,
  SlackEventMiddlewareArgs,
  SlackShortcut,
  SlackShortcutMiddlewareArgs,
  SlackViewAction,
  SlackViewMiddlewareArgs,
} from "@slack/bolt";

/**
 * Where Warmline's Slack listeners are registered. Bolt runs the middleware of every listener it
 * holds for every request (about 5 µs each, measured: a message event cost 140 µs of Bolt with the
 * twenty listeners Warmline had, 40 µs with one), so each kind of request gets one Bolt listener
 * here, which finds the handler by its id in a map. Every request then passes five listeners.
 */
export interface SlackListeners {
  /** A block action (button, select) by its action_id. */
  action<A extends SlackAction = SlackAction>(actionId: string, listener: Middleware<SlackActionMiddlewareArgs<A>>): void;
  /** A modal's submission by its callback_id. */
  view<V extends SlackViewAction = SlackViewAction>(callbackId: string, listener: Middleware<SlackViewMiddlewareArgs<V>>): void;
  /** An Events API event by its type. */
  event<E extends string>(type: E, listener: Middleware<SlackEventMiddlewareArgs<E>>): void;
  /** A slash command by its name ("/warmline"). */
  command(name: string, listener: Middleware<SlackCommandMiddlewareArgs>): void;
  /** A global or message shortcut by its callback_id. */
  shortcut<S extends SlackShortcut = SlackShortcut>(callbackId: string, listener: Middleware<SlackShortcutMiddlewareArgs<S>>): void;
}

type Kind = keyof SlackListeners;
/** A handler as the router holds it: typed where it was added, called with the args Bolt gave the kind's listener. */
type Listener = (args: object) => Promise<void>;
type Handlers = Map<string, Listener>;

/** Each kind's one Bolt listener: every request of the kind. */
const BOLT_LISTENER: Record<Kind, (app: App, dispatch: Listener) => void> = {
  action: (app, dispatch) => app.action({ type: "block_actions" }, dispatch),
  view: (app, dispatch) => app.view({ type: "view_submission" }, dispatch),
  event: (app, dispatch) => app.event(/.*/, dispatch),
  command: (app, dispatch) => app.command(/.*/, dispatch),
  shortcut: (app, dispatch) => app.shortcut(/.*/, dispatch),
};

/** The id a request of each kind is dispatched by. */
const ID_OF: Record<Kind, (args: object) => string | undefined> = {
  action: (args) => (args as Partial<SlackActionMiddlewareArgs<BlockAction>>).action?.action_id,
  view: (args) => (args as Partial<SlackViewMiddlewareArgs>).view?.callback_id,
  event: (args) => (args as Partial<SlackEventMiddlewareArgs>).event?.type,
  command: (args) => (args as Partial<SlackCommandMiddlewareArgs>).command?.command,
  shortcut: (args) => (args as Partial<SlackShortcutMiddlewareArgs>).shortcut?.callback_id,
};

const routers = new WeakMap<App, SlackListeners>();

/** The app's listeners: the same router for every module that registers some, so each kind has one Bolt listener. */
export function listenersOf(app: App): SlackListeners {
  let router = routers.get(app);
  if (router === undefined) {
    router = createRouter(app);
    routers.set(app, router);
  }
  return router;
}

function createRouter(app: App): SlackListeners {
  const kinds = new Map<Kind, Handlers>();
  const add = (kind: Kind, id: string, listener: unknown): void => {
    let handlers = kinds.get(kind);
    if (handlers === undefined) {
      const registered: Handlers = new Map();
      handlers = registered;
      kinds.set(kind, registered);
      // No handler for the id: nothing runs, as when no Bolt listener matched it.
      BOLT_LISTENER[kind](app, async (args) => {
        const id = ID_OF[kind](args);
        await (id === undefined ? undefined : registered.get(id)?.(args));
      });
    }
    // Bolt would run both; one handler per id keeps what a click does in one place.
    if (handlers.has(id))
      throw new Error(`A Slack ${kind} listener for "${id}" is registered twice: register each id once, in the module that owns it`);
    handlers.set(id, listener as Listener);
  };
  return {
    action: (id, listener) => add("action", id, listener),
    view: (id, listener) => add("view", id, listener),
    event: (type, listener) => add("event", type, listener),
    command: (name, listener) => add("command", name, listener),
    shortcut: (id, listener) => add("shortcut", id, listener),
  };
}
