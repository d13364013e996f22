// node --import tsx scripts/bench/slack-call-micro.ts [-- --calls 2000 --pairs 5 --concurrency 1,20]
// CPU per Slack Web API call: chat.postMessage through a WebClient whose fetch is the masking gate,
// sending with Node's global fetch ("fetch") or with undici's request() on a keep-alive Agent
// ("undici"), in interleaved pairs. The fake Slack API runs in a child process, so this process's
// CPU (process.cpuUsage) is the client's alone. Prints a line per run and a JSON line per run.
import { fork } from "node:child_process";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { type FetchFunction, WebClient } from "@slack/web-api";
import { Agent } from "undici";
import { createSlackHttpTransport } from "../../channels/slack/slack-http-transport.js";
import { createSlackMaskingGate } from "../../channels/slack/masking-gate.js";
import { startFakeSlackApi } from "../../src/sandbox/fake-slack-api.js";

const USAGE =
  "Usage: node --import tsx scripts/bench/slack-call-micro.ts [--calls 2000] [--pairs 5] [--concurrency 1,20] [--only fetch|undici]";
/** Calls made before measuring, so the JIT, the gate's cache and the connections are warm. */
const WARMUP_CALLS = 300;
const CHANNEL = "C0SUPPORT";

if (process.argv.includes("--serve")) {
  // The child: the fake Slack API, its URL sent to the parent.
  const api = await startFakeSlackApi({ channels: [{ id: CHANNEL, name: "support" }] });
  // Recorded calls would grow without end over a long run.
  setInterval(() => {
    api.calls.length = 0;
    api.messages = api.messages.filter((m) => m.thread_ts === undefined || m.thread_ts === m.ts);
  }, 1000).unref();
  process.send?.(api.url);
  process.on("disconnect", () => void api.close().then(() => process.exit(0)));
} else {
  const { values } = parseArgs({
    options: {
      calls: { type: "string", default: "2000" },
      pairs: { type: "string", default: "5" },
      concurrency: { type: "string", default: "1,20" },
      // One of them alone, e.g. to profile it.
      only: { type: "string" },
    },
  });
  const calls = Number(values.calls);
  const pairs = Number(values.pairs);
  const concurrencies = values.concurrency.split(",").map(Number);
  if (![calls, pairs, ...concurrencies].every((n) => Number.isInteger(n) && n > 0)) {
    console.error(`The counts must be whole numbers above 0.\n\n${USAGE}`);
    process.exit(2);
  }
  const child = fork(new URL(import.meta.url).pathname, ["--serve"], { execArgv: ["--import", "tsx"] });
  const url = await new Promise<string>((resolve) => child.once("message", (message) => resolve(String(message))));
  const gate = createSlackMaskingGate({ maskCards: true, maskEmails: true, maskPhones: true });
  const agent = new Agent();
  const clients = {
    fetch: clientOf(url, gate.wrap(globalThis.fetch as FetchFunction)),
    undici: clientOf(url, gate.wrap(createSlackHttpTransport(agent))),
  };
  // The thread every post goes into, as a relayed message goes under its card.
  const threadTs = String((await clients.fetch.chat.postMessage({ channel: CHANNEL, text: "The card" })).ts);
  const run = (client: WebClient, total: number, concurrency: number) => postInThread(client, threadTs, total, concurrency);
  for (const [name, client] of Object.entries(clients))
    if (values.only === undefined || name === values.only) await run(client, WARMUP_CALLS, 20);
  console.error(
    `slack-call-micro: load average ${loadavg()
      .map((l) => l.toFixed(2))
      .join(" ")}`,
  );
  for (const concurrency of concurrencies) {
    const sums: Record<string, number[]> = { fetch: [], undici: [] };
    for (let pair = 0; pair < pairs; pair++) {
      // Alternate which goes first, so neither always runs on a warmer or quieter machine.
      const order = pair % 2 === 0 ? (["fetch", "undici"] as const) : (["undici", "fetch"] as const);
      for (const name of order.filter((n) => values.only === undefined || n === values.only)) {
        const started = process.cpuUsage();
        await run(clients[name], calls, concurrency);
        const used = process.cpuUsage(started);
        const microsPerCall = (used.user + used.system) / calls;
        sums[name]!.push(microsPerCall);
        console.log(
          JSON.stringify({ bench: "slack-call-micro", transport: name, concurrency, calls, pair, cpuMicrosPerCall: microsPerCall }),
        );
      }
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
    const [f, u] = [median(sums.fetch!), median(sums.undici!)];
    const shown = (micros: number | undefined) => (micros === undefined ? "not run" : `${micros.toFixed(0)} µs`);
    const ratio = f !== undefined && u !== undefined ? ` (${(u / f).toFixed(2)}x)` : "";
    console.error(`concurrency ${concurrency}: CPU per call, median of ${pairs}: fetch ${shown(f)}, undici ${shown(u)}${ratio}`);
  }
  await agent.close();
  child.disconnect();
}

function clientOf(slackApiUrl: string, fetch: FetchFunction): WebClient {
  return new WebClient("xoxb-micro", { slackApiUrl, retryConfig: { retries: 0 }, fetch });
}

/** A thread post as Warmline sends one: text with a number in it (so the gate reads it), metadata, no unfurls. */
async function postInThread(client: WebClient, threadTs: string, total: number, concurrency: number): Promise<void> {
  let next = 0;
  const worker = async () => {
    while (next < total) {
      const n = next++;
      await client.chat.postMessage({
        channel: CHANNEL,
        thread_ts: threadTs,
        text: `Customer: where is my order 10${n % 1000}? It was due on Monday.`,
        unfurl_links: false,
        unfurl_media: false,
        reply_broadcast: false,
        metadata: { event_type: "warmline_outbox", event_payload: { key: `out_${n}` } },
      });
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
}
