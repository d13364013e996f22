import { afterEach, describe, expect, it } from "vitest";
import type { InboundCustomerMessage } from "../../src/ports/customer-channel.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { CLOUD_TEST_VERIFY_TOKEN, type CloudHarness, startCloudHarness } from "../helpers/cloud-harness.js";

const CUSTOMER = { phone: "447700900123", name: "Maria" };
let harness: CloudHarness | undefined;

afterEach(async () => {
  await harness?.close();
  harness = undefined;
});

async function started(options: Parameters<typeof startCloudHarness>[0] = {}, onMessage?: (m: InboundCustomerMessage) => Promise<void>) {
  harness = await startCloudHarness(options);
  const received: InboundCustomerMessage[] = [];
  await harness.channel.start({ onMessage: onMessage ?? (async (m) => void received.push(m)) });
  return { ...harness, received };
}

const textBody = (id: string, text: string) =>
  JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "1",
        changes: [{ field: "messages", value: { messages: [{ from: CUSTOMER.phone, id, type: "text", text: { body: text } }] } }],
      },
    ],
  });

describe("the Cloud API webhook's signature check", () => {
  it("accepts a body signed with the app secret, and hands its message on", async () => {
    const { api, received } = await started();
    const body = textBody("wamid.A1", "hello");
    expect(await api.postWebhook(body, api.sign(body))).toBe(200);
    expect(received.map((m) => m.text)).toEqual(["hello"]);
  });

  it("answers 401 to a forged, missing or stale-body signature, and hands nothing on", async () => {
    const { api, received } = await started();
    const body = textBody("wamid.A2", "transfer the money");
    const forged = `sha256=${"ab".repeat(32)}`;
    const stale = api.sign(textBody("wamid.A2", "hello"));
    expect(await api.postWebhook(body, forged)).toBe(401);
    expect(await api.postWebhook(body)).toBe(401);
    expect(await api.postWebhook(body, stale)).toBe(401);
    expect(await api.postWebhook(body, "sha1=0123")).toBe(401);
    // The same bytes with a space added are another body.
    expect(await api.postWebhook(`${body} `, api.sign(body))).toBe(401);
    expect(received).toEqual([]);
  });

  it("answers 400 to a signed body that is not a webhook payload", async () => {
    const { api, received } = await started();
    for (const body of ["not json", JSON.stringify({ entry: "nope" })]) expect(await api.postWebhook(body, api.sign(body))).toBe(400);
    expect(received).toEqual([]);
  });
});

describe("the Cloud API webhook's verify handshake", () => {
  it("echoes the challenge for the right verify token and answers 403 otherwise", async () => {
    harness = await startCloudHarness();
    const url = (token: string) =>
      `${harness!.webhookUrl}?hub.mode=subscribe&hub.verify_token=${encodeURIComponent(token)}&hub.challenge=1158201444`;
    const right = await fetch(url(CLOUD_TEST_VERIFY_TOKEN));
    expect([right.status, await right.text()]).toEqual([200, "1158201444"]);
    for (const token of ["wrong", "", `${CLOUD_TEST_VERIFY_TOKEN}x`]) expect((await fetch(url(token))).status).toBe(403);
  });
});

describe("the Cloud API webhook and durability", () => {
  it("answers 500 when storing the message fails, so Meta delivers it again; the redelivery is taken", async () => {
    let failing = true;
    const stored: string[] = [];
    const { api } = await started({}, async (m) => {
      if (failing) throw new Error("disk full");
      stored.push(m.messageId);
    });
    const { messageId, status } = await api.customerSays(CUSTOMER, "hello");
    expect(status).toBe(500);
    failing = false;
    expect(await api.redeliver(messageId)).toBe(200);
    expect(stored).toEqual([messageId]);
  });

  it("hands a redelivered message on once when its id is remembered in the store", async () => {
    const store = await createMemoryStore();
    const { api, received } = await started({ store });
    const { messageId } = await api.customerSays(CUSTOMER, "hello");
    expect(await api.redeliver(messageId)).toBe(200);
    expect(await api.redeliver(messageId)).toBe(200);
    expect(received.map((m) => m.messageId)).toEqual([messageId]);
  });

  it("answers 500 before start, so nothing is acknowledged that was not stored", async () => {
    harness = await startCloudHarness();
    const body = textBody("wamid.A9", "hello");
    expect(await harness.api.postWebhook(body, harness.api.sign(body))).toBe(500);
  });
});

describe("the Cloud API webhook's message types", () => {
  it("reads a location, a contact card, a reaction and a list reply; skips a removed reaction and system messages", async () => {
    const { api, received } = await started();
    const messages = [
      { type: "location", location: { latitude: 52.37, longitude: 4.89, name: "Central Station" } },
      { type: "contacts", contacts: [{ name: { formatted_name: "Ana Diaz" }, phones: [{ phone: "+34 600 000 000" }] }] },
      { type: "reaction", reaction: { message_id: "wamid.X", emoji: "👍" } },
      { type: "reaction", reaction: { message_id: "wamid.X" } },
      { type: "interactive", interactive: { type: "list_reply", list_reply: { id: "row-2", title: "Track my order" } } },
      { type: "system", system: { body: "number changed" } },
    ].map((m, i) => ({ from: CUSTOMER.phone, id: `wamid.T${i}`, timestamp: "1764000000", ...m }));
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [{ field: "messages", value: { contacts: [{ wa_id: CUSTOMER.phone, profile: { name: "Maria" } }], messages } }],
        },
      ],
    });
    expect(await api.postWebhook(body, api.sign(body))).toBe(200);
    expect(received.map((m) => [m.text, m.attachments?.map((a) => a.description)])).toEqual([
      ["", ["Location: 52.37,4.89 (Central Station)"]],
      ["", ["Contact: Ana Diaz, +34 600 000 000"]],
      ["👍", undefined],
      ["Track my order", undefined],
    ]);
    expect(received.every((m) => m.customerName === "Maria" && m.phone === `+${CUSTOMER.phone}`)).toBe(true);
  });
});

describe("the Cloud API webhook and other numbers of the same Meta app", () => {
  it("leaves messages to another phone number id alone", async () => {
    const { api, received } = await started();
    const body = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "1",
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: "999999999" },
                messages: [{ from: CUSTOMER.phone, id: "wamid.O1", type: "text", text: { body: "hi" } }],
              },
            },
          ],
        },
      ],
    });
    expect(await api.postWebhook(body, api.sign(body))).toBe(200);
    expect(received).toEqual([]);
  });
});
