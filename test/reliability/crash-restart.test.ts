import { afterEach, describe, expect, it, vi } from "vitest";
import { cardFor, crashRuns, marker, startChild, startWorld, stopWorld, WAIT } from "./crash-harness.js";

afterEach(stopWorld);

/** The crash test (crash-harness.ts) over WhatsApp Web, which hands each message out once; and a SIGTERM that drains. */
describe("crash safety: SIGKILL mid-traffic and again during recovery, slow servers, WhatsApp handing messages out once", () => {
  crashRuns("web");

  it("SIGTERM drains the work in flight, then exits", { timeout: 90_000 }, async () => {
    const w = await startWorld("sqlite", "web");
    const running = await startChild(w);
    await w.customers.customerSays(999, `I want to cancel my order 100311 please ${marker(999)}`, "Last Customer");
    await vi.waitFor(() => {
      if (!cardFor(w, 999)) throw new Error("no card yet");
    }, WAIT);
    const exited = new Promise<number | null>((resolve) => running.process.once("exit", resolve));
    let out = "";
    running.process.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    running.process.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("STOPPED");
    expect(w.customers.received(999).filter((body) => body.includes("bringing in a colleague"))).toHaveLength(1);
  });
});
