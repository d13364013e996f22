import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { type FakeSlackApi, startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";
import { HARNESS_CHANNELS, HARNESS_USERS } from "../helpers/slack-harness.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../../src/sandbox/slack-signing.js";
import { type WhatsAppBridgeServer, startWhatsAppBridge } from "../helpers/whatsapp-bridge.js";

/** At least 50 conversations, both directions, with a SIGKILL in the middle of the traffic. */
const CONVERSATIONS = 50;
const SECRET = "crash-test-signing-secret-0123456789";
const CHILD = new URL("./crash-child.ts", import.meta.url).pathname;
// Generous: two child processes start tsx and train the model on a 2-core machine that may be busy.
const WAIT = { timeout: 80_000, interval: 20 };

interface Child {
  process: ChildProcess;
  url: string;
}

let api: FakeSlackApi;
let bridge: WhatsAppBridgeServer;
let dataDir: string;
let child: Child | undefined;

async function startChild(): Promise<Child> {
  const proc = spawn(process.execPath, ["--import", "tsx", CHILD], {
    env: {
      ...process.env,
      SLACK_API_URL: api.url,
      WARMLINE_BRIDGE_URL: bridge.url,
      WARMLINE_DATA_DIR: dataDir,
      CRASH_SIGNING_SECRET: SECRET,
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stderr = "";
  proc.stderr!.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
  const port = await new Promise<string>((resolve, reject) => {
    let out = "";
    proc.stdout!.on("data", (chunk: Buffer) => {
      out += chunk.toString();
      const match = /READY (\d+)/.exec(out);
      if (match) resolve(match[1]!);
    });
    proc.once("exit", (code) => reject(new Error(`The Warmline child exited (${code}) before it was ready:\n${stderr}`)));
  });
  return { process: proc, url: `http://127.0.0.1:${port}/slack/events` };
}

/** Slack's behaviour: a request that got no 200 is sent again (events with x-slack-retry-num; clicks, by a patient agent). */
async function deliverToSlackApp(send: (url: string) => Promise<{ status: number }>): Promise<void> {
  await vi.waitFor(async () => {
    if (!child) throw new Error("Warmline is restarting");
    const response = await send(child.url);
    if (response.status !== 200) throw new Error(`Warmline answered ${response.status}`);
  }, WAIT);
}

const chatOf = (i: number) => `4477009${String(10000 + i)}@c.us`;
const cards = new Map<number, { ts: string; conversationId: string }>();
/** The customer's card (found by the transcript in its thread) and its conversation (from the Claim button, while there is one). */
const cardFor = (i: number) => {
  if (cards.has(i)) return cards.get(i);
  const marker = `ref K${i}x`;
  const card = api.messages.find(
    (m) => m.channel === "C0RETENT1" && m.ts === m.thread_ts && api.threadReplies("C0RETENT1", m.ts).some((r) => r.text?.includes(marker)),
  );
  if (!card) return undefined;
  const actions = (card.blocks as { type: string; elements?: { action_id?: string; value?: string }[] }[]).find(
    (b) => b.type === "actions",
  );
  const conversationId = actions?.elements?.find((e) => e.action_id === SLACK_ACTION_IDS.claim)?.value;
  if (conversationId) cards.set(i, { ts: card.ts, conversationId });
  return cards.get(i);
};

async function conversationTraffic(i: number, progress: () => void): Promise<void> {
  const chat = chatOf(i);
  bridge.customerSays(chat, `I want to cancel my order 100311 please ref K${i}x`, `Customer ${i}`);
  const card = await vi.waitFor(() => {
    const found = cardFor(i);
    if (!found) throw new Error(`No card yet for customer ${i}`);
    return found;
  }, WAIT);
  await deliverToSlackApp((url) =>
    postInteraction(
      url,
      SECRET,
      buttonAction(SLACK_ACTION_IDS.claim, {
        user: "U0AGENT01",
        channel: "C0RETENT1",
        messageTs: card.ts,
        conversationId: card.conversationId,
      }),
    ),
  );
  progress();
  for (const n of [1, 2]) {
    bridge.customerSays(chat, `customer ${i} says C${i}x${n}`);
    const event = threadReplyEvent({
      channel: "C0RETENT1",
      user: "U0AGENT01",
      text: `agent answers A${i}x${n}`,
      ts: `1716000${String(i).padStart(3, "0")}.00000${n}`,
      threadTs: card.ts,
    });
    await deliverToSlackApp((url) => postEvent(url, SECRET, event));
    progress();
  }
}

beforeAll(async () => {
  api = await startFakeSlackApi({ channels: structuredClone(HARNESS_CHANNELS), users: HARNESS_USERS });
  bridge = await startWhatsAppBridge();
  dataDir = mkdtempSync(join(tmpdir(), "warmline-crash-"));
});

afterAll(async () => {
  child?.process.kill("SIGKILL");
  await api?.close();
  await bridge?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe("crash safety: SIGKILL mid-traffic, restart on the same SQLite file", () => {
  it(`${CONVERSATIONS} conversations, both directions: every message arrives exactly once, in order`, { timeout: 180_000 }, async () => {
    child = await startChild();
    let steps = 0;
    let killed = false;
    const killAt = Math.floor((CONVERSATIONS * 3) / 2);
    const restart = async () => {
      const victim = child!;
      child = undefined;
      victim.process.kill("SIGKILL");
      await new Promise((resolve) => victim.process.once("exit", resolve));
      child = await startChild();
    };
    let restarting: Promise<void> | undefined;
    const progress = () => {
      steps += 1;
      if (!killed && steps >= killAt) {
        killed = true;
        restarting = restart();
      }
    };

    await Promise.all(Array.from({ length: CONVERSATIONS }, (_, i) => conversationTraffic(i, progress)));
    await restarting;
    expect(killed).toBe(true);

    // Everything reaches its destination: the agents' answers on WhatsApp, the customers' messages in the threads.
    await vi.waitFor(() => {
      for (let i = 0; i < CONVERSATIONS; i++) {
        const toCustomer = bridge.sent.filter((m) => m.chatId === chatOf(i)).map((m) => m.body);
        if (!toCustomer.includes(`agent answers A${i}x2`)) throw new Error(`Customer ${i} is still waiting for the second answer`);
        const thread = api.threadReplies("C0RETENT1", cardFor(i)!.ts).map((m) => m.text ?? "");
        if (!thread.some((t) => t.includes(`C${i}x2`))) throw new Error(`Thread ${i} is missing the customer's second message`);
      }
    }, WAIT);

    for (let i = 0; i < CONVERSATIONS; i++) {
      const toCustomer = bridge.sent.filter((m) => m.chatId === chatOf(i)).map((m) => m.body);
      const answers = toCustomer.filter((b) => b.startsWith("agent answers"));
      expect(answers, `customer ${i}`).toEqual([`agent answers A${i}x1`, `agent answers A${i}x2`]);
      expect(
        toCustomer.filter((b) => b.includes("has joined")),
        `customer ${i}`,
      ).toHaveLength(1);
      expect(
        toCustomer.filter((b) => b.includes("bringing in a colleague")),
        `customer ${i}`,
      ).toHaveLength(1);

      const cards = api.messages.filter(
        (m) =>
          m.channel === "C0RETENT1" &&
          m.ts === m.thread_ts &&
          api.threadReplies("C0RETENT1", m.ts).some((r) => r.text?.includes(`ref K${i}x`)),
      );
      expect(cards, `cards of customer ${i}`).toHaveLength(1);
      const thread = api.threadReplies("C0RETENT1", cards[0]!.ts).map((m) => m.text ?? "");
      const relayed = thread.filter((t) => new RegExp(`C${i}x[12]\\b`).test(t));
      expect(relayed, `thread ${i}`).toHaveLength(2);
      expect(relayed[0]).toContain(`C${i}x1`);
      expect(relayed[1]).toContain(`C${i}x2`);
    }
  });

  it("SIGTERM drains the work in flight, then exits", { timeout: 90_000 }, async () => {
    const running = child ?? (await startChild());
    child = undefined;
    bridge.customerSays(chatOf(999), "I want to cancel my order 100311 please ref K999x", "Last Customer");
    await vi.waitFor(() => {
      if (!cardFor(999)) throw new Error("no card yet");
    }, WAIT);
    const exited = new Promise<number | null>((resolve) => running.process.once("exit", resolve));
    let out = "";
    running.process.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
    running.process.kill("SIGTERM");
    expect(await exited).toBe(0);
    expect(out).toContain("STOPPED");
    expect(bridge.sent.filter((m) => m.chatId === chatOf(999) && m.body.includes("bringing in a colleague"))).toHaveLength(1);
  });
});
