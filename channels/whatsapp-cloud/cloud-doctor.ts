import type { WhatsAppCloudEnv } from "../../src/config/whatsapp-env.js";
import { CloudApiError } from "./cloud-errors.js";
import { createGraphClient } from "./cloud-graph.js";

/** `warmline doctor`: does Meta accept the token for this phone number id? Undefined when it does, else the fix. */
export async function probeWhatsAppCloud(env: WhatsAppCloudEnv): Promise<string | undefined> {
  try {
    await createGraphClient(env).probe();
    return undefined;
  } catch (error) {
    if (error instanceof CloudApiError && error.isAuthFailure)
      return `Meta rejected WHATSAPP_ACCESS_TOKEN (${error.message}): generate a permanent token under Meta Business Settings → Users → System users, with whatsapp_business_messaging.`;
    if (error instanceof CloudApiError)
      return `Meta refused phone number id ${env.phoneNumberId} (${error.message}): copy the Phone number ID from your Meta app's WhatsApp → API Setup page into WHATSAPP_PHONE_NUMBER_ID.`;
    return `Could not reach ${env.apiUrl} (${error instanceof Error ? error.message : String(error)}): check the network, or WHATSAPP_API_URL.`;
  }
}
