// node --import tsx scripts/profile-relay.ts [--conversations 20] [--rounds 25] [--repeat 3] [--only warmline|floor] [--store memory|sqlite] [--profile FILE] [--idle-memory]
// CPU per relayed message, closed loop (one message at a time), for Warmline through startWarmline (memory
// store unless --store sqlite, the sandbox's fake Slack Web API and fake WhatsApp client) and for a bare Bolt relay on the same fakes
// (the floor). Each conversation is escalated and claimed first; then each round relays customer → thread and
// agent reply → WhatsApp in every conversation. --repeat runs both that many times, interleaved, and reports the
// lowest (the least disturbed by other work on the machine). --profile writes a .cpuprofile of Warmline's measured
// rounds alone (open it in Chrome DevTools or speedscope).
// --idle-memory: RSS and heap of a started, idle Warmline, after a full GC (run with --expose-gc).
import { writeFileSync } from "node:fs";
import { Session } from "node:inspector/promises";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { App } from "@slack/bolt";
import { SLACK_ACTION_IDS } from "../channels/slack/context-card.js";
import { decodeSlackThreadRef } from "../channels/slack/slack-ids.js";
import { SANDBOX_AGENT, SANDBOX_CHANNELS, SANDBOX_SIGNING_SECRET, SANDBOX_USERS, startSandbox } from "../src/demo/sandbox.js";
import { startFakeSlackApi } from "../src/sandbox/fake-slack-api.js";
import { FakeWhatsAppClient } from "../src/sandbox/fake-whatsapp-client.js";
import { buttonAction, postEvent, postInteraction, threadReplyEvent } from "../src/sandbox/slack-signing.js";

const { values } = parseArgs({
  options: {
    conversations: { type: "string", default: "20" },
    rounds: { type: "string", default: "25" },
    repeat: { type: "string", default: "1" },
    only: { type: "string" },
    store: { type: "string", default: "memory" },
    profile: { type: "string" },
    "idle-memory": { type: "boolean", default: false },
  },
});
const conversations = Number(values.conversations);
if (values.store !== "memory" && values.store !== "sqlite")
  throw new Error(`--store ${values.store} is not a store this script runs: use memory or sqlite`);
const storeKind: "memory" | "sqlite" = values.store;
const rounds = Number(values.rounds);
const CUSTOMER_TEXT = "my parcel 100298 still hasn't arrived, it was due on Monday, can you check with the courier?";
const AGENT_TEXT = "Thanks, I'm checking with the courier now: it left the depot this morning and should be with you tomorrow.";
// Each message differs, as real ones do: nothing the relay remembers about one text helps with the next.
const customerText = (round: number, n: number) => `${CUSTOMER_TEXT} (${round}/${n})`;
const agentText = (round: number, n: number) => `${AGENT_TEXT} (${round}/${n})`;
const chatOf = (n: number) => `4477009${String(n).padStart(5, "0")}@c.us`;
let ts = 0;
const nextTs = () => `${Math.floor(Date.now() / 1000)}.${String(++ts).padStart(6, "0")}`;

interface Measured {
  cpuMs: number;
  wallMs: number;
  messages: number;
  /** CPU ms per message of each round, for the lower quartile: the rounds least disturbed by other work. */
  rounds: number[];
}

/**
 * CPU and wall time of `run`, which relays `messages` messages and calls `lap` after each round of
 * `perRound`; profiled into `profile` when given.
 */
async function measure(messages: number, perRound: number, run: (lap: () => void) => Promise<void>, profile?: string): Promise<Measured> {
  const session = profile ? new Session() : undefined;
  session?.connect();
  await session?.post("Profiler.enable");
  await session?.post("Profiler.start");
  const cpu = process.cpuUsage();
  const wall = performance.now();
  const rounds: number[] = [];
  let lapped = process.cpuUsage();
  await run(() => {
    const used = process.cpuUsage(lapped);
    rounds.push((used.user + used.system) / 1000 / perRound);
    lapped = process.cpuUsage();
  });
  const used = process.cpuUsage(cpu);
  if (session && profile) {
    writeFileSync(profile, JSON.stringify((await session.post("Profiler.stop")).profile));
    session.disconnect();
  }
  return { cpuMs: (used.user + used.system) / 1000, wallMs: performance.now() - wall, messages, rounds };
}

