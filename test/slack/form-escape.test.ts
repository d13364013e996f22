import querystring from "node:querystring";
import { type FetchFunction, WebClient } from "@slack/web-api";
import { describe, expect, it } from "vitest";
import { buildContextCard } from "../../channels/slack/context-card.js";
import { nodeFormEscape, useNativeFormEscape } from "../../channels/slack/slack-http-transport.js";
import { cancellationContext, TEAMS } from "./context-fixture.js";

/** What an escape gives for `value`: its text, or the class and message of what it threw. */
function outcome(encode: (value: string) => string, value: string): string {
  try {
    return encode(value);
  } catch (error) {
    return `threw ${(error as Error).constructor.name}: ${(error as Error).message}`;
  }
}

/** Every UTF-16 code unit alone and before "a" (lone surrogates included), pairs, and text as Warmline sends it. */
function battery(): string[] {
  const strings: string[] = [];
  for (let unit = 0; unit <= 0xffff; unit++) {
    const char = String.fromCharCode(unit);
    strings.push(char, `${char}a`, `a${char}`);
  }
  strings.push("😀", "👩🏽‍💻 ok", "\uD83D\uDE00\uDE00", "\uD83D\uD83D\uDE00", "", "+44 •••• ••• 123 · Bench Customer… 5 %20 + & = ?");
  const card = buildContextCard(cancellationContext(), { kind: "waiting" }, TEAMS);
  strings.push(card.text, JSON.stringify(card.blocks));
  return strings;
}

/** The form body WebClient writes for a card post, as its fetch receives it. */
async function cardPostBody(): Promise<string> {
  let body = "";
  const fetch: FetchFunction = async (_url, init) => {
    body = String(init?.body);
    return new Response(JSON.stringify({ ok: true, ts: "1.000001" }), { headers: { "content-type": "application/json" } });
  };
  const client = new WebClient("xoxb-escape", { slackApiUrl: "http://127.0.0.1:9/api/", retryConfig: { retries: 0 }, fetch });
  const card = buildContextCard(cancellationContext(), { kind: "waiting" }, TEAMS);
  await client.chat.postMessage({
    channel: "C0RETENT1",
    text: card.text,
    blocks: card.blocks,
    unfurl_links: false,
    metadata: { event_type: "warmline_outbox", event_payload: { id: "out_1" } },
  });
  return body;
}

describe("the form escape WebClient's bodies are written with", () => {
  it("encodes every string, lone surrogates included, and every form body exactly as Node's own querystring.escape", async () => {
    const nodeEscape = nodeFormEscape();
    const strings = battery();
    const values = { text: "a b", n: 7, big: 1e21, tiny: 1e-7, nan: Number.NaN, yes: true, id: 10n, list: ["x y", 2], none: undefined };
    const before = {
      escaped: strings.map((s) => outcome(nodeEscape, s)),
      stringified: querystring.stringify(values),
      body: await cardPostBody(),
    };

    useNativeFormEscape();
    useNativeFormEscape();

    // Installed (not Node's own any more), and still able to reach Node's own.
    expect(querystring.escape).not.toBe(nodeEscape);
    expect(nodeFormEscape()).toBe(nodeEscape);
    const after = strings.map((s) => outcome(querystring.escape, s));
    const differing = strings.filter((_, i) => after[i] !== before.escaped[i]);
    expect(differing).toEqual([]);
    expect(querystring.stringify(values)).toBe(before.stringified);
    expect(await cardPostBody()).toBe(before.body);
  });
});
