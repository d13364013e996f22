import qrcode from "qrcode-terminal";
import type { WhatsAppClientPort, WhatsAppDisconnectReason } from "./client-port.js";
import { errorText, type WhatsAppLogger } from "./whatsapp-logger.js";

export interface WhatsAppPairingOptions {
  mode: "qr" | "code";
  /** Required for "code": the business number in international form, e.g. "15551234567" or "+1 555 123 4567". */
  phone?: string;
}

export interface WhatsAppReconnectOptions {
  baseMs: number;
  maxMs: number;
}

export const WHATSAPP_RECONNECT_DEFAULTS: WhatsAppReconnectOptions = { baseMs: 2_000, maxMs: 5 * 60_000 };

/** Reasons after which reconnecting cannot help: a human has to pair again or appeal a ban. */
export const NO_RECONNECT_REASONS = new Set(["LOGOUT", "TOS_BLOCK", "SMB_TOS_BLOCK"]);

/** change_state values that mean the session is in trouble (the rest are routine). */
export const PROBLEM_STATES = new Set([
  "CONFLICT",
  "UNPAIRED",
  "UNPAIRED_IDLE",
  "TOS_BLOCK",
  "SMB_TOS_BLOCK",
  "PROXYBLOCK",
  "DEPRECATED_VERSION",
]);

/** What each problem means and what the operator should do, worded for the ops channel. */
export function describeWhatsAppProblem(reason: WhatsAppDisconnectReason): string {
  switch (reason) {
    case "LOGOUT":
      return "WhatsApp logged this session out: pair again with `npm start` and scan the QR code. (It was unlinked in the phone's Linked devices, or by WhatsApp.)";
    case "UNPAIRED":
    case "UNPAIRED_IDLE":
      return "This WhatsApp session is no longer linked to the business phone: Warmline reconnects and shows a new QR code; scan it in WhatsApp → Settings → Linked devices → Link a device.";
    case "CONFLICT":
      return "WhatsApp Web was opened with this number somewhere else, which took the session over: close the other WhatsApp Web tab or desktop app. Warmline reconnects automatically.";
    case "TOS_BLOCK":
    case "SMB_TOS_BLOCK":
      return "WhatsApp blocked this number for breaking its Terms of Service: Warmline will not reconnect. Appeal from the WhatsApp app on the business phone, or pair a different number with `npm start`.";
    case "PROXYBLOCK":
      return "WhatsApp refused connections from this server's network: check the proxy, VPN or firewall. Warmline keeps retrying.";
    case "DEPRECATED_VERSION":
      return "WhatsApp no longer accepts this WhatsApp Web version: update with `npm install whatsapp-web.js@latest` and restart.";
    case "NAVIGATION":
      return "WhatsApp Web reloaded itself (an update or a logout elsewhere): Warmline reconnects automatically; if this repeats, update whatsapp-web.js.";
    default:
      return `WhatsApp disconnected (${reason}): Warmline reconnects automatically; if this repeats, check that the business phone is online and restart with \`npm start\`.`;
  }
}

/** The pairing QR drawn with block characters; qrcode-terminal calls back synchronously. */
export function renderWhatsAppQr(qr: string): string {
  let rendered = "";
  qrcode.generate(qr, { small: true }, (text) => (rendered = text));
  return rendered;
}

export const defaultPrintQr = (qr: string): void => void process.stdout.write(`${renderWhatsAppQr(qr)}\n`);

/** Reconnects after a disconnect, with exponential backoff, until the session is ready or stopped. */
export interface WhatsAppReconnector {
  schedule(reason: string): void;
  /** The session is back: the next disconnect starts the backoff over. */
  reset(): void;
  cancel(): void;
}

export function createWhatsAppReconnector(deps: {
  client: WhatsAppClientPort;
  logger: WhatsAppLogger;
  options: WhatsAppReconnectOptions;
  isStopped: () => boolean;
}): WhatsAppReconnector {
  const { client, logger, options, isStopped } = deps;
  let timer: ReturnType<typeof setTimeout> | undefined;
  let attempts = 0;

  function schedule(reason: string): void {
    if (isStopped() || timer) return;
    attempts += 1;
    const delayMs = Math.min(options.maxMs, options.baseMs * 2 ** (attempts - 1));
    logger.info({ reason, attempt: attempts, delayMs }, "Reconnecting to WhatsApp");
    timer = setTimeout(() => {
      timer = undefined;
      void reconnect(reason);
    }, delayMs);
  }

  async function reconnect(reason: string): Promise<void> {
    if (isStopped()) return;
    try {
      // wweb destroys the browser itself after most disconnects; destroying again is harmless.
      await client.destroy();
    } catch (err) {
      logger.debug?.({ err: errorText(err) }, "Closing the old WhatsApp browser failed");
    }
    if (isStopped()) return;
    try {
      await client.initialize();
    } catch (err) {
      logger.warn({ reason, attempt: attempts, err: errorText(err) }, "Reconnecting to WhatsApp failed");
      schedule(reason);
    }
  }

  function cancel(): void {
    if (timer) clearTimeout(timer);
    timer = undefined;
  }

  return {
    schedule,
    reset() {
      attempts = 0;
      cancel();
    },
    cancel,
  };
}
