import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WhatsAppCloudChannelOptions, WhatsAppCloudChannelAdapter } from "../../channels/whatsapp-cloud/cloud-channel.js";
import { createGraphClient } from "../../channels/whatsapp-cloud/cloud-graph.js";
import {
  FAKE_GRAPH_ACCESS_TOKEN,
  FAKE_GRAPH_PHONE_NUMBER_ID,
  type FakeGraphApi,
  startFakeGraphApi,
} from "../../src/sandbox/fake-graph-api.js";

export const CLOUD_TEST_APP_SECRET = "test-app-secret-not-a-real-one";
export const CLOUD_TEST_VERIFY_TOKEN = "test-verify-token";

export interface CloudHarness {
  api: FakeGraphApi;
  channel: WhatsAppCloudChannelAdapter;
  /** Warmline's webhook URL on the harness's own server. */
  webhookUrl: string;
  close(): Promise<void>;
}

/** The Cloud API channel on its own: the fake Graph API, and a node:http server serving the channel's webhook. */
export async function startCloudHarness(
  options: { enforceWindow?: boolean; now?: () => number } & Partial<Pick<WhatsAppCloudChannelOptions, "seen" | "clock">> = {},
): Promise<CloudHarness> {
  const api = await startFakeGraphApi({ enforceWindow: options.enforceWindow, now: options.now ?? options.clock?.now });
  const channel = new WhatsAppCloudChannelAdapter({
    graph: createGraphClient({ apiUrl: api.url, accessToken: FAKE_GRAPH_ACCESS_TOKEN, phoneNumberId: FAKE_GRAPH_PHONE_NUMBER_ID }),
    phoneNumberId: FAKE_GRAPH_PHONE_NUMBER_ID,
    appSecret: CLOUD_TEST_APP_SECRET,
    verifyToken: CLOUD_TEST_VERIFY_TOKEN,
    ...(options.seen ? { seen: options.seen } : {}),
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const server = createServer(channel.webhook.handler);
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const webhookUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}${channel.webhook.path}`;
  api.setWebhook(webhookUrl, CLOUD_TEST_APP_SECRET);
  return {
    api,
    channel,
    webhookUrl,
    async close() {
      await channel.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
}