async function warmline(): Promise<Measured> {
  const s = await startSandbox({
    configure: (config) => {
      config.store.kind = storeKind;
    },
  });
  const url = `http://127.0.0.1:${s.handle.port}/slack/events`;
  const threads: { channel: string; ts: string }[] = [];
  for (let n = 0; n < conversations; n++) {
    s.whatsapp.customerSays("I want to talk to a person please", { from: chatOf(n), name: `Customer ${n}` });
    await s.handle.idle();
    const conversation = (await s.handle.store.findActiveByCustomer(`whatsapp:${chatOf(n)}`))!;
    const ref = decodeSlackThreadRef(conversation.escalations.at(-1)!.thread!);
    const card = { user: SANDBOX_AGENT, channel: ref.channel, messageTs: ref.threadTs, conversationId: conversation.id };
    await postInteraction(url, SANDBOX_SIGNING_SECRET, buttonAction(SLACK_ACTION_IDS.claim, card));
    await s.handle.idle();
    threads.push({ channel: ref.channel, ts: ref.threadTs });
  }
  const result = await measure(
    2 * conversations * rounds,
    2 * conversations,
    async (lap) => {
      for (let r = 0; r < rounds; r++) {
        for (let n = 0; n < conversations; n++) {
          s.whatsapp.customerSays(customerText(r, n), { from: chatOf(n), name: `Customer ${n}` });
          await s.handle.idle();
          const thread = threads[n]!;
          const event = threadReplyEvent({
            channel: thread.channel,
            user: SANDBOX_AGENT,
            text: agentText(r, n),
            ts: nextTs(),
            threadTs: thread.ts,
          });
          await postEvent(url, SANDBOX_SIGNING_SECRET, event);
          await s.handle.idle();
        }
        lap();
      }
    },
    values.profile,
  );
  await s.close();
  return result;
}

/** A bare Bolt relay: no store, no policy, no masking; a thread per customer. */
async function floor(): Promise<Measured> {
  const api = await startFakeSlackApi({ channels: structuredClone(SANDBOX_CHANNELS), users: SANDBOX_USERS });
  const whatsapp = new FakeWhatsAppClient({ now: () => Date.now() });
  await whatsapp.initialize();
  const app = new App({
    token: "xoxb-floor",
    signingSecret: SANDBOX_SIGNING_SECRET,
    processBeforeResponse: true,
    clientOptions: { slackApiUrl: api.url, retryConfig: { retries: 0 } },
  });
  const threadOfChat = new Map<string, string>();
  const chatOfThread = new Map<string, string>();
  let relayed: () => void = () => undefined;
  whatsapp.on("message", async (message: { from: string; body: string }) => {
    const thread = threadOfChat.get(message.from);
    const posted = await app.client.chat.postMessage({
      channel: "C0SUPPORT",
      text: message.body,
      ...(thread ? { thread_ts: thread } : {}),
    });
    if (!thread) {
      threadOfChat.set(message.from, posted.ts!);
      chatOfThread.set(posted.ts!, message.from);
    }
    relayed();
  });
  app.message(async ({ message }) => {
    const m = message as { thread_ts?: string; text?: string };
    const chat = m.thread_ts ? chatOfThread.get(m.thread_ts) : undefined;
    if (chat && m.text) await whatsapp.sendMessage(chat, m.text);
  });
  const server = await app.start({ port: 0 });
  const url = `http://127.0.0.1:${(server as unknown as { address(): { port: number } }).address().port}/slack/events`;
  const customerSays = async (n: number, text: string) => {
    const done = new Promise<void>((resolve) => (relayed = resolve));
    whatsapp.customerSays(text, { from: chatOf(n) });
    await done;
  };
  for (let n = 0; n < conversations; n++) await customerSays(n, "I want to talk to a person please");
  const result = await measure(2 * conversations * rounds, 2 * conversations, async (lap) => {
    for (let r = 0; r < rounds; r++) {
      for (let n = 0; n < conversations; n++) {
        await customerSays(n, customerText(r, n));
        const event = threadReplyEvent({
          channel: "C0SUPPORT",
          user: SANDBOX_AGENT,
          text: agentText(r, n),
          ts: nextTs(),
          threadTs: threadOfChat.get(chatOf(n))!,
        });
        await postEvent(url, SANDBOX_SIGNING_SECRET, event);
      }
      lap();
    }
  });
  await app.stop();
  await api.close();
  return result;
}

