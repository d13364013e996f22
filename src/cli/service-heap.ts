import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full GC left alive, in percent. By
 * default V8 picks a factor of up to 4x from its GC and allocation speeds; under relay load that held
 * 177 MB of old space for 66 MB alive, pages the process then keeps. The bench's 200 @ 100 on SQLite,
 * four runs each, interleaved (README, "Memory"): RSS 288-297 MB by default, 229-238 at 50, 216-219
 * at 30; CPU per message 3.4-3.9, 3.2-3.5 and 3.4-3.5 ms; p99 latency as noisy in all three. A full
 * GC marks only what is alive, so collecting more often costs little when, as here, most of what the
 * relay allocates dies young: 11 full GCs instead of 3 in a 2,000-message profile, 0.07 ms a message.
 */
export const SERVICE_HEAP_GROWING_PERCENT = 30;

/**
 * Off: V8's allocation-site pretenuring. Once most of what an allocation site made survived a
 * scavenge, V8 allocates that site's objects straight in the old generation. A relayed message's
 * in-flight objects (Bolt's listener arguments, store rows, the Slack request) often live across one
 * scavenge and die soon after, so their sites were pretenured and every message's garbage went to
 * the old space, which only a full GC collects. The bench's 500 @ 500 after 200 @ 500 on SQLite,
 * three runs each: CPU 1.8-2.0 against 1.6 ms a message, RSS 274-283 against 253-256 MB; with
 * `--trace-gc` (two each), 26-28 full GCs and 0.91-0.92 s of their pause and marking against 18
 * and 0.53 s, and 1.45-1.53 against 0.88-0.89 s of scavenges (README, "Memory").
 */
const NO_PRETENURING = "--no-allocation-site-pretenuring";

/**
 * The young generation's floor, in MB a semi-space: the size Node 20 grows it to under load on 64-bit, so V8
 * keeps it there. By default V8 shrinks it whenever a scavenge finds allocation slow, and the first scavenge
 * after a quiet spell took it from 16 MB to 1 MB: a burst that followed scavenged every megabyte or so. The
 * bench's 200 handoffs at once, run after the other stores' 500 @ 1,000 had left the instance idle for about a
 * minute: 18 scavenges and a full GC inside the burst, 2.1–2.2 ms of CPU a handoff and card p99 283–342 ms,
 * against 6 scavenges, 1.4–1.5 ms and 221–247 ms with it (README, "Memory"). Under steady load the young
 * generation is at this size anyway: 10,000 stored open conversations took the same RSS.
 * V8 reads it once, when it sets up the heap: it must be on Node's command line (SERVICE_NODE_FLAGS).
 */
export const YOUNG_GENERATION_MB = 16;

/**
 * What the service's `node` command line carries: `npm start`, the `warmline` bin, the bench's Warmline
 * and the crash suite's child pass these. A service started without them says so (missingServiceNodeFlags).
 */
export const SERVICE_NODE_FLAGS: readonly string[] = [`--min-semi-space-size=${YOUNG_GENERATION_MB}`];

/** The SERVICE_NODE_FLAGS this process was started without. */
export function missingServiceNodeFlags(execArgv: readonly string[] = process.execArgv): string[] {
  return SERVICE_NODE_FLAGS.filter((flag) => !execArgv.includes(flag));
}

/**
 * The service's V8 heap growth factor (not a cap on the heap) and NO_PRETENURING, set before it starts
 * (both are read during collections, so they apply from the next one). Only the long-running service
 * calls this: `npm start`, `warmline start`, and the processes that stand for it, the bench's Warmline
 * and the crash suite's child, which measure and test what production runs.
 */
export function tuneHeapForService(): void {
  setFlagsFromString(`--heap-growing-percent=${SERVICE_HEAP_GROWING_PERCENT}`);
  setFlagsFromString(NO_PRETENURING);
}
