import { type FetchFunction, WebClient } from "@slack/web-api";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createSlackMaskingGate } from "../../channels/slack/masking-gate.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import { createSlackHttpTransport } from "../../channels/slack/slack-http-transport.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { createSilentLogger } from "../../src/logging.js";

const PHONE = "+33 6 71 23 45 89";
const EMAIL = "lena.kraus@post.example";
const CARD = "4000 0566 5566 5556";

const agent = new Agent();
/** What the gate sends with: the service's undici transport, and Node's fetch (the default without one). */
const TRANSPORTS: [string, () => FetchFunction][] = [
  ["undici", () => createSlackHttpTransport(agent)],
  ["fetch", () => globalThis.fetch as FetchFunction],
];

describe.each(TRANSPORTS)("the Slack masking gate (the fetch of every WebClient), sending with %s", (_name, transport) => {
  let api: FakeSlackApi;
  let client: WebClient;
  beforeAll(async () => {
    api = await startFakeSlackApi({ channels: [{ id: "C0RETENT1", name: "retention" }] });
    const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
    client = new WebClient("xoxb-gate", { slackApiUrl: api.url, retryConfig: { retries: 0 }, fetch: gate.wrap(transport()) });
  });
  afterAll(async () => api?.close());

  const sent = () => JSON.stringify(api.calls.map((c) => c.args));

  it("masks text, blocks, views, ephemeral notes, file names and alt text, and methods it has never heard of", async () => {
    const dirty = `call ${PHONE}, mail ${EMAIL}, card ${CARD}`;
    const posted = await client.chat.postMessage({
      channel: "C0RETENT1",
      text: dirty,
      blocks: [
        { type: "header", text: { type: "plain_text", text: dirty } },
        { type: "section", fields: [{ type: "mrkdwn", text: dirty }] },
        { type: "context", elements: [{ type: "mrkdwn", text: dirty }] },
        {
          type: "actions",
          elements: [{ type: "button", text: { type: "plain_text", text: "Claim" }, action_id: "claim", value: "conv_4000056655665556" }],
        },
      ],
    });
    await client.chat.update({ channel: "C0RETENT1", ts: posted.ts!, text: dirty });
    await client.chat.postEphemeral({ channel: "C0RETENT1", user: "U0AGENT01", text: dirty });
    await client.views.open({
      trigger_id: "1.2.3",
      view: {
        type: "modal",
        title: { type: "plain_text", text: "Transcript" },
        blocks: [{ type: "section", text: { type: "mrkdwn", text: dirty } }],
      },
    });
    await client.files.uploadV2({
      channel_id: "C0RETENT1",
      thread_ts: posted.ts!,
      file: Buffer.from("x"),
      filename: `scan ${PHONE}.jpg`,
      alt_text: dirty,
    });
    await client.apiCall("chat.scheduleMessage", { channel: "C0RETENT1", text: dirty, post_at: 2_000_000_000 }).catch(() => undefined);
    const all = sent();
    expect(all).not.toMatch(/71 23 45 89|lena\.kraus|4000 0566/);
    expect(all).toContain("+33 •••• ••• 589");
    expect(all).toContain("l•••@post.example");
    expect(all).toContain("[card •••• 5556]");
    // Machine fields are left alone: a button's value is not read by people.
    expect(all).toContain("conv_4000056655665556");
  });

  it("keeps Slack's own tokens whole: mentions, dates and the call-back tel: link", async () => {
    const text = "<@U0AGENT01> since <!date^1715072400^{time}|09:00> call <tel:+33671234589|+33 6 71 23 45 89>";
    await client.chat.postMessage({ channel: "C0RETENT1", text });
    expect(api.calls.at(-1)!.args.text).toBe(text);
  });
});

