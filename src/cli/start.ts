import { DOT_ENV_FILE, readEnvironment } from "../config/environment.js";
import { isWarmlineError } from "../domain/errors.js";
import { createLogger } from "../logging.js";
import { installProcessGuards } from "./process-guards.js";
import { missingServiceNodeFlags, tuneHeapForService } from "./service-heap.js";

/** `npm start`: .env plus the config file; a missing or invalid setting exits 1 listing every one. */
export async function runService(options: { configFile: string; dataDir?: string }): Promise<number> {
  tuneHeapForService();
  const missing = missingServiceNodeFlags();
  if (missing.length > 0)
    process.stderr.write(
      `Node was started without ${missing.join(" ")}, so a burst after a quiet spell pays for many more garbage collections: ` +
        `npm start and the warmline command pass it; with another launcher, put it on node's command line.\n`,
    );
  // Node's own .env loader: no dependency needed. Real environment variables win over .env.
  const env = readEnvironment({ dotEnvFile: DOT_ENV_FILE });
  const { startWarmline } = await import("../main.js");
  // Before the start: Slack may already be calling while WhatsApp pairs. See process-guards.ts for the rule.
  const guards = installProcessGuards(process, { logger: createLogger(), exit: (code) => process.exit(code) });
  try {
    const handle = await startWarmline({ config: options.configFile, dataDir: options.dataDir, env });
    guards.serve(handle);
    await new Promise<void>((resolve) => {
      const shutdown = (signal: string) => {
        process.stderr.write(`${signal} received: finishing work in flight, then exiting.\n`);
        void handle.stop().then(resolve);
      };
      process.once("SIGTERM", () => shutdown("SIGTERM"));
      process.once("SIGINT", () => shutdown("SIGINT"));
    });
    return 0;
  } catch (error) {
    if (isWarmlineError(error)) {
      process.stderr.write(`${error.message}\n`);
      return 1;
    }
    throw error;
  }
}
