import { type FetchFunction, LogLevel, WebAPIHTTPError, WebAPIRateLimitedError, WebAPIRequestError, WebClient } from "@slack/web-api";
import { Agent } from "undici";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { createSlackMaskingGate } from "../../channels/slack/masking-gate.js";
import { slackAppOptions } from "../../channels/slack/slack-app-options.js";
import { createSlackHttpTransport } from "../../channels/slack/slack-http-transport.js";
import { createSilentLogger } from "../../src/logging.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";

const CHANNEL = "C0RETENT1";

describe("the Slack HTTP transport (undici under the masking gate)", () => {
  let api: FakeSlackApi;
  // One connection, so every call after a failed one goes over the same connection or a fresh one.
  let agent: Agent;
  const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
  const client = (options: ConstructorParameters<typeof WebClient>[1] = {}) =>
    new WebClient("xoxb-transport", {
      slackApiUrl: api.url,
      retryConfig: { retries: 0 },
      fetch: gate.wrap(createSlackHttpTransport(agent)),
      logLevel: LogLevel.ERROR,
      ...options,
    });

  beforeAll(async () => {
    api = await startFakeSlackApi({ channels: [{ id: CHANNEL, name: "retention" }], grantedScopes: ["chat:write", "reactions:write"] });
    agent = new Agent({ connections: 1 });
  });
  afterEach(() => {
    api.latency = undefined;
  });
  afterAll(async () => {
    await agent.destroy();
    await api?.close();
  });

  it("posts through the gate, masked, and reads the answer and its headers as fetch's did", async () => {
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: "call +33 6 71 23 45 89", blocks: [] });
    expect(posted.ok).toBe(true);
    expect(posted.ts).toBe(api.messages.at(-1)!.ts);
    expect(posted.response_metadata?.scopes).toEqual(["chat:write", "reactions:write"]);
    expect(api.calls.at(-1)!.args.text).toBe("call +33 •••• ••• 589");
    expect(api.calls.at(-1)!.token).toBe("xoxb-transport");
  });

  it("answers a post or an update without the message it repeats, and every other call whole", async () => {
    const blocks = [{ type: "section", text: { type: "mrkdwn", text: "the card" } }];
    const posted = await client().chat.postMessage({ channel: CHANNEL, text: "the card", blocks });
    expect(posted).toMatchObject({ ok: true, channel: CHANNEL, ts: api.messages.at(-1)!.ts });
    // Slack's answer holds the whole message, blocks included; WebClient would copy it for its debug log.
    expect(posted.message).toBeUndefined();
    const updated = await client().chat.update({ channel: CHANNEL, ts: posted.ts!, text: "the card, claimed", blocks });
    expect(updated).toMatchObject({ ok: true, channel: CHANNEL, ts: posted.ts });
    expect(updated.message).toBeUndefined();
    const history = await client().conversations.history({ channel: CHANNEL, limit: 1 });
    expect(history.messages?.[0]).toMatchObject({ ts: posted.ts, text: "the card, claimed", blocks });
    const refused = client().chat.postMessage({ channel: "C0NOWHERE", text: "lost" });
    await expect(refused).rejects.toMatchObject({ data: { ok: false, error: "channel_not_found" } });
  });

  it("reads a long answer that arrives in many pieces whole", async () => {
    const { ts } = await client().chat.postMessage({ channel: CHANNEL, text: "the card" });
    const long = "x".repeat(4_000);
    for (let i = 0; i < 40; i++) await client().chat.postMessage({ channel: CHANNEL, thread_ts: ts!, text: `${i} ${long}` });
    const replies = await client().conversations.replies({ channel: CHANNEL, ts: ts!, limit: 1000 });
    expect(replies.messages?.map((m) => m.text?.split(" ")[0])).toEqual(["the", ...Array.from({ length: 40 }, (_, i) => String(i))]);
  });

  it("reports a 429 with its Retry-After, and the connection is free for the next call", async () => {
    api.failNext("chat.postMessage", { status: 429, retryAfter: 7 });
    const limited = client({ rejectRateLimitedCalls: true }).chat.postMessage({ channel: CHANNEL, text: "hello" });
    await expect(limited).rejects.toBeInstanceOf(WebAPIRateLimitedError);
    await expect(limited).rejects.toMatchObject({ retryAfter: 7 });
    await expect(client().chat.postMessage({ channel: CHANNEL, text: "hello again" })).resolves.toMatchObject({ ok: true });
  });

  it("retries a 429 after its Retry-After, and a 500, with WebClient's own retries", async () => {
    api.failNext("chat.postMessage", { status: 429, retryAfter: 0 });
    api.failNext("chat.postMessage", { status: 500 });
    const before = api.callsTo("chat.postMessage").length;
    const retrying = client({ retryConfig: { retries: 2, minTimeout: 0, maxTimeout: 0 } });
    await expect(retrying.chat.postMessage({ channel: CHANNEL, text: "third time" })).resolves.toMatchObject({ ok: true });
    expect(api.callsTo("chat.postMessage").length - before).toBe(3);
  });

  it("gives a 5xx as WebAPIHTTPError with its status and body", async () => {
    api.failNext("chat.postMessage", { status: 500 });
    const failed = client().chat.postMessage({ channel: CHANNEL, text: "hello" });
    await expect(failed).rejects.toBeInstanceOf(WebAPIHTTPError);
    await expect(failed).rejects.toMatchObject({ statusCode: 500, statusMessage: "Internal Server Error" });
  });

  it("gives up on a call past WebClient's timeout (its abort signal)", async () => {
    api.latency = { ms: 2_000, applyFirst: () => false };
    const slow = client({ timeout: 50 }).chat.postMessage({ channel: CHANNEL, text: "slow" });
    await expect(slow).rejects.toBeInstanceOf(WebAPIRequestError);
  });

  it("sends a file upload (multipart) through its fallback, still masked", async () => {
    const sentWith: string[] = [];
    const fallback: FetchFunction = (input, init) => {
      sentWith.push(String(input));
      return globalThis.fetch(input, init as RequestInit) as ReturnType<FetchFunction>;
    };
    const uploader = new WebClient("xoxb-transport", {
      slackApiUrl: api.url,
      retryConfig: { retries: 0 },
      fetch: gate.wrap(createSlackHttpTransport(agent, fallback)),
    });
    await uploader.files.uploadV2({ channel_id: CHANNEL, file: Buffer.from("x"), filename: "scan +33 6 71 23 45 89.jpg" });
    expect(sentWith).toHaveLength(1);
    expect(JSON.stringify(api.uploads.map((u) => u.filename))).toContain("+33 •••• ••• 589");
  });

  it("is what slackAppOptions sends with when given, behind the gate", async () => {
    const sent: string[] = [];
    const options = slackAppOptions({
      config: { slack: { mode: "http", admins: [] } },
      env: { slackBotToken: "xoxb-1", slackSigningSecret: "secret", logLevel: "info", slackApiUrl: api.url } as never,
      logger: createSilentLogger(),
      transport: (input, init) => {
        sent.push(String(init?.body));
        return createSlackHttpTransport(agent)(input, init);
      },
    });
    const app = new WebClient("xoxb-transport", { ...options.clientOptions, retryConfig: { retries: 0 } });
    await app.chat.postMessage({ channel: CHANNEL, text: "mail lena.kraus@post.example" });
    expect(new URLSearchParams(sent[0]).get("text")).toBe("mail l•••@post.example");
  });
});