describe("the Slack masking gate", () => {
  afterAll(() => agent.destroy());

  it("passes a request with nothing to mask on as the client wrote it, and re-encodes only one it changed", async () => {
    const bodies: string[] = [];
    const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
    const seen = gate.wrap(async (_input, init) => {
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ ok: true, ts: "1.000001" }), { headers: { "content-type": "application/json" } });
    });
    const recorder = new WebClient("xoxb-gate", { slackApiUrl: "http://127.0.0.1:9/api/", retryConfig: { retries: 0 }, fetch: seen });
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "Order 100311 & co: *on its way* (2 items)" } }];
    await recorder.chat.postMessage({ channel: "C0RETENT1", text: "Order 100311 & co: on its way", blocks });
    await recorder.chat.postMessage({ channel: "C0RETENT1", text: `call ${PHONE}`, blocks });
    const [clean, dirty] = bodies.map((body) => new URLSearchParams(body));
    // The client's own encoding (spaces as %20), untouched: the gate neither decoded nor re-encoded it.
    expect(bodies[0]).toContain("Order%20100311");
    expect(clean!.get("text")).toBe("Order 100311 & co: on its way");
    expect(JSON.parse(clean!.get("blocks")!)).toEqual(blocks);
    expect(dirty!.get("text")).toBe("call +33 •••• ••• 589");
    expect(JSON.parse(dirty!.get("blocks")!)).toEqual(blocks);
    // Only the changed field was encoded again: the others go byte for byte as the client wrote them.
    const raw = (body: string, key: string) => body.split("&").find((pair) => pair.startsWith(`${key}=`));
    expect(raw(bodies[1]!, "blocks")).toBe(raw(bodies[0]!, "blocks"));
    expect(raw(bodies[1]!, "text")).toBe(`text=${encodeURIComponent("call +33 •••• ••• 589")}`);
  });

  it("masks a readable field however the form spells its name, and every copy of a repeated one", async () => {
    const bodies: string[] = [];
    const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
    const send = gate.wrap(async (_input, init) => {
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ ok: true }), { headers: { "content-type": "application/json" } });
    });
    const phone = encodeURIComponent(PHONE);
    await send("http://127.0.0.1:9/api/chat.postMessage", {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: `channel=C0RETENT1&te%78t=${phone}&text=mail+${encodeURIComponent(EMAIL)}&text=${phone}`,
    });
    const sent = new URLSearchParams(bodies[0]);
    expect(sent.getAll("text")).toEqual(["+33 •••• ••• 589", "mail l•••@post.example", "+33 •••• ••• 589"]);
    expect(bodies[0]).not.toMatch(/71|lena/);
  });

  it("masks a card's blocks once: what it masked ahead goes byte for byte as masking the request would, anything else is masked", async () => {
    const bodies: string[] = [];
    const options = { maskCards: true, maskEmails: true, maskPhones: true };
    const gate = createSlackMaskingGate(options);
    const send = gate.wrap(async (_input, init) => {
      bodies.push(String(init?.body));
      return new Response(JSON.stringify({ ok: true, ts: "1.000001" }), { headers: { "content-type": "application/json" } });
    });
    const client = new WebClient("xoxb-gate", { slackApiUrl: "http://127.0.0.1:9/api/", retryConfig: { retries: 0 }, fetch: send });
    const card = [
      { type: "header", text: { type: "plain_text", text: `Lena ${PHONE}` } },
      { type: "section", text: { type: "mrkdwn", text: `mail ${EMAIL} <!date^1700000000^{time}|12:00>` } },
      { type: "actions", elements: [{ type: "button", text: { type: "plain_text", text: "Claim" }, value: "conv_4000056655665556" }] },
    ];
    // The old way: blocks as objects, masked by the gate in the request.
    await client.chat.postMessage({ channel: "C0RETENT1", text: "card", blocks: card });
    const ahead = gate.maskBlocks("C0RETENT1", undefined, card);
    await client.chat.postMessage({ channel: "C0RETENT1", text: "card", blocks: ahead as never });
    const blocksOf = (body: string) => new URLSearchParams(body).get("blocks")!;
    expect(blocksOf(bodies[1]!)).toBe(blocksOf(bodies[0]!));
    expect(ahead).not.toMatch(/71|lena\.kraus/);
    expect(ahead).toContain("conv_4000056655665556");

    // Read once: the gate does not parse its own output again (it parsed the old way's blocks).
    const parse = vi.spyOn(JSON, "parse");
    try {
      await client.chat.postMessage({ channel: "C0RETENT1", text: "card", blocks: gate.maskBlocks("C0RETENT1", undefined, card) as never });
      expect(parse.mock.calls.filter(([text]) => String(text).includes("Claim"))).toEqual([]);
    } finally {
      parse.mockRestore();
    }

    // Not its own output: a string it never produced, or its output for a thread masked in another country.
    await client.chat.postMessage({ channel: "C0RETENT1", text: "card", blocks: JSON.stringify(card) as never });
    expect(blocksOf(bodies[3]!)).toBe(blocksOf(bodies[0]!));
    gate.rememberRegion("C0RETENT1", "2.000002", "FR");
    const inFrance = gate.maskBlocks("C0RETENT1", "2.000002", card);
    const again = vi.spyOn(JSON, "parse");
    try {
      await client.chat.postMessage({ channel: "C0RETENT1", text: "card", blocks: inFrance as never });
      expect(again.mock.calls.filter(([text]) => text === inFrance)).toHaveLength(1);
    } finally {
      again.mockRestore();
    }
  });

  it("is in every App's client options, even when the caller passes none", () => {
    const options = slackAppOptions({
      config: { slack: { mode: "http", admins: [] } },
      env: { slackBotToken: "xoxb-1", slackSigningSecret: "secret", logLevel: "info" } as never,
      logger: createSilentLogger(),
    });
    expect(options.clientOptions?.fetch).toBeTypeOf("function");
  });
});
