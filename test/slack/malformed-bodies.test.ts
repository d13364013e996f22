import fc from "fast-check";
import { afterAll, afterEach, beforeEach, describe, expect, it } from "vitest";
import {
  postCommand,
  postEvent,
  sendSignedRequest,
  slackFixture,
  slashCommand,
  threadReplyEvent,
} from "../../src/sandbox/slack-signing.js";
import { HARNESS_SIGNING_SECRET, type SlackHarness, startSlackHarness } from "../helpers/slack-harness.js";

const JSON_TYPE = "application/json";
const FORM_TYPE = "application/x-www-form-urlencoded";

let h: SlackHarness | undefined;
/**
 * What the process failed to handle: with no handler of its own, Node would have exited on it. A
 * request racing `crashed` fails at once with the reason instead of waiting for an answer that never comes.
 */
const unhandled: unknown[] = [];
let crashed: Promise<never>;
let onUnhandled: (reason: unknown) => void;
beforeEach(() => {
  unhandled.length = 0;
  crashed = new Promise<never>((_, reject) => {
    onUnhandled = (reason) => {
      unhandled.push(reason);
      reject(new Error(`The process would have exited on an unhandled rejection: ${String(reason)}`));
    };
  });
  crashed.catch(() => undefined);
  process.on("unhandledRejection", onUnhandled);
});
afterEach(async () => {
  process.off("unhandledRejection", onUnhandled);
  await h?.close();
  h = undefined;
});

const signed = (url: string, body: string, contentType = JSON_TYPE, secret = HARNESS_SIGNING_SECRET) =>
  Promise.race([sendSignedRequest(url, secret, body, contentType), crashed]);
const form = (payload: string) => `payload=${encodeURIComponent(payload)}`;

/** The service still does its job: a signed thread reply is relayed to the customer. */
async function stillServes(harness: SlackHarness): Promise<void> {
  const { thread, cardTs, channel } = await harness.escalateCancellation();
  expect(thread).toBeDefined();
  const reply = threadReplyEvent({ channel, user: "U0AGENT01", text: "Still here", ts: "1715000999.000001", threadTs: cardTs });
  expect((await postEvent(harness.url, HARNESS_SIGNING_SECRET, reply)).status).toBe(200);
  expect(unhandled).toEqual([]);
}

/** The table's cases share one service: each leaves it as it found it. */
let shared: SlackHarness | undefined;
const sharedHarness = async () => (shared ??= await startSlackHarness());
afterAll(async () => {
  await shared?.close();
});

