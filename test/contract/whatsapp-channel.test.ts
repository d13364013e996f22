import type WAWebJS from "whatsapp-web.js";
import type { WhatsAppAck } from "../../channels/whatsapp/client-port.js";
import { WhatsAppChannelAdapter } from "../../channels/whatsapp/whatsapp-channel.js";
import type { DeliveryState } from "../../src/ports/customer-channel.js";
import { FAKE_WHATSAPP_CUSTOMER_CHAT_ID, FakeWhatsAppClient } from "../../src/sandbox/fake-whatsapp-client.js";
import { runCustomerChannelContract } from "./customer-channel.contract.js";

const ACKS: Record<DeliveryState, WhatsAppAck> = { sent: 1, delivered: 2, read: 3, failed: -1 };

runCustomerChannelContract("whatsapp (whatsapp-web.js)", () => {
  const client = new FakeWhatsAppClient({ autoReady: false });
  const channel = new WhatsAppChannelAdapter({
    client,
    printQr: () => {},
    createMedia: (media) => media as WAWebJS.MessageMedia,
  });
  const inbound = new Map<string, string>();
  return {
    channel,
    driver: {
      customerAddress: `whatsapp:${FAKE_WHATSAPP_CUSTOMER_CHAT_ID}`,
      connect: async () => client.becomeReady(),
      disconnect: async () => client.disconnect("NAVIGATION"),
      customerSays: async (text) => {
        const messageId = client.customerSays(text, { name: "Alex" });
        inbound.set(messageId, text);
        return { messageId };
      },
      // WhatsApp redelivers with the same id; the fake emits the same payload again.
      redeliver: async (messageId) => {
        client.receive({
          id: { _serialized: messageId, fromMe: false },
          from: FAKE_WHATSAPP_CUSTOMER_CHAT_ID,
          type: "chat",
          body: inbound.get(messageId) ?? "",
        });
      },
      sentTexts: () => client.sentTo(FAKE_WHATSAPP_CUSTOMER_CHAT_ID).map((s) => s.text),
      reportDelivery: async (channelMessageId, state) => client.ack(channelMessageId, ACKS[state]),
      settle: () => channel.whenIdle(),
    },
  };
});
