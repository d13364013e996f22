/** Meta's Graph API, at the version this adapter was written against. WHATSAPP_API_URL overrides it (tests, the demo). */
export const DEFAULT_WHATSAPP_API_URL = "https://graph.facebook.com/v23.0";

/** The Cloud API's settings (whatsapp.kind "cloud"), and where each one is in Meta's dashboard. */
export const WHATSAPP_CLOUD_SECRET_HELP = {
  WHATSAPP_ACCESS_TOKEN:
    "a permanent access token with whatsapp_business_messaging: Meta Business Settings → Users → System users → Generate new token (the 24-hour token on WhatsApp → API Setup is for trying it out)",
  WHATSAPP_PHONE_NUMBER_ID:
    "the Phone number ID (not the number itself) shown under your business number on your Meta app's WhatsApp → API Setup page",
  WHATSAPP_APP_SECRET: "the App secret from your Meta app's App settings → Basic page (it signs Meta's webhook posts)",
  WHATSAPP_VERIFY_TOKEN:
    "a long random string you choose, entered again as the Verify token on your Meta app's WhatsApp → Configuration → Webhook page",
} as const;

export type WhatsAppCloudSecret = keyof typeof WHATSAPP_CLOUD_SECRET_HELP;

export interface WhatsAppCloudEnv {
  accessToken: string;
  phoneNumberId: string;
  appSecret: string;
  verifyToken: string;
  /** The Graph API base, e.g. https://graph.facebook.com/v23.0, without a trailing slash. */
  apiUrl: string;
}

/**
 * The Cloud API settings from the environment; each missing or malformed one is added to `problems`
 * (by `need`, which names where to find it), so every problem is listed at once.
 */
export function readWhatsAppCloudEnv(
  env: Record<string, string | undefined>,
  need: (name: WhatsAppCloudSecret) => string | undefined,
  problems: string[],
): WhatsAppCloudEnv | undefined {
  const accessToken = need("WHATSAPP_ACCESS_TOKEN");
  const phoneNumberId = need("WHATSAPP_PHONE_NUMBER_ID");
  if (phoneNumberId !== undefined && !/^\d{5,30}$/.test(phoneNumberId))
    problems.push(
      `  - WHATSAPP_PHONE_NUMBER_ID looks wrong (it should be digits only): set it to ${WHATSAPP_CLOUD_SECRET_HELP.WHATSAPP_PHONE_NUMBER_ID}.`,
    );
  const appSecret = need("WHATSAPP_APP_SECRET");
  const verifyToken = need("WHATSAPP_VERIFY_TOKEN");
  const apiUrl = (env.WHATSAPP_API_URL?.trim() || DEFAULT_WHATSAPP_API_URL).replace(/\/+$/, "");
  if (!/^https?:\/\//.test(apiUrl))
    problems.push(`  - WHATSAPP_API_URL must be an http(s) URL such as ${DEFAULT_WHATSAPP_API_URL} (or unset to use Meta's).`);
  if (!accessToken || !phoneNumberId || !/^\d{5,30}$/.test(phoneNumberId) || !appSecret || !verifyToken) return undefined;
  return { accessToken, phoneNumberId, appSecret, verifyToken, apiUrl };
}
