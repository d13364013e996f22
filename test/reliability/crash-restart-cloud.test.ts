import { afterEach, describe } from "vitest";
import { crashRuns, stopWorld } from "./crash-harness.js";

afterEach(stopWorld);

/**
 * The crash test (crash-harness.ts) over the WhatsApp Cloud API, on SQLite with a late kill: Meta's webhooks are posted again
 * until Warmline answers 200, every send gets a `sent` status echoing its tag, and a send in doubt
 * after a kill is resolved by that status (channels/whatsapp-cloud/cloud-send-ledger.ts).
 */
describe("crash safety over the WhatsApp Cloud API: SIGKILL mid-traffic and again during recovery, slow servers, webhooks redelivered", () => {
  crashRuns("cloud");
});
