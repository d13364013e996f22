import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { type WhatsAppCloudChannelOptions, WhatsAppCloudChannelAdapter } from "../../channels/whatsapp-cloud/cloud-channel.js";
import { createGraphClient } from "../../channels/whatsapp-cloud/cloud-graph.js";
import { CLOUD_WEBHOOK_PATH } from "../../channels/whatsapp-cloud/cloud-webhook.js";
import type { WarmlineError } from "../../src/domain/errors.js";
import {
  FAKE_GRAPH_ACCESS_TOKEN,
  FAKE_GRAPH_PHONE_NUMBER_ID,
  type FakeGraphApi,
  startFakeGraphApi,
} from "../../src/sandbox/fake-graph-api.js";

/** What a promise was rejected with (the WarmlineError a send throws), or undefined when it resolved. */
export const failureOf = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as WarmlineError,
  );

export const CLOUD_TEST_APP_SECRET = "test-app-secret-not-a-real-one";
export const CLOUD_TEST_VERIFY_TOKEN = "test-verify-token";

export interface CloudHarness {
  api: FakeGraphApi;
  channel: WhatsAppCloudChannelAdapter;
  /** Warmline's webhook URL on the harness's own server. */
  webhookUrl: string;
  /** A new process: the channel is stopped and replaced by a new one (not started) on the same store, behind the same URL. */
  restart(): Promise<WhatsAppCloudChannelAdapter>;
  close(): Promise<void>;
}

type HarnessOptions = { enforceWindow?: boolean; sentStatuses?: boolean; now?: () => number } & Partial<
  Pick<WhatsAppCloudChannelOptions, "store" | "clock" | "inDoubtGraceMs">
>;

/** The Cloud API channel on its own: the fake Graph API, and a node:http server serving the channel's webhook. */
export async function startCloudHarness(options: HarnessOptions = {}): Promise<CloudHarness> {
  const api = await startFakeGraphApi({
    enforceWindow: options.enforceWindow,
    sentStatuses: options.sentStatuses,
    now: options.now ?? options.clock?.now,
  });
  const createChannel = () =>
    new WhatsAppCloudChannelAdapter({
      graph: createGraphClient({ apiUrl: api.url, accessToken: FAKE_GRAPH_ACCESS_TOKEN, phoneNumberId: FAKE_GRAPH_PHONE_NUMBER_ID }),
      phoneNumberId: FAKE_GRAPH_PHONE_NUMBER_ID,
      appSecret: CLOUD_TEST_APP_SECRET,
      verifyToken: CLOUD_TEST_VERIFY_TOKEN,
      ...(options.store ? { store: options.store } : {}),
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.inDoubtGraceMs !== undefined ? { inDoubtGraceMs: options.inDoubtGraceMs } : {}),
    });
  const server = createServer((req, res) => harness.channel.webhook.handler(req, res));
  server.keepAliveTimeout = 1;
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const harness: CloudHarness = {
    api,
    channel: createChannel(),
    webhookUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}${CLOUD_WEBHOOK_PATH}`,
    async restart() {
      await harness.channel.stop();
      harness.channel = createChannel();
      return harness.channel;
    },
    async close() {
      await harness.channel.stop();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await api.close();
    },
  };
  api.setWebhook(harness.webhookUrl, CLOUD_TEST_APP_SECRET);
  return harness;
}
