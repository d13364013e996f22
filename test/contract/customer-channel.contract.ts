import { afterEach, describe, expect, it, vi } from "vitest";
import { isWarmlineError } from "../../src/domain/errors.js";
import type {
  CustomerChannel,
  CustomerChannelEvents,
  DeliveryState,
  DeliveryUpdate,
  InboundCustomerMessage,
} from "../../src/ports/customer-channel.js";

/**
 * One suite every CustomerChannel passes (keyv's @keyv/test-suite pattern). The driver plays the
 * platform side in a platform-neutral way, so the suite never names WhatsApp.
 */
export interface CustomerChannelDriver {
  /** The opaque address the driver's customer writes from. */
  readonly customerAddress: string;
  /** Makes the platform connect so `isReady()` turns true (may be a no-op if start() already did). */
  connect(): Promise<void>;
  /** Drops the platform connection so `isReady()` turns false. */
  disconnect(): Promise<void>;
  /** The customer sends `text`; returns the platform's id for it. */
  customerSays(text: string): Promise<{ messageId: string }>;
  /** The platform delivers the same message again (a redelivery after a reconnect). */
  redeliver(messageId: string): Promise<void>;
  /** Texts the platform received for the customer, oldest first. */
  sentTexts(): string[];
  /** The platform reports a delivery state for a message `send` returned. */
  reportDelivery(channelMessageId: string, state: DeliveryState): Promise<void>;
  /** Resolves when the channel has handled everything the driver did so far. */
  settle(): Promise<void>;
}

export interface CustomerChannelUnderTest {
  channel: CustomerChannel;
  driver: CustomerChannelDriver;
}

export function runCustomerChannelContract(
  name: string,
  factory: () => Promise<CustomerChannelUnderTest> | CustomerChannelUnderTest,
): void {
  describe(`CustomerChannel contract: ${name}`, () => {
    let started: CustomerChannel | undefined;
    const received: InboundCustomerMessage[] = [];
    const deliveries: DeliveryUpdate[] = [];
    const events: CustomerChannelEvents = {
      onMessage: async (message) => void received.push(message),
      onDelivery: async (update) => void deliveries.push(update),
    };

    async function startConnected(): Promise<CustomerChannelUnderTest> {
      const underTest = await factory();
      await underTest.channel.start(events);
      started = underTest.channel;
      await underTest.driver.connect();
      await vi.waitFor(() => expect(underTest.channel.isReady()).toBe(true));
      return underTest;
    }

    afterEach(async () => {
      await started?.stop();
      started = undefined;
      received.length = 0;
      deliveries.length = 0;
    });

    it("has a name", async () => {
      const { channel } = await factory();
      expect(channel.name).toMatch(/^[a-z][a-z0-9_-]*$/);
    });

    it("hands an inbound text to onMessage exactly once, with the platform's id", async () => {
      const { channel, driver } = await startConnected();
      const { messageId } = await driver.customerSays("Where is my order?");
      await driver.settle();
      expect(received).toHaveLength(1);
      expect(received[0]).toMatchObject({
        messageId,
        address: driver.customerAddress,
        channel: channel.name,
        text: "Where is my order?",
      });
      expect(typeof received[0]?.receivedAt).toBe("number");
    });

    it("gives a redelivered message the same messageId, so the core can de-duplicate it", async () => {
      const { driver } = await startConnected();
      const { messageId } = await driver.customerSays("hello");
      await driver.redeliver(messageId);
      await driver.settle();
      expect(received.map((m) => m.messageId)).toEqual([messageId, messageId]);
    });

    it("gives different messages different ids", async () => {
      const { driver } = await startConnected();
      await driver.customerSays("one");
      await driver.customerSays("one");
      await driver.settle();
      expect(new Set(received.map((m) => m.messageId)).size).toBe(2);
    });

    it("sends to the address an inbound message came from and returns an id", async () => {
      const { channel, driver } = await startConnected();
      await driver.customerSays("hi");
      await driver.settle();
      const { channelMessageId } = await channel.send({ address: received[0]!.address, text: "Hello, Sam here." });
      expect(channelMessageId).toEqual(expect.any(String));
      expect(channelMessageId).not.toBe("");
      expect(driver.sentTexts()).toEqual(["Hello, Sam here."]);
    });

    it("reports delivery updates against the id send returned", async () => {
      const { channel, driver } = await startConnected();
      const { channelMessageId } = await channel.send({ address: driver.customerAddress, text: "hi" });
      for (const state of ["sent", "delivered", "read", "failed"] as const) await driver.reportDelivery(channelMessageId, state);
      await driver.settle();
      expect(deliveries.map((d) => [d.channelMessageId, d.state])).toEqual([
        [channelMessageId, "sent"],
        [channelMessageId, "delivered"],
        [channelMessageId, "read"],
        [channelMessageId, "failed"],
      ]);
    });

    it("fails clearly with channel_unavailable when not ready, and sends nothing", async () => {
      const { channel, driver } = await startConnected();
      await driver.disconnect();
      expect(channel.isReady()).toBe(false);
      const err = await channel.send({ address: driver.customerAddress, text: "hi" }).catch((e: unknown) => e);
      expect(isWarmlineError(err, "channel_unavailable")).toBe(true);
      expect((err as Error).message.length).toBeGreaterThan(20);
      expect(driver.sentTexts()).toEqual([]);
    });

    it("rejects an address from another channel with bad_id naming it", async () => {
      const { channel } = await startConnected();
      const err = await channel.send({ address: "nowhere:42", text: "hi" }).catch((e: unknown) => e);
      expect(isWarmlineError(err, "bad_id")).toBe(true);
      expect((err as Error).message).toContain("nowhere:42");
    });

    it("is not ready after stop", async () => {
      const { channel } = await startConnected();
      await channel.stop();
      started = undefined;
      expect(channel.isReady()).toBe(false);
    });
  });
}
