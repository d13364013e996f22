import { afterEach } from "vitest";
import { runCustomerChannelContract } from "./customer-channel.contract.js";
import { type CloudHarness, startCloudHarness } from "../helpers/cloud-harness.js";

const CUSTOMER = { phone: "447700900123", name: "Alex" };
const harnesses: CloudHarness[] = [];

afterEach(async () => {
  for (const harness of harnesses.splice(0)) await harness.close();
});

runCustomerChannelContract("whatsapp (Cloud API)", async () => {
  // The suite sends before the customer wrote; the window has its own tests.
  const harness = await startCloudHarness({ enforceWindow: false });
  harnesses.push(harness);
  const { api, channel } = harness;
  return {
    channel,
    driver: {
      customerAddress: `whatsapp:${CUSTOMER.phone}@c.us`,
      connect: async () => {
        api.restoreToken();
        await channel.checkConnection();
      },
      // The Cloud API has no connection to drop: a rejected token is what stops sending.
      disconnect: async () => {
        api.expireToken();
        await channel.checkConnection();
      },
      customerSays: async (text) => ({ messageId: (await api.customerSays(CUSTOMER, text)).messageId }),
      redeliver: async (messageId) => void (await api.redeliver(messageId)),
      sentTexts: () => api.sent.map((m) => m.text),
      reportDelivery: async (channelMessageId, state) => void (await api.reportStatus(channelMessageId, state)),
      settle: () => channel.whenIdle(),
    },
  };
});
