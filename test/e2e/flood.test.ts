import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startWarmlineE2E, type WarmlineE2E } from "../helpers/warmline-e2e.js";

/** One customer message is at most one post in the thread, plus a file with the long part: never dozens of posts. */
describe("flood: a very long customer message (startWarmline)", () => {
  let e2e: WarmlineE2E;
  beforeAll(async () => {
    e2e = await startWarmlineE2E();
  }, 60_000);
  afterAll(async () => e2e?.stop());

  it("65,536 '<' become one post and one file snippet", async () => {
    e2e.whatsapp.customerSays("I want to cancel my order 100311 please", { from: "447911654321@c.us", name: "Flo" });
    const card = await e2e.escalated("447911654321@c.us");
    await e2e.handle.idle();
    const postsBefore = e2e.api.callsTo("chat.postMessage").length;
    const uploadsBefore = e2e.api.callsTo("files.getUploadURLExternal").length;
    e2e.whatsapp.customerSays("<".repeat(65_536), { from: "447911654321@c.us", name: "Flo" });
    await e2e.handle.idle();
    const posts = e2e.api.callsTo("chat.postMessage").slice(postsBefore);
    expect(posts).toHaveLength(1);
    expect(posts[0]!.args.thread_ts).toBe(card.cardTs);
    expect(String(posts[0]!.args.text).length).toBeLessThanOrEqual(4000);
    expect(e2e.api.callsTo("files.getUploadURLExternal").slice(uploadsBefore)).toHaveLength(1);
    const snippet = e2e.api.uploads.at(-1)!;
    expect(snippet.bytes.toString("utf8")).toContain("<".repeat(65_536));
  });
});
