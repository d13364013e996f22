// node --import tsx scripts/ack-burst.ts [--replies 200] [--store-rtt-ms 1]
// How long Slack waits for its 200 when an agent's replies arrive faster than their thread's lane is processed: a
// burst of signed thread replies into one claimed thread, posted at once to the real Bolt receiver (the test
// harness: memory store, fake Slack Web API, fake WhatsApp client). --store-rtt-ms delays every store call, as a
// networked store's round trip does, so processing takes wall time without taking the CPU. Prints one JSON line:
// ack p50 / p99, how many replies were relayed before their own 200 came back, and CPU per reply. Under load
// the bench's open loop hides this: there the ack waits for the CPU, whatever it waits for in the code.
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { decodeSlackThreadRef } from "../channels/slack/slack-ids.js";
import type { WarmlineStore } from "../src/ports/outbox.js";
import { postEvent, threadReplyEvent } from "../src/sandbox/slack-signing.js";
import { HARNESS_SIGNING_SECRET, startSlackHarness } from "../test/helpers/slack-harness.js";

const { values } = parseArgs({
  options: { replies: { type: "string", default: "200" }, "store-rtt-ms": { type: "string", default: "0" } },
});
const replies = Number(values.replies);
const storeRttMs = Number(values["store-rtt-ms"]);

/** Every store method waits `storeRttMs` before it runs. */
function withRoundTrips(store: WarmlineStore): WarmlineStore {
  if (storeRttMs === 0) return store;
  return new Proxy(store, {
    get(target, key, receiver) {
      const value: unknown = Reflect.get(target, key, receiver);
      if (typeof value !== "function") return value;
      return async (...args: unknown[]) => {
        await new Promise((resolve) => setTimeout(resolve, storeRttMs));
        return value.apply(target, args);
      };
    },
  });
}

const h = await startSlackHarness({ wrapStore: withRoundTrips });
const { thread, conversationId } = await h.escalateCancellation();
await h.click("warmline_claim", "U0AGENT01", conversationId, thread);
const ref = decodeSlackThreadRef(thread);
const relayed = (text: string) => h.whatsapp.sent.some((m) => m.text === text);

const cpuBefore = process.cpuUsage();
const startedAt = performance.now();
const acks = await Promise.all(
  Array.from({ length: replies }, async (_, i) => {
    const text = `burst reply ${i}`;
    const ts = `1700001000.${String(i).padStart(6, "0")}`;
    const postedAt = performance.now();
    const response = await postEvent(
      h.url,
      HARNESS_SIGNING_SECRET,
      threadReplyEvent({ channel: ref.channel, user: "U0AGENT01", text, ts, threadTs: ref.threadTs }),
    );
    return { ms: performance.now() - postedAt, ok: response.status === 200, relayedFirst: relayed(text) };
  }),
);
const allAckedMs = performance.now() - startedAt;
await h.engine.drain();
const allRelayedMs = performance.now() - startedAt;
const cpu = process.cpuUsage(cpuBefore);
const sorted = acks.map((a) => a.ms).sort((a, b) => a - b);
const percentile = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)]!;
console.log(
  JSON.stringify({
    replies,
    storeRttMs,
    ok: acks.filter((a) => a.ok).length,
    ackP50: Math.round(percentile(50)),
    ackP99: Math.round(percentile(99)),
    relayedBeforeTheirAck: acks.filter((a) => a.relayedFirst).length,
    allAckedMs: Math.round(allAckedMs),
    allRelayedMs: Math.round(allRelayedMs),
    relayed: h.whatsapp.sent.filter((m) => m.text.startsWith("burst reply")).length,
    cpuMsPerReply: Number(((cpu.user + cpu.system) / 1000 / replies).toFixed(2)),
    loadavg: loadavg().map((l) => Number(l.toFixed(2))),
  }),
);
await h.close();
