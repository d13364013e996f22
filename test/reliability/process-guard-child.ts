/**
 * A process with Warmline's process guards (as `warmline start` installs them): it leaves a promise
 * rejected with nobody waiting, shows it is still running and what /metrics counts, then throws.
 */
import { createWarmlineMetrics } from "../../src/analytics/metrics.js";
import { installProcessGuards } from "../../src/cli/process-guards.js";
import { createLogger } from "../../src/logging.js";

const metrics = createWarmlineMetrics({
  figures: () => Promise.reject(new Error("no figures in this test")),
  windowMs: 60_000,
});
const guards = installProcessGuards(process, { logger: createLogger(), exit: (code) => process.exit(code) });
guards.serve({
  metrics,
  stop: async () => {
    process.stdout.write("STOPPED\n");
  },
});

void Promise.reject(new Error("nobody waits for this"));
setImmediate(async () => {
  process.stdout.write(await metrics.registry.getSingleMetricAsString("warmline_process_faults_total"));
  process.stdout.write("\nALIVE\n");
  setImmediate(() => {
    throw new Error("a bug in a callback");
  });
});
