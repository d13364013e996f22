import { describe, expect, it } from "vitest";
import { KEPT_UP_P99_MS, keptUp, type RelayFigures } from "../../scripts/bench/open-loop.js";
import { formatTable } from "../../scripts/bench/report.js";
import type { BenchRecord } from "../../scripts/bench/scenarios.js";

/** A relay run at `rate` that delivered everything at that rate, within 20 ms, unless told otherwise. */
function relay(rate: number, overrides: Partial<RelayFigures> = {}): RelayFigures {
  return {
    sent: rate * 10,
    delivered: rate * 10,
    lost: 0,
    duplicates: 0,
    toSlack: { p50: 5, p99: 20 },
    toWhatsApp: { p50: 6, p99: 20 },
    ackP50: 3,
    ackP99: 10,
    ackFailures: 0,
    achievedRate: rate,
    elapsedMs: 10_000,
    ...overrides,
  };
}

function instancesRun(instances: number, rate: number, overrides: Partial<RelayFigures> = {}): BenchRecord {
  return {
    scenario: "instances",
    target: "redis",
    variant: `${instances} @ ${rate}`,
    instances,
    conversations: 500,
    rate,
    seconds: 10,
    relay: relay(rate, overrides),
    cpuMsPerMessage: 1.2,
    cores: 2,
    rssMB: 250,
    heapMB: 60,
    loadavg: [1, 1, 1],
  };
}

const capacityLine = (records: BenchRecord[]) =>
  formatTable(records)
    .split("\n")
    .find((line) => line.startsWith("Capacity on Redis"));

describe("the instances scenario's capacity", () => {
  it("keeps up only with nothing lost, every event answered, the offered rate met and p99 under the bound both ways", () => {
    expect(keptUp(relay(1000), 1000)).toBe(true);
    expect(keptUp(relay(1000, { lost: 1 }), 1000)).toBe(false);
    expect(keptUp(relay(1000, { ackFailures: 1 }), 1000)).toBe(false);
    expect(keptUp(relay(1000, { achievedRate: 900 }), 1000)).toBe(false);
    expect(keptUp(relay(1000, { toWhatsApp: { p50: 40, p99: KEPT_UP_P99_MS + 1 } }), 1000)).toBe(false);
    expect(keptUp(relay(1000, { toSlack: { p50: 40, p99: KEPT_UP_P99_MS } }), 1000)).toBe(true);
  });

  it("reports the highest load each count kept up with, and the pair's against one", () => {
    const line = capacityLine([
      instancesRun(1, 600),
      instancesRun(1, 750, { toSlack: { p50: 300, p99: 900 } }),
      instancesRun(2, 600),
      instancesRun(2, 750),
      instancesRun(2, 900),
      instancesRun(2, 1050, { lost: 3 }),
    ]);
    expect(line).toContain("1 instance kept up with 600 msg/s, 2 instances kept up with 900 msg/s: 1.5× one");
  });

  it("says when a count kept up with every load offered: its capacity is only a lower bound", () => {
    const pairUnbounded = capacityLine([
      instancesRun(1, 600),
      instancesRun(1, 750, { lost: 2 }),
      instancesRun(2, 600),
      instancesRun(2, 750),
    ]);
    expect(pairUnbounded).toContain("2 instances kept up with 750 msg/s (every load offered: its capacity is higher): ≥ 1.3× one");
    const oneUnbounded = capacityLine([instancesRun(1, 600), instancesRun(2, 600)]);
    expect(oneUnbounded).toContain(": not measured, one instance kept up with every load offered");
  });

  it("marks each instances row kept up or fell behind", () => {
    const table = formatTable([instancesRun(1, 600), instancesRun(1, 750, { lost: 1 })]);
    expect(table).toMatch(/1 @ 600 .*\| kept up/);
    expect(table).toMatch(/1 @ 750 .*\| fell behind/);
  });
});
