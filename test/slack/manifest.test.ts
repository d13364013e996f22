import { readdirSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { SLACK_BOT_EVENTS, SLACK_FEATURE_SCOPES, SLACK_METHOD_SCOPES, requiredBotScopes } from "../../channels/slack/required-scopes.js";

const root = new URL("../../", import.meta.url);
const manifest = JSON.parse(readFileSync(new URL("manifest.json", root), "utf8")) as {
  oauth_config: { scopes: { bot: string[] } };
  settings: { event_subscriptions: { bot_events: string[] }; interactivity: { is_enabled: boolean }; socket_mode_enabled: boolean };
  features: { slash_commands: { command: string }[]; bot_user: { display_name: string } };
};
const sourceDir = new URL("channels/slack/", root);
const sources = readdirSync(sourceDir)
  .filter((f) => f.endsWith(".ts"))
  .map((f) => ({ file: f, text: readFileSync(new URL(f, sourceDir), "utf8") }));

/** `client.chat.postMessage(` and `this.client.files.uploadV2(` → "chat.postMessage", "files.uploadV2". */
function calledMethods(): Map<string, string> {
  const methods = new Map<string, string>();
  for (const { file, text } of sources) {
    for (const m of text.matchAll(/\bclient\.([a-z]+)\.([a-zA-Z0-9]+(?:\.[a-zA-Z0-9]+)?)\(/g)) methods.set(`${m[1]}.${m[2]}`, file);
  }
  return methods;
}

describe("manifest.json", () => {
  it("grants every scope a Web API method we call needs", () => {
    const methods = calledMethods();
    expect(methods.size).toBeGreaterThan(8);
    const granted = new Set(manifest.oauth_config.scopes.bot);
    for (const [method, file] of methods) {
      expect(SLACK_METHOD_SCOPES, `${file} calls ${method}: add it to SLACK_METHOD_SCOPES`).toHaveProperty([method]);
      for (const scope of SLACK_METHOD_SCOPES[method]!) expect(granted.has(scope), `${method} (${file}) needs ${scope}`).toBe(true);
    }
  });

  it("subscribes to the events we listen to, with their scopes", () => {
    // Listeners are registered through listenersOf(app) (listener-router.ts), conventionally named `on`.
    const listened = sources.flatMap(({ text }) => [...text.matchAll(/\bon\.event\("([a-z_]+)"/g)].map((m) => m[1]!));
    expect(listened).toContain("message");
    // "message" arrives through its per-conversation-type subscriptions (message.channels…).
    for (const event of listened) {
      const subscribed = manifest.settings.event_subscriptions.bot_events.some((e) => e === event || e.startsWith(`${event}.`));
      expect(subscribed, `we listen to ${event}: subscribe to it in manifest.json`).toBe(true);
    }
    for (const [event, scopes] of Object.entries(SLACK_BOT_EVENTS)) {
      expect(manifest.settings.event_subscriptions.bot_events).toContain(event);
      for (const scope of scopes) expect(manifest.oauth_config.scopes.bot).toContain(scope);
    }
  });

  it("enables interactivity, the /warmline command and Socket Mode", () => {
    expect(sources.some(({ text }) => /\bon\.(action|view)\b/.test(text))).toBe(true);
    expect(manifest.settings.interactivity.is_enabled).toBe(true);
    const command = sources.map(({ text }) => /SLACK_COMMAND = "([^"]+)"/.exec(text)?.[1]).find(Boolean);
    expect(manifest.features.slash_commands.map((c) => c.command)).toEqual([command]);
    expect(manifest.settings.socket_mode_enabled).toBe(true);
    for (const scope of [...SLACK_FEATURE_SCOPES.command!, ...SLACK_FEATURE_SCOPES.fileDownload!])
      expect(manifest.oauth_config.scopes.bot).toContain(scope);
  });

  it("asks for exactly the scopes Warmline uses, no more", () => {
    expect([...manifest.oauth_config.scopes.bot].sort()).toEqual(requiredBotScopes());
  });
});
