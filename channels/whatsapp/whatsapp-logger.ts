type WhatsAppLogFn = (context: Record<string, unknown>, message: string) => void;

/** The logging the adapter needs; pino's Logger (and src/ports/logger.ts's) satisfies it. */
export interface WhatsAppLogger {
  debug?: WhatsAppLogFn;
  info: WhatsAppLogFn;
  warn: WhatsAppLogFn;
  error: WhatsAppLogFn;
}

export const silentWhatsAppLogger: WhatsAppLogger = { info: () => {}, warn: () => {}, error: () => {} };

/** An error's message for a log line or an operator's notice. */
export function errorText(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}
