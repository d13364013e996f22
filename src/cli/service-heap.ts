import { setFlagsFromString } from "node:v8";

/**
 * How far V8 lets the old generation grow past what the last full GC left alive, in percent. By
 * default V8 picks a factor of up to 4x from its GC and allocation speeds; under relay load that held
 * 177 MB of old space for 66 MB alive, pages the process then keeps. At 1.5x the same load held
 * 88 MB, and the bench's RSS with 10,000 open conversations stored fell from 405 to 278 MB (under
 * tsx), at no CPU per message measurable against the noise (README, "Memory"). A full GC marks only
 * what is alive, so collecting more often costs little when, as here, most of what the relay
 * allocates dies young.
 */
export const SERVICE_HEAP_GROWING_PERCENT = 50;

/**
 * The service's heap limits, set before it starts (the flag is read at each full GC, so it applies
 * from the next one). Only the long-running service calls this: `npm start`, `warmline start`, and
 * the bench's Warmline, which measures what production runs.
 */
export function tuneHeapForService(): void {
  setFlagsFromString(`--heap-growing-percent=${SERVICE_HEAP_GROWING_PERCENT}`);
}
