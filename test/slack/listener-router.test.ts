import { App, type BlockAction, type ButtonAction } from "@slack/bolt";
import { describe, expect, it } from "vitest";
import { listenersOf } from "../../channels/slack/listener-router.js";

/** A Bolt app that needs no Slack: authorize answers locally, and requests go straight to processEvent. */
function boltApp(): App {
  return new App({
    signingSecret: "test-secret",
    deferInitialization: true,
    authorize: async () => ({ botToken: "xoxb-test", botId: "B1", botUserId: "UBOT" }),
  });
}

const ack = async () => {};
const click = (actionId: string) => ({
  body: {
    type: "block_actions",
    team: { id: "T1" },
    user: { id: "U1" },
    api_app_id: "A1",
    token: "t",
    trigger_id: "1.2",
    actions: [{ type: "button", action_id: actionId, block_id: "b", action_ts: "1.3", value: "v" }],
  },
  ack,
});
const message = (text: string) => ({
  body: {
    type: "event_callback",
    team_id: "T1",
    api_app_id: "A1",
    event_id: "Ev1",
    event_time: 1,
    event: { type: "message", channel: "C1", user: "U2", text, ts: "1.2", thread_ts: "1.1" },
  },
  ack,
});

describe("listenersOf(app)", () => {
  it("dispatches each request to the handler of its id only, across the modules that registered them", async () => {
    const app = boltApp();
    await app.init();
    const heard: string[] = [];
    // Two registering modules, as in main.ts: each asks for the app's listeners.
    listenersOf(app).action<BlockAction<ButtonAction>>("claim", async ({ action }) => {
      heard.push(`claim ${action.value}`);
    });
    listenersOf(app).action("resolve", async () => {
      heard.push("resolve");
    });
    listenersOf(app).event("message", async ({ event }) => {
      heard.push(`message ${"text" in event ? event.text : ""}`);
    });
    listenersOf(app).event("app_home_opened", async () => {
      heard.push("home");
    });

    await app.processEvent(click("resolve"));
    await app.processEvent(message("hello"));
    await app.processEvent(click("claim"));
    // No handler for this id: nothing runs, as when no Bolt listener matched it.
    await app.processEvent(click("unknown"));
    expect(heard).toEqual(["resolve", "message hello", "claim v"]);
  });

  it("gives Bolt one listener per kind, however many handlers there are", async () => {
    const app = boltApp();
    await app.init();
    const on = listenersOf(app);
    for (let i = 0; i < 12; i++) on.action(`button_${i}`, async () => {});
    on.view("modal_a", async () => {});
    on.view("modal_b", async () => {});
    on.event("message", async () => {});
    on.command("/warmline", async () => {});
    // Bolt runs every listener it holds for every request: this count is what each request pays for.
    expect((app as unknown as { listeners: unknown[] }).listeners).toHaveLength(4);
  });

  it("refuses a second handler for the same id, naming it", () => {
    const on = listenersOf(boltApp());
    on.view("warmline_transfer", async () => {});
    expect(() => on.view("warmline_transfer", async () => {})).toThrow(/view listener for "warmline_transfer" is registered twice/);
  });
});