async function idleMemory(): Promise<void> {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) throw new Error("--idle-memory needs a full GC first: run with node --expose-gc --import tsx scripts/profile-relay.ts");
  const show = (label: string) => {
    gc();
    const m = process.memoryUsage();
    const mb = (n: number) => `${(n / 1e6).toFixed(0)} MB`;
    console.log(`${label}: rss ${mb(m.rss)}, heap used ${mb(m.heapUsed)}, external ${mb(m.external)}, array buffers ${mb(m.arrayBuffers)}`);
  };
  show("before start");
  const s = await startSandbox({
    configure: (config) => {
      config.store.kind = "memory";
    },
  });
  show("started, idle");
  s.whatsapp.customerSays("hi, where is my order 100298?", { from: chatOf(0) });
  await s.handle.idle();
  show("after one customer message");
  await s.close();
}

const describe = (name: string, m: Measured) =>
  `${name}: ${(m.cpuMs / m.messages).toFixed(2)} ms CPU per message, ${(m.wallMs / m.messages).toFixed(2)} ms wall (${m.messages} messages)`;

if (values["idle-memory"]) {
  await idleMemory();
} else {
  const load = () =>
    loadavg()
      .map((n) => n.toFixed(2))
      .join(" ");
  console.log(`load average before: ${load()}`);
  const runs: { w?: Measured; f?: Measured }[] = [];
  for (let i = 0; i < Number(values.repeat); i++) {
    runs.push({
      ...(values.only === "floor" ? {} : { w: await warmline() }),
      ...(values.only === "warmline" ? {} : { f: await floor() }),
    });
  }
  const perMessage = (m: Measured) => m.cpuMs / m.messages;
  const best = (which: "w" | "f") =>
    runs.map((run) => run[which]).reduce<Measured | undefined>((a, b) => (b && (!a || perMessage(b) < perMessage(a)) ? b : a), undefined);
  /** The lower quartile of every round's CPU per message, over all runs. */
  const quartile = (which: "w" | "f") => {
    const all = runs.flatMap((run) => run[which]?.rounds ?? []).sort((a, b) => a - b);
    return all[Math.floor(all.length / 4)];
  };
  const [w, f] = [best("w"), best("f")];
  const [wq, fq] = [quartile("w"), quartile("f")];
  if (w) console.log(`${describe(`warmline (${storeKind} store)`, w)}; rounds' lower quartile ${wq?.toFixed(2)} ms`);
  if (f) console.log(`${describe("floor (bare Bolt)", f)}; rounds' lower quartile ${fq?.toFixed(2)} ms`);
  if (w && f && wq && fq)
    console.log(`ratio: ${(perMessage(w) / perMessage(f)).toFixed(2)}x CPU per message (lower quartiles: ${(wq / fq).toFixed(2)}x)`);
  const each = (m: Measured | undefined) => (m ? perMessage(m).toFixed(2) : "-");
  console.log(`each run, warmline / floor ms CPU per message: ${runs.map((run) => `${each(run.w)} / ${each(run.f)}`).join(", ")}`);
  console.log(`load average after: ${load()}`);
}
