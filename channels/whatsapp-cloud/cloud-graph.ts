import { CloudApiError, cloudApiErrorOf } from "./cloud-errors.js";

/** A request to Meta that hangs is given up after this long, and retried by whoever asked. */
export const GRAPH_REQUEST_TIMEOUT_MS = 30_000;

export interface GraphSettings {
  /** e.g. https://graph.facebook.com/v23.0 */
  apiUrl: string;
  accessToken: string;
  phoneNumberId: string;
}

/** The few Graph API calls the channel makes, over fetch with the bearer token. */
export interface GraphClient {
  /** POST /{phone-number-id}/messages; returns the first message id Meta gives back. */
  sendMessage(payload: Record<string, unknown>): Promise<string | undefined>;
  /** GET /{media-id}: where the media can be downloaded for the next 5 minutes. */
  mediaInfo(mediaId: string): Promise<{ url: string; mimeType?: string; size?: number }>;
  /** Downloads a media URL; it needs the bearer token too. */
  download(url: string): Promise<Buffer>;
  /** POST /{phone-number-id}/media; returns the media id to send by. */
  upload(data: Buffer, mimeType: string, filename: string): Promise<string>;
  /** GET /{phone-number-id}: does the token work for this number? */
  probe(): Promise<void>;
}

export function createGraphClient(settings: GraphSettings, fetchImpl: typeof fetch = fetch): GraphClient {
  const auth = { authorization: `Bearer ${settings.accessToken}` };

  async function call(url: string, init: RequestInit = {}): Promise<Response> {
    const response = await fetchImpl(url, {
      ...init,
      headers: { ...auth, ...(init.headers as Record<string, string> | undefined) },
      signal: AbortSignal.timeout(GRAPH_REQUEST_TIMEOUT_MS),
    });
    if (!response.ok) {
      const body: unknown = await response.json().catch(() => undefined);
      throw cloudApiErrorOf(response.status, body);
    }
    return response;
  }
  const json = async (url: string, init?: RequestInit) => (await (await call(url, init)).json()) as Record<string, unknown>;
  const numberUrl = (path: string) => `${settings.apiUrl}/${settings.phoneNumberId}${path}`;

  return {
    async sendMessage(payload) {
      const body = await json(numberUrl("/messages"), {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ messaging_product: "whatsapp", ...payload }),
      });
      const id = (body.messages as { id?: unknown }[] | undefined)?.[0]?.id;
      return typeof id === "string" ? id : undefined;
    },
    async mediaInfo(mediaId) {
      const body = await json(`${settings.apiUrl}/${encodeURIComponent(mediaId)}`);
      if (typeof body.url !== "string") throw new CloudApiError(200, undefined, "Meta gave no download URL for the media");
      return {
        url: body.url,
        ...(typeof body.mime_type === "string" ? { mimeType: body.mime_type } : {}),
        ...(typeof body.file_size === "number" ? { size: body.file_size } : {}),
      };
    },
    async download(url) {
      return Buffer.from(await (await call(url)).arrayBuffer());
    },
    async upload(data, mimeType, filename) {
      const form = new FormData();
      form.set("messaging_product", "whatsapp");
      form.set("type", mimeType);
      form.set("file", new Blob([data], { type: mimeType }), filename);
      const body = await json(numberUrl("/media"), { method: "POST", body: form });
      if (typeof body.id !== "string") throw new CloudApiError(200, undefined, "Meta gave no id for the uploaded media");
      return body.id;
    },
    async probe() {
      await call(numberUrl(""));
    },
  };
}
