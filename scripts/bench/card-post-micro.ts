// node --import tsx scripts/bench/card-post-micro.ts [-- --calls 2000 --pairs 5]
// CPU per context card posted (chat.postMessage through a WebClient whose fetch is the masking gate),
// with the card's blocks passed as objects (masked by the gate in the request) or masked ahead by the
// gate as JSON (maskBlocks), in interleaved pairs. The gate's inner fetch answers at once in-process,
// so what is measured is the client side alone: WebClient, the gate, the card's masking.
import { parseArgs } from "node:util";
import type { KnownBlock } from "@slack/types";
import { type FetchFunction, WebClient } from "@slack/web-api";
import { buildContextCard } from "../../channels/slack/context-card.js";
import { createSlackMaskingGate } from "../../channels/slack/masking-gate.js";
import { cancellationContext, TEAMS } from "../../test/slack/context-fixture.js";

const { values } = parseArgs({ options: { calls: { type: "string", default: "2000" }, pairs: { type: "string", default: "5" } } });
const calls = Number(values.calls);
const pairs = Number(values.pairs);
const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
const answer: FetchFunction = async () =>
  new Response(JSON.stringify({ ok: true, ts: "1.000001" }), { headers: { "content-type": "application/json" } });
const client = new WebClient("xoxb-micro", {
  slackApiUrl: "http://127.0.0.1:9/api/",
  retryConfig: { retries: 0 },
  fetch: gate.wrap(answer),
});
const base = cancellationContext();

async function post(ahead: boolean, n: number): Promise<void> {
  // A customer of its own per card, as in a burst of handoffs: the gate's cache of masked strings does not hold it.
  const context = { ...base, customer: { ...base.customer, name: `Customer ${n}`, phone: `+4479460${String(n).padStart(5, "0")}` } };
  const card = buildContextCard(context, { kind: "waiting" }, TEAMS);
  const blocks = ahead ? (gate.maskBlocks("C0SUPPORT", undefined, card.blocks) as unknown as KnownBlock[]) : card.blocks;
  await client.chat.postMessage({ channel: "C0SUPPORT", text: card.text, blocks, unfurl_links: false, unfurl_media: false });
}

let n = 0;
for (let i = 0; i < 300; i++) await post(i % 2 === 0, n++);
const sums: Record<string, number[]> = { objects: [], ahead: [] };
for (let pair = 0; pair < pairs; pair++) {
  const order = pair % 2 === 0 ? (["objects", "ahead"] as const) : (["ahead", "objects"] as const);
  for (const name of order) {
    const started = process.cpuUsage();
    for (let i = 0; i < calls; i++) await post(name === "ahead", n++);
    const used = process.cpuUsage(started);
    sums[name]!.push((used.user + used.system) / calls);
  }
}
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
console.log(JSON.stringify(sums));
console.log(
  `CPU per card (card built, posted through WebClient + gate), median of ${pairs}: objects ${median(sums.objects!).toFixed(0)} µs, masked ahead ${median(sums.ahead!).toFixed(0)} µs`,
);
