import { timingSafeEqual } from "node:crypto";
import type { IncomingMessage, ServerResponse } from "node:http";
import { isMetaSignatureValid, META_SIGNATURE_HEADER } from "./cloud-signature.js";
import { type CloudWebhook, cloudWebhookSchema } from "./cloud-webhook-schema.js";

export const CLOUD_WEBHOOK_PATH = "/whatsapp/webhook";
/** Meta's posts are a few kilobytes; anything far larger is not from Meta. */
export const CLOUD_WEBHOOK_BODY_LIMIT_BYTES = 1024 * 1024;

export interface CloudWebhookDeps {
  appSecret: string;
  verifyToken: string;
  /** Handles a verified post; resolves once every message in it is stored. A rejection answers 500, so Meta retries. */
  handle(payload: CloudWebhook): Promise<void>;
  logger: { warn(context: Record<string, unknown>, message: string): void; error(context: Record<string, unknown>, message: string): void };
}

export interface CloudWebhookRoute {
  path: string;
  method: string[];
  handler: (req: IncomingMessage, res: ServerResponse) => void;
}

function answer(res: ServerResponse, status: number, text: string): void {
  res.writeHead(status, { "content-type": "text/plain; charset=utf-8" });
  res.end(text);
}

function sameSecret(given: string, expected: string): boolean {
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

async function readRawBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > CLOUD_WEBHOOK_BODY_LIMIT_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * GET answers Meta's verify handshake (403 for a wrong verify token). POST checks the signature
 * over the raw bytes (401 when forged, missing or for another body), parses the payload (400 when
 * it is not Meta's shape), and answers 200 only once `handle` has stored what it carries.
 */
export function cloudWebhookRoute(deps: CloudWebhookDeps): CloudWebhookRoute {
  const verify = (req: IncomingMessage, res: ServerResponse) => {
    const query = new URL(req.url ?? "/", "http://localhost").searchParams;
    const mode = query.get("hub.mode");
    const token = query.get("hub.verify_token") ?? "";
    const challenge = query.get("hub.challenge") ?? "";
    if (mode === "subscribe" && sameSecret(token, deps.verifyToken)) return answer(res, 200, challenge);
    deps.logger.warn({ mode }, "WhatsApp webhook verification refused: the verify token does not match WHATSAPP_VERIFY_TOKEN");
    answer(
      res,
      403,
      "The verify token does not match: enter WHATSAPP_VERIFY_TOKEN as the Verify token in your Meta app's webhook settings.",
    );
  };

  const receive = async (req: IncomingMessage, res: ServerResponse) => {
    const raw = await readRawBody(req);
    if (raw === undefined) return answer(res, 413, "Body too large for a WhatsApp webhook.");
    const signature = req.headers[META_SIGNATURE_HEADER];
    if (!isMetaSignatureValid(raw, Array.isArray(signature) ? signature[0] : signature, deps.appSecret)) {
      deps.logger.warn(
        {},
        "WhatsApp webhook post refused: missing or wrong X-Hub-Signature-256 (is WHATSAPP_APP_SECRET the Meta app's secret?)",
      );
      return answer(res, 401, "Invalid signature.");
    }
    let parsed: CloudWebhook;
    try {
      const result = cloudWebhookSchema.safeParse(JSON.parse(raw.toString("utf8")));
      if (!result.success) throw new Error(result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; "));
      parsed = result.data;
    } catch (error) {
      deps.logger.warn({ err: (error as Error).message }, "A signed WhatsApp webhook post is not a webhook payload");
      return answer(res, 400, "Not a WhatsApp webhook payload.");
    }
    try {
      await deps.handle(parsed);
      answer(res, 200, "OK");
    } catch (error) {
      deps.logger.error({ err: (error as Error).message }, "A WhatsApp webhook post could not be stored; Meta will deliver it again");
      answer(res, 500, "Not stored; deliver again.");
    }
  };

  return {
    path: CLOUD_WEBHOOK_PATH,
    method: ["GET", "POST"],
    handler: (req, res) => {
      const done = req.method === "GET" ? Promise.resolve(verify(req, res)) : receive(req, res);
      done.catch((error: unknown) => {
        deps.logger.error({ err: (error as Error).message }, "The WhatsApp webhook failed");
        if (!res.headersSent) answer(res, 500, "Webhook failed.");
      });
    },
  };
}
