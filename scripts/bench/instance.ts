/**
 * The system under test, in a process of its own so that its CPU time and RSS are its own: the
 * floor or Warmline, with the fake WhatsApp client inside it (an in-process object). The parent
 * plays the customer through IPC, and hears of every WhatsApp send that carries a bench token.
 * Started by instance-client.ts with the InstanceSpec as its one argument.
 */
import { monitorEventLoopDelay, performance } from "node:perf_hooks";
import { FakeWhatsAppClient, type FakeWhatsAppSent } from "../../src/sandbox/fake-whatsapp-client.js";
import {
  BENCH_TOKEN_PATTERN,
  type ChildMessage,
  type ChildReply,
  type InstanceSpec,
  type ParentMessage,
  type ParentRequest,
  type SystemUnderTest,
} from "./protocol.js";

/** Main-thread stalls, sampled every 10 ms (the resolution), reset at each usage request. */
const loopDelay = monitorEventLoopDelay({ resolution: 10 });
loopDelay.enable();
/** The event loop's utilization at the last usage request: each request reports the share since then. */
let lastUtilization = performance.eventLoopUtilization();

/** How often a waiting request (threads, claimed) looks again. */
const POLL_MS = 50;

/** Polls `ready` for every chat until all are, or fails naming how many are missing. */
async function waitForAll<T>(chatIds: string[], timeoutMs: number, what: string, ready: (chatId: string) => Promise<T | undefined>) {
  const deadline = Date.now() + timeoutMs;
  const found = new Map<string, T>();
  for (;;) {
    for (const chatId of chatIds) {
      if (found.has(chatId)) continue;
      const value = await ready(chatId);
      if (value !== undefined) found.set(chatId, value);
    }
    if (found.size === chatIds.length) return chatIds.map((chatId) => found.get(chatId)!);
    if (Date.now() > deadline)
      throw new Error(`${chatIds.length - found.size} of ${chatIds.length} chats have no ${what} after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, POLL_MS));
  }
}

async function answer(system: SystemUnderTest, request: ParentRequest): Promise<ChildReply> {
  switch (request.kind) {
    case "threads":
      return { kind: "threads", threads: await waitForAll(request.chatIds, request.timeoutMs, "card thread", system.threadOf) };
    case "claimed":
      await waitForAll(request.chatIds, request.timeoutMs, "claim", async (chatId) =>
        (await system.isClaimed(chatId)) ? true : undefined,
      );
      return { kind: "ok" };
    case "seed":
      if (!system.seed) return { kind: "failed", message: "The floor has no store to seed: seed a Warmline target" };
      await system.seed(request);
      return { kind: "ok" };
    case "pad-transcripts":
      if (!system.padTranscripts) return { kind: "failed", message: "The floor keeps no transcripts: pad a Warmline target" };
      await system.padTranscripts(request.chatIds, request.length);
      return { kind: "ok" };
    case "idle": {
      let timer: NodeJS.Timeout | undefined;
      const drained = await Promise.race([
        system.idle().then(() => true),
        new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), request.timeoutMs))),
      ]);
      clearTimeout(timer);
      return { kind: "idle", drained };
    }
    case "usage": {
      const cpu = process.cpuUsage();
      const memory = process.memoryUsage();
      const stalls = { loopDelayP99Ms: loopDelay.percentile(99) / 1e6, loopDelayMaxMs: loopDelay.max / 1e6 };
      loopDelay.reset();
      const utilization = performance.eventLoopUtilization();
      const mainThreadBusy = performance.eventLoopUtilization(utilization, lastUtilization).utilization;
      lastUtilization = utilization;
      // Counted after the CPU was read: the count's own cost, one small query, falls in the next window.
      const outboxPending = await system.outboxPending?.();
      return {
        kind: "usage",
        usage: {
          cpuMicros: cpu.user + cpu.system,
          rssBytes: memory.rss,
          heapUsedBytes: memory.heapUsed,
          ...stalls,
          mainThreadBusy,
          ...(outboxPending !== undefined ? { outboxPending } : {}),
        },
      };
    }
    case "stop":
      await system.stop();
      return { kind: "ok" };
  }
}

async function main(): Promise<void> {
  const spec = JSON.parse(process.argv[2] ?? "{}") as InstanceSpec;
  const whatsapp = new FakeWhatsAppClient();
  whatsapp.on("outbound", (record: FakeWhatsAppSent) => {
    // The fake keeps every send for tests to read; the bench reads them here, so it keeps none.
    whatsapp.sent.length = 0;
    const token = BENCH_TOKEN_PATTERN.exec(record.text);
    if (token) process.send?.({ kind: "sent", chatId: record.chatId, seq: Number(token[1]) });
  });
  let system: SystemUnderTest;
  try {
    // Imported on demand, so the floor's process holds Bolt alone and its RSS is the floor's.
    system =
      spec.target === "floor"
        ? await (await import("./floor.js")).startFloor(spec, whatsapp)
        : await (await import("./warmline-under-test.js")).startWarmlineUnderTest(spec, whatsapp);
  } catch (error) {
    process.send?.({ kind: "start-failed", message: error instanceof Error ? error.message : String(error) });
    process.exit(1);
  }
  // The parent went away (killed, or crashed): nobody is left to measure or stop this process.
  process.on("disconnect", () => process.exit(0));
  process.on("message", (message: ParentMessage) => {
    if ("kind" in message) {
      whatsapp.customerSays(message.text, { from: message.chatId, ...(message.name ? { name: message.name } : {}) });
      return;
    }
    answer(system, message.request)
      .catch((error: unknown): ChildReply => ({ kind: "failed", message: error instanceof Error ? error.message : String(error) }))
      .then((reply) => {
        const stopping = message.request.kind === "stop";
        // Stopped: exit once the reply is out, whatever handles the system under test left open.
        process.send?.({ kind: "reply", id: message.id, reply } satisfies ChildMessage, () => stopping && process.exit(0));
      });
  });
  process.send?.({ kind: "ready", port: system.port } satisfies ChildMessage);
}

await main();