describe("malformed Slack request bodies", () => {
  it.each<[string, string, string]>([
    ["JSON null", "null", JSON_TYPE],
    ["a JSON array", "[]", JSON_TYPE],
    ["an array of events", '[{"type":"event_callback","event":{"type":"message"}}]', JSON_TYPE],
    ["a JSON number", "42", JSON_TYPE],
    ["a JSON string", '"hello"', JSON_TYPE],
    ["JSON true", "true", JSON_TYPE],
    ["broken JSON", '{"type":', JSON_TYPE],
    ["an empty body", "", JSON_TYPE],
    ["payload=null", form("null"), FORM_TYPE],
    ["payload=[1,2]", form("[1,2]"), FORM_TYPE],
    ["payload=7", form("7"), FORM_TYPE],
    ["payload= broken JSON", form("{nope"), FORM_TYPE],
    ["a deeply nested JSON array (2 MB)", `${"[".repeat(1_000_000)}${"]".repeat(1_000_000)}`, JSON_TYPE],
    [
      "a huge JSON object with no type (3 MB)",
      JSON.stringify({ items: Array.from({ length: 100_000 }, (_, i) => ({ i, v: "xxxxxxxxxx" })) }),
      JSON_TYPE,
    ],
    ["an event that is null", '{"type":"event_callback","event":null}', JSON_TYPE],
    ["an event that is a string", '{"type":"event_callback","event":"message"}', JSON_TYPE],
  ])("%s, validly signed, gets 400 and a log line; unsigned, 401", async (_name, body, contentType) => {
    const harness = await sharedHarness();
    const logged = harness.logs.length;
    expect((await signed(harness.url, body, contentType)).status).toBe(400);
    expect(harness.logs.slice(logged).filter((l) => l.level === "warn" && /not a Slack payload/.test(l.message))).toHaveLength(1);
    expect((await signed(harness.url, body, contentType, "not-the-secret")).status).toBe(401);
    // And the next, proper request is answered.
    const status = await postCommand(harness.url, HARNESS_SIGNING_SECRET, slashCommand({ user: "U0AGENT01", text: "status" }));
    expect(status.status).toBe(200);
    expect(unhandled).toEqual([]);
  });

  it("a signed body over Bolt's size limit gets 413 and the service goes on", async () => {
    h = await startSlackHarness();
    const huge = JSON.stringify({ type: "event_callback", event: { type: "message", text: "x".repeat(5 * 1024 * 1024) } });
    const response = await signed(h.url, huge).catch((error: unknown) => ({ status: 0, error }));
    // Refused while reading; the socket may close before the answer arrives.
    expect([0, 413]).toContain(response.status);
    expect(h.logs.some((l) => l.level === "warn" && /over the body size limit/.test(l.message))).toBe(true);
    await stillServes(h);
  });

  it("fuzz: 1,000 malformed bodies, signed and unsigned, never crash the process; the service still answers", async () => {
    h = await startSlackHarness();
    const harness = h;
    const send = ([body, contentType]: Body, isSigned: boolean) =>
      signed(harness.url, body, contentType, isSigned ? HARNESS_SIGNING_SECRET : "not-the-secret");

    // 600 bodies that are no Slack payload at all: 401 unsigned, 400 signed, and nothing reaches a listener.
    const callsBefore = harness.api.calls.length;
    const garbage = fc.sample(fc.tuple(notAPayload, fc.boolean()), { numRuns: 600, seed: 20240507 });
    const garbageAnswers = await inParallel(garbage, ([body, isSigned]) => send(body, isSigned));
    garbage.forEach(([body, isSigned], i) =>
      expect(garbageAnswers[i]!.status, `${isSigned ? "signed" : "unsigned"} ${body[1]} ${body[0].slice(0, 200)}`).toBe(
        isSigned ? 400 : 401,
      ),
    );
    expect(harness.api.calls.slice(callsBefore)).toEqual([]);
    expect(harness.logs.filter((l) => /not a Slack payload/.test(l.message)).length).toBe(garbage.filter(([, signed]) => signed).length);

    // 400 real payloads (events, buttons, modals, commands) with fields swapped for any JSON: listeners
    // see them, and whatever they make of them, the process lives on. Unsigned ones still get 401.
    const mutated = fc.sample(fc.tuple(mutatedPayload, fc.boolean()), { numRuns: 400, seed: 20240508 });
    const mutatedAnswers = await inParallel(mutated, ([body, isSigned]) => send(body, isSigned));
    mutated.forEach(([, isSigned], i) => {
      if (!isSigned) expect(mutatedAnswers[i]!.status).toBe(401);
    });

    expect(garbage.length + mutated.length).toBe(1000);
    expect(unhandled).toEqual([]);
    await stillServes(harness);
  }, 600_000);
});

type Body = readonly [body: string, contentType: string];

/** Runs `work` over `items`, a few at a time (as Slack's retries and a busy workspace would). */
async function inParallel<T, R>(items: readonly T[], work: (item: T) => Promise<R>, width = 16): Promise<R[]> {
  const results: R[] = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const at = next++;
      results[at] = await work(items[at]!);
    }
  };
  await Promise.all(Array.from({ length: width }, worker));
  return results;
}

