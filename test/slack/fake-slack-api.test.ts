import { afterEach, describe, expect, it } from "vitest";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";

/** The fake Slack Web API's threads: a reply needs its parent, however the message list was changed from outside. */
describe("fake Slack Web API: thread parents", () => {
  let api: FakeSlackApi | undefined;
  afterEach(async () => api?.close());

  const call = async (method: string, args: Record<string, unknown>) => {
    const response = await fetch(`${api!.url}${method}`, {
      method: "POST",
      headers: { "content-type": "application/json; charset=utf-8", authorization: "Bearer xoxb-test" },
      body: JSON.stringify(args),
    });
    return (await response.json()) as { ok: boolean; ts?: string; error?: string };
  };

  it("finds a parent after the list is trimmed, pushed to, or a message deleted", async () => {
    api = await startFakeSlackApi({ channels: [{ id: "C1", name: "support" }] });
    const card = await call("chat.postMessage", { channel: "C1", text: "card" });
    const reply = await call("chat.postMessage", { channel: "C1", text: "first", thread_ts: card.ts });
    expect(reply.ok).toBe(true);
    expect(await call("chat.postMessage", { channel: "C2", text: "wrong channel", thread_ts: card.ts })).toMatchObject({ ok: false });

    // The bench's trim: thread replies go, parents stay.
    api.messages = api.messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
    expect((await call("chat.postMessage", { channel: "C1", text: "again", thread_ts: card.ts })).ok).toBe(true);
    expect(await call("chat.postMessage", { channel: "C1", text: "to a trimmed reply", thread_ts: reply.ts })).toEqual(
      expect.objectContaining({ ok: false, error: "thread_not_found" }),
    );

    api.messages.push({ channel: "C1", ts: "1699999999.000001", text: "posted by a test" });
    expect((await call("chat.postMessage", { channel: "C1", text: "reply", thread_ts: "1699999999.000001" })).ok).toBe(true);

    expect((await call("chat.delete", { channel: "C1", ts: card.ts })).ok).toBe(true);
    expect(await call("chat.postMessage", { channel: "C1", text: "to a deleted card", thread_ts: card.ts })).toEqual(
      expect.objectContaining({ ok: false, error: "thread_not_found" }),
    );
    expect(await call("chat.update", { channel: "C1", ts: card.ts, text: "edited" })).toEqual(
      expect.objectContaining({ ok: false, error: "message_not_found" }),
    );
  });
});
