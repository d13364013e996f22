// node --expose-gc --import tsx scripts/memory-snapshot.ts [--conversations 200] [--rounds 3] [--photo-kb 300] [--seed 10000] [--store sqlite] [--snapshot FILE]
// Where a started Warmline's memory goes: RSS, heap, external after a full GC at each stage (started, after the
// first message, after conversations escalated, claimed and relayed, after `--seed` open conversations stored),
// with --photo-kb, after each claimed customer sent a photo of that size (its bytes are kept in the store, not in
// the cached conversations), and, with --snapshot, a heap snapshot of the last stage summarised by constructor (retained by self size).
// The sandbox's fake Slack Web API runs in this process too: its records show as its own constructors.
import { readFileSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { getHeapSpaceStatistics, writeHeapSnapshot } from "node:v8";
import { SLACK_ACTION_IDS } from "../channels/slack/context-card.js";
import { decodeSlackThreadRef } from "../channels/slack/slack-ids.js";
import { SANDBOX_AGENT, SANDBOX_SIGNING_SECRET, startSandbox } from "../src/demo/sandbox.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../src/sandbox/slack-signing.js";
import { seedConversations } from "./bench/seed.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "200" },
    rounds: { type: "string", default: "3" },
    seed: { type: "string", default: "0" },
    "photo-kb": { type: "string", default: "0" },
    store: { type: "string", default: "sqlite" },
    snapshot: { type: "string" },
  },
});
const gc = (globalThis as { gc?: () => void }).gc;
if (!gc) throw new Error("memory-snapshot needs a full GC: run with node --expose-gc --import tsx scripts/memory-snapshot.ts");
const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
function show(label: string): void {
  gc!();
  const m = process.memoryUsage();
  console.log(
    `${label}: rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)} of ${mb(m.heapTotal)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)}`,
  );
  const spaces = getHeapSpaceStatistics().filter((space) => space.space_size > 1e6);
  console.log(
    `  spaces (used/size): ${spaces.map((space) => `${space.space_name} ${mb(space.space_used_size)}/${mb(space.space_size)}`).join(", ")}`,
  );
}

const chatOf = (n: number) => `4477009${String(n).padStart(5, "0")}@c.us`;
let ts = 0;
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++ts).padStart(6, "0")}`;

show("before start");
const s = await startSandbox({
  configure: (config) => {
    config.store.kind = values.store as typeof config.store.kind;
  },
});
show("started, idle");
const url = `http://127.0.0.1:${s.handle.port}/slack/events`;
const threads: { channel: string; ts: string }[] = [];
const conversations = Number(values.conversations);
for (let n = 0; n < conversations; n++) {
  s.whatsapp.customerSays("I want to talk to a person please", { from: chatOf(n), name: `Customer ${n}` });
  await s.handle.idle();
  if (n === 0) show("after one customer message");
  const conversation = (await s.handle.store.findActiveByCustomer(`whatsapp:${chatOf(n)}`))!;
  const ref = decodeSlackThreadRef(conversation.escalations.at(-1)!.thread!);
  await postInteraction(
    url,
    SANDBOX_SIGNING_SECRET,
    buttonAction(SLACK_ACTION_IDS.claim, {
      user: SANDBOX_AGENT,
      channel: ref.channel,
      messageTs: ref.threadTs,
      conversationId: conversation.id,
    }),
  );
  await s.handle.idle();
  threads.push({ channel: ref.channel, ts: ref.threadTs });
}
for (let r = 0; r < Number(values.rounds); r++) {
  for (let n = 0; n < conversations; n++) {
    s.whatsapp.customerSays(`my parcel 100298 still hasn't arrived (${r}/${n})`, { from: chatOf(n), name: `Customer ${n}` });
    const thread = threads[n]!;
    await postEvent(
      url,
      SANDBOX_SIGNING_SECRET,
      threadReplyEvent({
        channel: thread.channel,
        user: SANDBOX_AGENT,
        text: `checking now (${r}/${n})`,
        ts: nextTs(),
        threadTs: thread.ts,
      }),
    );
  }
  await s.handle.idle();
}
show(`after ${conversations} escalated, claimed and ${values.rounds} rounds relayed`);
const photoBytes = Number(values["photo-kb"]) * 1000;
if (photoBytes > 0) {
  for (let n = 0; n < conversations; n++) {
    // Distinct bytes per customer, as real photos are.
    const data = Buffer.alloc(photoBytes, n % 251).toString("base64");
    s.whatsapp.customerSends("image", {
      from: chatOf(n),
      name: `Customer ${n}`,
      media: { mimetype: "image/jpeg", data, filename: "photo.jpg" },
    });
  }
  await s.handle.idle();
  show(`after each of the ${conversations} sent a ${values["photo-kb"]} KB photo`);
}
if (Number(values.seed) > 0) {
  await seedConversations(s.handle.store, chatOf(0), Number(values.seed), "open");
  await s.handle.engine.tick();
  await s.handle.idle();
  show(`after ${values.seed} open conversations stored and a tick`);
}
if (values.snapshot) {
  const file = writeHeapSnapshot(values.snapshot);
  summarise(file);
}
const cpu = process.cpuUsage();
console.log(
  `CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms; load average ${loadavg()
    .map((n) => n.toFixed(1))
    .join(" / ")}`,
);
await s.close();

/** Self size by constructor (node name for objects, type otherwise), the 25 largest. */
function summarise(file: string): void {
  const snapshot = JSON.parse(readFileSync(file, "utf8")) as {
    snapshot: { meta: { node_fields: string[]; node_types: [string[]] } };
    nodes: number[];
    strings: string[];
  };
  const fields = snapshot.snapshot.meta.node_fields;
  const width = fields.length;
  const typeAt = fields.indexOf("type");
  const nameAt = fields.indexOf("name");
  const sizeAt = fields.indexOf("self_size");
  const types = snapshot.snapshot.meta.node_types[0];
  const totals = new Map<string, { size: number; count: number }>();
  for (let i = 0; i < snapshot.nodes.length; i += width) {
    const type = types[snapshot.nodes[i + typeAt]!]!;
    const key = type === "object" || type === "closure" ? `${type} ${snapshot.strings[snapshot.nodes[i + nameAt]!]}` : type;
    const total = totals.get(key) ?? { size: 0, count: 0 };
    total.size += snapshot.nodes[i + sizeAt]!;
    total.count += 1;
    totals.set(key, total);
  }
  for (const [key, { size, count }] of [...totals].sort((a, b) => b[1].size - a[1].size).slice(0, 25))
    console.log(`${mb(size).padStart(7)} ${String(count).padStart(8)}  ${key}`);
}
