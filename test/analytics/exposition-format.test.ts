import { spawnSync } from "node:child_process";
import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { HANDOFF_BUCKETS_SECONDS } from "../../src/analytics/metrics.js";
import { SANDBOX_AGENT, startSandbox, type Sandbox } from "../../src/demo/sandbox.js";
import { DEMO_START } from "../../src/demo/story.js";
import { expositionProblems, parsePromText, sampleKey } from "./prom-text.js";

let sandbox: Sandbox | undefined;
afterEach(async () => {
  await sandbox?.close();
  sandbox = undefined;
});

/** /metrics after a cancellation was handed over, claimed a minute later and answered half a minute after that. */
async function scrapeAfterAHandoff(): Promise<string> {
  let now = DEMO_START;
  sandbox = await startSandbox({ transport: "http", clock: { now: () => now } });
  await sandbox.customerSays("I want to cancel my order 100311, I found it cheaper elsewhere");
  now += 60_000;
  await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
  now += 30_000;
  await sandbox.agentSays(SANDBOX_AGENT, "Hi, I can help with that.");
  const response = await fetch(`http://127.0.0.1:${sandbox.handle.port}/metrics`);
  expect(response.status).toBe(200);
  return response.text();
}

describe("the /metrics exposition format", () => {
  it("is well formed: samples match their # TYPE, the handoff durations are a histogram, no gauge has quantiles", async () => {
    const text = await scrapeAfterAHandoff();
    expect(expositionProblems(text)).toEqual([]);
    expect(text).toContain("# TYPE warmline_handoff_seconds histogram");
    expect(text).not.toMatch(/quantile=/);
    const samples = parsePromText(text);
    const claim = { team: "retention", stage: "claim" };
    expect(samples.get(sampleKey("warmline_handoff_seconds_count", claim))).toBe(1);
    expect(samples.get(sampleKey("warmline_handoff_seconds_sum", claim))).toBe(60);
    // The 60 s claim is in every bucket from le="60" up, and in none below.
    for (const le of HANDOFF_BUCKETS_SECONDS)
      expect(samples.get(sampleKey("warmline_handoff_seconds_bucket", { ...claim, le: String(le) })), `le=${le}`).toBe(le >= 60 ? 1 : 0);
    expect(samples.get(sampleKey("warmline_handoff_seconds_bucket", { ...claim, le: "+Inf" }))).toBe(1);
    // Per team only: "_all" would double what sum by (le) adds up.
    expect([...samples.keys()].some((key) => key.startsWith("warmline_handoff_seconds") && key.includes('team="_all"'))).toBe(false);
  });

  it("the checker catches what promtool rejected: a gauge with quantiles and gauge _sum/_count series", () => {
    const old = [
      "# TYPE warmline_handoff_seconds gauge",
      'warmline_handoff_seconds{team="a",stage="claim",quantile="0.5"} 90',
      "# TYPE warmline_handoff_seconds_sum gauge",
      'warmline_handoff_seconds_sum{team="a",stage="claim"} 90',
      "# TYPE warmline_handoff_seconds_count gauge",
      'warmline_handoff_seconds_count{team="a",stage="claim"} 1',
      "# TYPE warmline_x histogram",
      'warmline_x_bucket{le="10"} 2',
      'warmline_x_bucket{le="5"} 1',
      "warmline_x_count 2",
    ].join("\n");
    expect(expositionProblems(old)).toEqual([
      "warmline_handoff_seconds: a gauge with a quantile label (use a histogram)",
      "warmline_x{}: le bounds not ascending",
      "warmline_x{}: bucket counts decrease",
      'warmline_x{}: no le="+Inf" bucket',
      "warmline_x{}: no _sum",
    ]);
  });

  // Prometheus's own checker, when installed (Debian: apt-get install prometheus).
  const promtool = spawnSync("promtool", ["--version"], { encoding: "utf8" });
  const hasPromtool = promtool.status === 0;
  if (!hasPromtool) console.info("Skipping `promtool check metrics`: promtool is not on PATH (apt-get install -y prometheus provides it).");
  it.skipIf(!hasPromtool)("passes `promtool check metrics`", async () => {
    const text = await scrapeAfterAHandoff();
    const check = spawnSync("promtool", ["check", "metrics"], { input: text, encoding: "utf8" });
    expect(`${check.stdout}${check.stderr}`).toBe("");
    expect(check.status).toBe(0);
  });
});