const notAnObject = fc.oneof(
  fc.constantFrom("null", "[]", "0", '""', "true", "false", "-1e309", "[null]", '[{"type":"event_callback"}]'),
  fc
    .jsonValue({ maxDepth: 3 })
    .filter((v) => v === null || typeof v !== "object" || Array.isArray(v))
    .map((v) => JSON.stringify(v)),
);
/** Objects without a string `type` or `command`: any JSON object, or a typed envelope whose parts have the wrong kind. */
const untypedObject = fc
  .dictionary(fc.string({ maxLength: 8 }), fc.jsonValue({ maxDepth: 2 }), { maxKeys: 6 })
  .filter((o) => typeof o.type !== "string" && typeof o.command !== "string" && !("ssl_check" in o))
  .map((o) => JSON.stringify(o));
const wrongKinds = fc
  .record({
    type: fc.constantFrom("event_callback", "block_actions", "view_submission", "shortcut", "message_action"),
    field: fc.constantFrom("event", "view", "user", "channel", "actions", "container", "message"),
    value: fc.oneof(fc.constant(null), fc.string({ maxLength: 10 }), fc.integer(), fc.boolean(), fc.constant([1, "a"])),
  })
  .map(({ type, field, value }) => JSON.stringify({ type, [field]: value }));
const notAPayload: fc.Arbitrary<Body> = fc.oneof(
  notAnObject.map((b) => [b, JSON_TYPE] as const),
  untypedObject.map((b) => [b, JSON_TYPE] as const),
  wrongKinds.map((b) => [b, JSON_TYPE] as const),
  fc.string({ unit: "binary", maxLength: 300 }).map((b) => [b, JSON_TYPE] as const),
  notAnObject.map((b) => [form(b), FORM_TYPE] as const),
  wrongKinds.map((b) => [form(b), FORM_TYPE] as const),
  fc.string({ maxLength: 100 }).map((b) => [form(`{${b}`), FORM_TYPE] as const),
  fc
    .string({ unit: "binary", maxLength: 300 })
    .filter((b) => !/ssl_check|command|type/.test(b))
    .map((b) => [b, FORM_TYPE] as const),
);

/** Real payloads from the documented fixtures, one to three fields (at any depth) replaced by any JSON value. */
const JSON_FIXTURES = [
  "event-message-thread-reply.json",
  "event-message-file-share.json",
  "event-message-changed.json",
  "block-actions-button.json",
  "block-actions-static-select.json",
  "view-submission.json",
];
const mutatedPayload: fc.Arbitrary<Body> = fc.oneof(
  fc
    .tuple(fc.constantFrom(...JSON_FIXTURES), fc.array(fc.tuple(fc.nat(), fc.jsonValue({ maxDepth: 2 })), { minLength: 1, maxLength: 3 }))
    .map(([name, edits]) => {
      const payload = slackFixture(name);
      delete payload.response_url;
      for (const [at, value] of edits) replaceAt(payload, at, value);
      const json = JSON.stringify(payload);
      return name.startsWith("event-") ? ([json, JSON_TYPE] as const) : ([form(json), FORM_TYPE] as const);
    }),
  fc
    .dictionary(fc.constantFrom("command", "text", "user_id", "channel_id", "team_id", "trigger_id"), fc.string({ maxLength: 30 }))
    .map((fields) => {
      const { response_url: _none, ...command } = slackFixture("slash-command.json");
      return [new URLSearchParams({ ...command, ...fields }).toString(), FORM_TYPE] as const;
    }),
);

/** Replaces the `at`-th (mod their number) value anywhere in `payload` with `value`. */
function replaceAt(payload: Record<string, unknown>, at: number, value: unknown): void {
  const slots: [Record<string, unknown> | unknown[], string | number][] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach((child, i) => (slots.push([node, i]), walk(child)));
    else if (node !== null && typeof node === "object")
      for (const [key, child] of Object.entries(node)) slots.push([node as Record<string, unknown>, key]), walk(child);
  };
  walk(payload);
  const [parent, key] = slots[at % slots.length]!;
  (parent as Record<string | number, unknown>)[key] = value;
}
