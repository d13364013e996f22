/**
 * The logging surface the core and adapters use; pino's Logger satisfies it (see src/logging.ts).
 * Message bodies never go in at info level: they are personal data.
 */
export interface LogFn {
  (context: Record<string, unknown>, message: string): void;
  (message: string): void;
}

export interface Logger {
  debug: LogFn;
  info: LogFn;
  warn: LogFn;
  error: LogFn;
  child(bindings: Record<string, unknown>): Logger;
}
