import { pino } from "pino";
import type { Logger } from "./ports/logger.js";

/** One logger for the process; components take `logger.child({ component })`. */
export function createLogger(options: { level?: string; destination?: NodeJS.WritableStream } = {}): Logger {
  return pino({ level: options.level ?? "info", base: undefined }, options.destination ?? process.stderr) as unknown as Logger;
}

/** For tests and the demo: drops everything. */
export function createSilentLogger(): Logger {
  return pino({ level: "silent" }) as unknown as Logger;
}
