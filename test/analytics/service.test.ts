import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SANDBOX_AGENT, startSandbox, type Sandbox, type SandboxTransport } from "../../src/demo/sandbox.js";
import { DEMO_START } from "../../src/demo/story.js";
import { createLogger } from "../../src/logging.js";
import { parsePromText, sampleKey } from "./prom-text.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

async function scrape(port: number): Promise<{ status: number; type: string | null; samples: Map<string, number> }> {
  const response = await fetch(`http://127.0.0.1:${port}/metrics`);
  const text = await response.text();
  return { status: response.status, type: response.headers.get("content-type"), samples: response.ok ? parsePromText(text) : new Map() };
}

describe.each<SandboxTransport>(["http", "socket"])("/metrics through startWarmline (%s transport)", (transport) => {
  it("serves the escalation figures and the WhatsApp connection state", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({
      transport,
      clock: { now: () => (now += 1000) },
      configure: (c) => void Object.assign(c.metrics, { port: 0, host: "127.0.0.1" }),
    });
    const port = transport === "http" ? sandbox.handle.port! : sandbox.handle.metricsPort!;
    expect(port).toBeGreaterThan(0);

    const before = await scrape(port);
    expect(before.status).toBe(200);
    expect(before.type).toContain("text/plain");
    expect(before.samples.get("warmline_whatsapp_connected")).toBe(1);
    expect(before.samples.get("warmline_conversations")).toBe(0);

    await sandbox.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    const after = await scrape(port);
    expect(after.samples.get(sampleKey("warmline_escalations", { team: "retention", reason: "priority_intent" }))).toBe(1);
    expect(after.samples.get(sampleKey("warmline_open_escalations", { team: "retention", state: "assigned" }))).toBe(1);
    expect(after.samples.get(sampleKey("warmline_handoff_seconds_count", { team: "retention", stage: "claim" }))).toBe(1);
    expect(after.samples.has("warmline_outbox_backlog")).toBe(true);
    await sandbox.handle.idle();
    const settled = (await scrape(port)).samples;
    expect(["pending", "parked"].map((state) => settled.get(sampleKey("warmline_inbox_backlog", { state })))).toEqual([0, 0]);
  });
});

describe("/metrics during a WhatsApp outage", () => {
  it("the outbox backlog rises while replies wait for WhatsApp and falls after it reconnects; connected goes 1 → 0 → 1", async () => {
    let now = DEMO_START;
    sandbox = await startSandbox({
      transport: "http",
      clock: { now: () => (now += 1000) },
      configure: (c) => void Object.assign(c.metrics, { port: 0, host: "127.0.0.1" }),
    });
    const port = sandbox.handle.port!;
    await sandbox.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    const up = (await scrape(port)).samples;
    expect([up.get("warmline_whatsapp_connected"), up.get("warmline_outbox_backlog")]).toEqual([1, 0]);

    sandbox.whatsapp.autoReady = false;
    sandbox.whatsapp.disconnect("NAVIGATION");
    await sandbox.agentSays(SANDBOX_AGENT, "Checking your order now");
    await sandbox.agentSays(SANDBOX_AGENT, "Found it: cancelled, refund on its way");
    const down = (await scrape(port)).samples;
    expect(down.get("warmline_whatsapp_connected")).toBe(0);
    expect(down.get("warmline_outbox_backlog")).toBeGreaterThanOrEqual(2);

    sandbox.whatsapp.becomeReady();
    await sandbox.handle.engine.tick();
    await sandbox.handle.idle();
    const back = (await scrape(port)).samples;
    expect([back.get("warmline_whatsapp_connected"), back.get("warmline_outbox_backlog")]).toEqual([1, 0]);
    expect(sandbox.whatsapp.sent.map((m) => m.text).slice(-2)).toEqual([
      "Checking your order now",
      "Found it: cancelled, refund on its way",
    ]);
  });
});

describe("structured logs during a full conversation (pino)", () => {
  it("carry the conversation id on every conversation line, and no message bodies at info", async () => {
    let printed = "";
    const destination = new Writable({ write: (chunk, _enc, done) => void ((printed += String(chunk)), done()) });
    let now = DEMO_START;
    sandbox = await startSandbox({
      transport: "http",
      clock: { now: () => (now += 1000) },
      logger: createLogger({ level: "debug", destination }),
    });
    const bodies = [
      "I want to cancel my order 100311, I found it cheaper elsewhere",
      "please hurry, my card 4111 1111 1111 1111 was charged",
    ];
    const agentBody = "Hi Maria, cancelling it now";
    const startup = printed.length;
    await sandbox.customerSays(bodies[0]!);
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
    await sandbox.customerSays(bodies[1]!);
    await sandbox.agentSays(SANDBOX_AGENT, agentBody);
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);

    const lines = printed
      .slice(startup)
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as { level: number; msg: string; conversationId?: string; component?: string });
    expect(lines.length).toBeGreaterThan(3);
    const info = lines.filter((line) => line.level >= 30);
    for (const body of [...bodies, agentBody]) {
      for (const line of info) expect(JSON.stringify(line), "message body at info level").not.toContain(body.slice(0, 24));
    }
    const [conversation] = await sandbox.handle.store.listSince(0);
    // Lines about a conversation (not the transport's own chatter) name it.
    const about = info.filter((line) => ["engine", "analytics", "slack-workspace"].includes(line.component ?? ""));
    expect(about.length).toBeGreaterThan(2);
    for (const line of about) expect(line, line.msg).toMatchObject({ conversationId: conversation!.id });
  });
});
