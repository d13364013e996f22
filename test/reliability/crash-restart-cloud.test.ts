import { afterEach, describe } from "vitest";
import { crashRuns, type KillTiming, stopWorld } from "./crash-harness.js";

/**
 * The crash test (crash-harness.ts) over the WhatsApp Cloud API: Meta's webhooks are posted again
 * until Warmline answers 200, every send gets a `sent` status echoing its tag, and a send in doubt
 * after a kill is resolved by that status (channels/whatsapp-cloud/cloud-send-ledger.ts).
 */
const RUNS: KillTiming[] = [
  { store: "sqlite", firstKillAfter: 0.3, secondKillAfterReadyMs: 300 },
  { store: "sqlite", firstKillAfter: 0.65, secondKillAfterReadyMs: 700 },
  { store: "redis", firstKillAfter: 0.5, secondKillAfterReadyMs: 500 },
];

afterEach(stopWorld);

describe("crash safety over the WhatsApp Cloud API: SIGKILL mid-traffic and again during recovery, slow servers, webhooks redelivered", () => {
  crashRuns("cloud", RUNS);
});
