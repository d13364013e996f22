import type { LogFn, Logger } from "../../src/ports/logger.js";

export interface LogEntry {
  level: "debug" | "info" | "warn" | "error";
  message: string;
  context: Record<string, unknown>;
}

/** A Logger that keeps every line (children share the list), so tests can assert on what operators see. */
export function createCaptureLogger(entries: LogEntry[] = [], bindings: Record<string, unknown> = {}): Logger & { entries: LogEntry[] } {
  const at =
    (level: LogEntry["level"]): LogFn =>
    (a: Record<string, unknown> | string, b?: string) => {
      if (typeof a === "string") entries.push({ level, message: a, context: { ...bindings } });
      else entries.push({ level, message: b ?? "", context: { ...bindings, ...a } });
    };
  return {
    entries,
    debug: at("debug"),
    info: at("info"),
    warn: at("warn"),
    error: at("error"),
    child: (more) => createCaptureLogger(entries, { ...bindings, ...more }),
  };
}
