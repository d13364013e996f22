/**
 * The bench's table: one row per run, latency both ways, acks, throughput, loss, CPU and RSS, and
 * each Warmline figure as a ratio against its reference from the same bench run: the floor, the
 * empty store, the shortest transcript, or one instance.
 */
import { KEPT_UP_P99_MS, keptUp } from "./open-loop.js";
import type { BenchRecord } from "./scenarios.js";

const ms = (value: number | undefined) =>
  value === undefined || Number.isNaN(value) ? "-" : value < 10 ? value.toFixed(1) : value.toFixed(0);
const pair = (a: number | undefined, b: number | undefined) => `${ms(a)} / ${ms(b)}`;
const times = (value: number) => (Number.isFinite(value) ? `${value < 10 ? value.toFixed(1) : value.toFixed(0)}×` : "-");

/** The worse of the two directions' p99: what a conversation feels at its slowest. */
const worstP99 = (r: BenchRecord) =>
  r.relay ? Math.max(r.relay.toSlack.p99, r.relay.toWhatsApp.p99) : (r.handoff?.latency.p99 ?? Number.NaN);

/**
 * What one message cost the whole machine: the instances, the load generator with the fake Slack, and
 * Redis, which share its cores. Undefined unless all three were measured (runs on Redis).
 */
function machineCpuMsPerMessage(record: BenchRecord): number | undefined {
  const { generatorCpuMsPerMessage: generator, redisCpuMsPerMessage: redis } = record;
  return generator === undefined || redis === undefined ? undefined : record.cpuMsPerMessage + generator + redis;
}

/** "machine 2.4 ms/msg: ≤ 830 msg/s on 2 cores": the most the machine could relay at that cost, whatever the instances. */
function machineCeiling(record: BenchRecord): string {
  const machine = machineCpuMsPerMessage(record);
  if (machine === undefined || !(machine > 0)) return "";
  return `machine ${ms(machine)} ms/msg: ≤ ${Math.round((record.cores * 1000) / machine)} msg/s on ${record.cores} cores`;
}

/** What a record is compared with, and how it reads. */
function comparison(record: BenchRecord, all: BenchRecord[]): string {
  // Runs of one scenario at several offered loads (--rate) compare within their load.
  const same = all.filter((r) => r.scenario === record.scenario && r.rate === record.rate);
  if (record.target === "floor") return "floor";
  if (record.scenario === "instances") {
    const one = same.find((r) => r.instances === 1);
    const ratio =
      one && one !== record && record.relay && one.relay ? `${times(record.relay.achievedRate / one.relay.achievedRate)} msg/s of 1` : "";
    const kept = record.relay && (keptUp(record.relay, record.rate ?? 0) ? "kept up" : "fell behind");
    return [kept, ratio, machineCeiling(record)].filter(Boolean).join("; ");
  }
  if (record.scenario === "transcript") {
    const shortest = same.find((r) => r.target !== "floor");
    const floor = same.find((r) => r.target === "floor");
    const parts = [
      ...(floor ? [`CPU ${times(record.cpuMsPerMessage / floor.cpuMsPerMessage)} floor`] : []),
      ...(shortest && shortest !== record ? [`${times(record.cpuMsPerMessage / shortest.cpuMsPerMessage)} ${shortest.variant}`] : []),
    ];
    return parts.join(", ");
  }
  const floor = same.find((r) => r.target === "floor");
  const parts = floor
    ? [
        `p99 ${times(worstP99(record) / worstP99(floor))}`,
        `CPU ${times(record.cpuMsPerMessage / floor.cpuMsPerMessage)}`,
        `RSS ${times(record.rssMB / floor.rssMB)}`,
      ]
    : [];
  if (record.seeded) {
    const empty = same.find((r) => r.target !== "floor" && !r.seeded);
    if (empty) parts.push(`p99 ${times(worstP99(record) / worstP99(empty))} empty store`);
  }
  return parts.join(", ");
}

const COLUMNS = [
  "scenario",
  "target",
  "variant",
  "to Slack p50 / p99 ms",
  "to WhatsApp p50 / p99 ms",
  "ack p99",
  "msg/s",
  "lost",
  "CPU ms/msg (drained)",
  "main busy",
  "RSS MB",
  "ratio (same run)",
];

