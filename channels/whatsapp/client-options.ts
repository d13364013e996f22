import { join } from "node:path";
import wweb from "whatsapp-web.js";
import { WHATSAPP_SESSION_DIR } from "./whatsapp-session.js";

/**
 * Chromium flags for a headless server: no sandbox (containers often run as root), /tmp instead
 * of a small /dev/shm, and no background traffic the session does not need.
 */
export const WHATSAPP_BROWSER_ARGS = [
  "--no-sandbox",
  "--disable-setuid-sandbox",
  "--disable-dev-shm-usage",
  "--disable-gpu",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
] as const;

export interface WhatsAppClientOptionsInput {
  dataDir: string;
  /** From findBrowser(). */
  browserPath: string;
  headless?: boolean;
}

/** Options for `new wweb.Client(options)`; src/main.ts constructs the client. */
export function whatsappClientOptions(input: WhatsAppClientOptionsInput): wweb.ClientOptions {
  return {
    authStrategy: new wweb.LocalAuth({ dataPath: join(input.dataDir, WHATSAPP_SESSION_DIR) }),
    puppeteer: {
      executablePath: input.browserPath,
      headless: input.headless ?? true,
      args: [...WHATSAPP_BROWSER_ARGS],
    },
  };
}
