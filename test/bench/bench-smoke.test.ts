import { execFile } from "node:child_process";
import { join } from "node:path";
import { promisify } from "node:util";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/source-scan.js";

const TSC = join(ROOT, "node_modules", "typescript", "bin", "tsc");
const redisUrl = process.env.REDIS_URL;

/** `npm run bench -- --quick <args>` after the build it runs first: stdout, and the JSON line of each run. */
async function quickBench(args: string[], env: NodeJS.ProcessEnv = process.env) {
  // What `npm run bench` does first: the instances run the compiled build, as `npm start` does.
  await promisify(execFile)(process.execPath, [TSC, "-p", "tsconfig.build.json"], { cwd: ROOT, timeout: 90_000 });
  const { stdout } = await promisify(execFile)(process.execPath, ["--import", "tsx", "scripts/bench.ts", "--quick", ...args], {
    cwd: ROOT,
    timeout: 120_000,
    env,
  });
  const records = stdout
    .split("\n")
    .filter((line) => line.startsWith("{"))
    .map((line) => JSON.parse(line));
  return { stdout, records };
}

/**
 * The bench itself works: a quick run relays both ways on the floor and on Warmline (memory store:
 * no native addon, so it runs on any Node) with nothing lost. Timings are printed, never asserted.
 */
describe("npm run bench --quick (smoke)", () => {
  it("relays every message both ways, prints one well-formed JSON line per run and the table", async () => {
    // Without Redis: the memory target's runs measure no Redis server.
    const { REDIS_URL: _redis, ...withoutRedis } = process.env;
    const { stdout, records } = await quickBench(["--scenario", "relay-100", "--target", "floor", "--target", "memory"], withoutRedis);
    expect(records.map((r) => [r.scenario, r.target])).toEqual([
      ["relay-100", "floor"],
      ["relay-100", "memory"],
    ]);
    for (const record of records) {
      expect(record.relay.sent).toBeGreaterThan(0);
      expect(record.relay).toMatchObject({ delivered: record.relay.sent, lost: 0, duplicates: 0, ackFailures: 0 });
      for (const leg of [record.relay.toSlack, record.relay.toWhatsApp]) expect(leg.p99).toBeGreaterThanOrEqual(leg.p50);
      expect(record.cpuMsPerMessage).toBeGreaterThan(0);
      // Every message was delivered in time and the instance went idle: the drained figure covers the same messages.
      expect(record.drainedCpuMsPerMessage).toBeGreaterThanOrEqual(record.cpuMsPerMessage);
      expect(record.rssMB).toBeGreaterThan(0);
      // A share of the run: the instance's main thread did some work, and cannot have been busier than the run was long.
      expect(record.mainThreadBusy).toBeGreaterThan(0);
      expect(record.mainThreadBusy).toBeLessThanOrEqual(1);
      expect(record.loadavg).toHaveLength(3);
      expect(record.redisCpuMsPerMessage).toBeUndefined();
    }
    // What each run left in Warmline's outbox for the drain; the floor keeps none.
    expect(records[0].outboxPendingAtEnd).toBeUndefined();
    expect(records[1].outboxPendingAtEnd).toBeGreaterThanOrEqual(0);
    expect(stdout).toMatch(/\| relay-100 +\| memory +\|.*\| p99 [\d.]+×, CPU [\d.]+×, RSS [\d.]+× \|/);
    expect(stdout).toMatch(/load average \(1, 5, 15 min\): [\d.]+ [\d.]+ [\d.]+ at start/);
  }, 180_000);

  it.skipIf(redisUrl === undefined)(
    "two instances on one Redis: what each message cost the Redis server too, and the ceiling the machine's cores set",
    async () => {
      const { stdout, records } = await quickBench(["--scenario", "instances"]);
      // Each count steps up the quick loads (40 and 80 msg/s), which it keeps up with.
      expect(records.map((r) => [r.scenario, r.target, r.instances, r.rate])).toEqual([
        ["instances", "redis", 1, 40],
        ["instances", "redis", 1, 80],
        ["instances", "redis", 2, 40],
        ["instances", "redis", 2, 80],
      ]);
      for (const record of records) {
        expect(record.relay).toMatchObject({ delivered: record.relay.sent, lost: 0 });
        // Redis worked for these messages: its CPU is counted, per message sent.
        expect(record.redisCpuMsPerMessage).toBeGreaterThan(0);
        expect(record.cores).toBeGreaterThanOrEqual(1);
      }
      expect(stdout).toMatch(
        /\| instances +\| redis ×2 +\|.*\| kept up; [\d.]+× msg\/s of 1; machine [\d.]+ ms\/msg: ≤ \d+ msg\/s on \d+ cores \|/,
      );
      expect(stdout).toMatch(/Capacity on Redis .*: 1 instance kept up with 80 msg\/s \(every load offered: its capacity is higher\)/);
    },
    180_000,
  );
});