function row(record: BenchRecord, all: BenchRecord[]): string[] {
  const { relay, handoff } = record;
  return [
    record.scenario,
    record.instances > 1 ? `${record.target} ×${record.instances}` : record.target,
    record.variant,
    relay ? pair(relay.toSlack.p50, relay.toSlack.p99) : handoff ? `card ${pair(handoff.latency.p50, handoff.latency.p99)}` : "-",
    relay ? pair(relay.toWhatsApp.p50, relay.toWhatsApp.p99) : "-",
    relay ? ms(relay.ackP99) : "-",
    relay ? relay.achievedRate.toFixed(0) : "-",
    relay ? `${relay.lost}/${relay.sent}` : handoff ? `${handoff.handoffs - handoff.cardsPosted}/${handoff.handoffs}` : "-",
    record.drainedCpuMsPerMessage === undefined
      ? ms(record.cpuMsPerMessage)
      : `${ms(record.cpuMsPerMessage)} (${ms(record.drainedCpuMsPerMessage)})`,
    record.mainThreadBusy === undefined ? "-" : `${Math.round(record.mainThreadBusy * 100)} %`,
    String(record.rssMB),
    comparison(record, all),
  ];
}

/** A Markdown table, columns padded to line up in a terminal too. */
function markdownTable(header: string[], body: string[][]): string {
  const rows = [header, ...body];
  const widths = header.map((_, c) => Math.max(...rows.map((cells) => cells[c]!.length)));
  const line = (cells: string[]) => `| ${cells.map((cell, c) => cell.padEnd(widths[c]!)).join(" | ")} |`;
  return [line(header), line(widths.map((w) => "-".repeat(w))), ...body.map(line)].join("\n");
}

/**
 * "1 instance kept up with 1050 msg/s, 2 instances with 1200 msg/s: 1.1× one": the highest offered load each
 * instance count kept up with (keptUp), from the instances scenario's stepped runs. A count that kept up with
 * every load it was offered has a capacity of at least that much, and the ratio says so.
 */
function formatCapacity(records: BenchRecord[]): string | undefined {
  const runs = records.filter((r) => r.scenario === "instances" && r.relay && r.rate !== undefined);
  const counts = [...new Set(runs.map((r) => r.instances))].sort((a, b) => a - b);
  if (counts.length === 0) return undefined;
  const capacities = counts.map((count) => {
    const own = runs.filter((r) => r.instances === count);
    const kept = own.filter((r) => keptUp(r.relay!, r.rate!)).map((r) => r.rate!);
    return { count, msgPerSecond: Math.max(0, ...kept), atLeast: kept.length === own.length };
  });
  const parts = capacities.map(({ count, msgPerSecond, atLeast }) => {
    const name = count === 1 ? "1 instance" : `${count} instances`;
    if (msgPerSecond === 0) return `${name} kept up with none of its loads`;
    return `${name} kept up with ${msgPerSecond} msg/s${atLeast ? " (every load offered: its capacity is higher)" : ""}`;
  });
  const [one, most] = [capacities[0]!, capacities.at(-1)!];
  const ratio =
    capacities.length < 2 || one.msgPerSecond === 0 || most.msgPerSecond === 0
      ? ""
      : one.atLeast
        ? `: not measured, one instance kept up with every load offered`
        : `: ${most.atLeast ? "≥ " : ""}${times(most.msgPerSecond / one.msgPerSecond)} one`;
  return `Capacity on Redis (the highest offered load kept up with: nothing lost, p99 ≤ ${KEPT_UP_P99_MS} ms both ways): ${parts.join(", ")}${ratio}`;
}

/** The relay, handoff and stored runs; then, if any ran, the scans table and the capacity. */
export function formatTable(records: BenchRecord[]): string {
  const runs = records.filter((r) => !r.scans);
  const scans = records.filter((r) => r.scans);
  const capacity = formatCapacity(records);
  return [
    ...(runs.length > 0
      ? [
          markdownTable(
            COLUMNS,
            runs.map((r) => row(r, runs)),
          ),
        ]
      : []),
    ...(scans.length > 0 ? [formatScans(scans)] : []),
    ...(capacity ? [capacity] : []),
  ].join("\n\n");
}

const SCAN_COLUMNS = [
  "scans",
  "open stored",
  "tick ms",
  "scrape ms",
  "status ms",
  "turn ms/msg",
  "listOpen ms (what the tick loaded before)",
  "turn vs smallest",
];

/** CPU ms (median) per store size: flat from the smallest size up is what "no scans" means. */
function formatScans(records: BenchRecord[]): string {
  return markdownTable(
    SCAN_COLUMNS,
    records.map((record) => {
      const scans = record.scans!;
      const smallest = records.find((r) => r.target === record.target)!.scans!;
      return [
        record.target,
        String(scans.openStored),
        ms(scans.tickCpuMs),
        ms(scans.scrapeCpuMs),
        ms(scans.statusCpuMs),
        ms(scans.turnCpuMs),
        ms(scans.listOpenCpuMs),
        smallest === scans ? "-" : times(scans.turnCpuMs / smallest.turnCpuMs),
      ];
    }),
  );
}

export const formatLoad = (load: number[]) => load.map((l) => l.toFixed(2)).join(" ");
