import { format } from "node:util";
import { LogLevel, type Logger as BoltLogger } from "@slack/bolt";
import type { Logger } from "../../src/ports/logger.js";

/** Bolt and the Socket Mode client log through Warmline's one logger, as component "bolt". */
export function createBoltLogger(logger: Logger, level: LogLevel = LogLevel.INFO): BoltLogger {
  let current = level;
  let child = logger.child({ component: "bolt" });
  const text = (msg: unknown[]) => format(...msg);
  return {
    debug: (...msg: unknown[]) => child.debug(text(msg)),
    info: (...msg: unknown[]) => child.info(text(msg)),
    warn: (...msg: unknown[]) => child.warn(text(msg)),
    error: (...msg: unknown[]) => child.error(text(msg)),
    setLevel: (next: LogLevel) => {
      current = next;
    },
    getLevel: () => current,
    setName: (name: string) => {
      child = logger.child({ component: "bolt", name });
    },
  };
}

/** Warmline's LOG_LEVEL as Bolt's LogLevel (pino's trace/fatal fold into the nearest). */
export function boltLogLevel(level: string): LogLevel {
  switch (level) {
    case "trace":
    case "debug":
      return LogLevel.DEBUG;
    case "warn":
      return LogLevel.WARN;
    case "error":
    case "fatal":
    case "silent":
      return LogLevel.ERROR;
    default:
      return LogLevel.INFO;
  }
}
