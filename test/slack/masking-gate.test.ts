import { type FetchFunction, WebClient } from "@slack/web-api";
import { Agent } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
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

  it("is in every App's client options, even when the caller passes none", () => {
    const options = slackAppOptions({
      config: { slack: { mode: "http", admins: [] } },
      env: { slackBotToken: "xoxb-1", slackSigningSecret: "secret", logLevel: "info" } as never,
      logger: createSilentLogger(),
    });
    expect(options.clientOptions?.fetch).toBeTypeOf("function");
  });
});
