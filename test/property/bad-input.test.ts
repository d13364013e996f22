import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { buildContextCard } from "../../channels/slack/context-card.js";
import { escapeSlackText } from "../../channels/slack/escape.js";
import { mrkdwnToWhatsApp, mentionedSlackUserIds } from "../../channels/slack/mrkdwn-to-whatsapp.js";
import { slackEventKeys } from "../../channels/slack/register-listeners.js";
import { SLACK_SECTION_TEXT_LIMIT } from "../../channels/slack/slack-limits.js";
import { buildTranscriptPosts, splitForSlack } from "../../channels/slack/transcript-posts.js";
import { normalizeWhatsAppMessage, parseWhatsAppVCard } from "../../channels/whatsapp/normalize-inbound.js";
import type { WhatsAppInboundMessage } from "../../channels/whatsapp/client-port.js";
import { matchControlKeyword } from "../../routing/customer-keywords.js";
import { detectNoise } from "../../routing/noise.js";
import { normalizeText } from "../../routing/text-normalize.js";
import { decideRetry } from "../../routing/retry-policy.js";
import { createAssistantFromConfig } from "../../src/assistant/from-config.js";
import { parseTriageLine } from "../../src/cli/triage.js";
import { loadConfigFile } from "../../src/config/load-config.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { maskPii, passesLuhn } from "../../src/domain/pii.js";
import { createEngine } from "../../src/engine/engine.js";
import { createSilentLogger } from "../../src/logging.js";
import type { Assistant } from "../../src/ports/assistant.js";
import { SHIPPED_CONFIG_FILE } from "../../src/paths.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { expectWithinSlackLimits } from "../slack/card-limits.js";
import { TEAMS, cancellationContext } from "../slack/context-fixture.js";

/** Hostile text: any Unicode, RTL and zero-width marks, Slack control sequences, long runs. */
const SLACK_CONTROL = [
  "<!channel>",
  "<!here>",
  "<!everyone>",
  "<@U0AGENT01>",
  "<#C0RETENT1>",
  "<!subteam^S0TEAM01>",
  "<https://evil.example|click>",
  "@channel",
  "@here",
  "```",
  "> quote",
  "&lt;",
  "&amp;",
];
const hostile = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 200 }),
  fc.string({ unit: "binary", maxLength: 200 }),
  fc
    .array(
      fc.constantFrom(
        ...SLACK_CONTROL,
        "\u200B",
        "\u200F",
        "\u202E",
        "\u2066",
        "\uFEFF",
        "مرحبا",
        "שלום",
        "👩🏽‍💻",
        "\n",
        " ",
        "4111 1111 1111 1111",
        "a@b.co",
        "+44 7700 900123",
      ),
      { maxLength: 40 },
    )
    .map((parts) => parts.join("")),
);
const RUNS = { numRuns: 150 };
const HUNDRED_KB = "Ω<!channel> 4111111111111111 ".repeat(3400);

/** A Slack mention or broadcast that would notify someone. */
const MENTION = /<(?!!date\^)[!@#]|(?<!\u200B)@(channel|here|everyone)\b/i;

describe("bad input: Slack formatters never let customer text mention anyone", () => {
  it("escapeSlackText output has no live mention or link", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(MENTION.test(escapeSlackText(text))).toBe(false);
      }),
      RUNS,
    );
    expect(MENTION.test(escapeSlackText(HUNDRED_KB))).toBe(false);
  });

  it("transcript posts stay within Slack's limit, lose no characters and mention nobody", () => {
    fc.assert(
      fc.property(fc.array(hostile, { maxLength: 12 }), (texts) => {
        const transcript = texts.map((text, i) => ({ author: i % 2 ? "Customer" : "<!channel>", text, at: 1_700_000_000_000 + i }));
        const posts = buildTranscriptPosts(transcript);
        for (const post of posts) {
          expect(post.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
          expect(MENTION.test(post)).toBe(false);
        }
      }),
      RUNS,
    );
    const chunks = splitForSlack(HUNDRED_KB);
    expect(chunks.join("")).toBe(HUNDRED_KB);
    for (const chunk of chunks) expect(chunk.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
  });

  it("the context card stays within every Slack limit with hostile names and messages", () => {
    fc.assert(
      fc.property(hostile, hostile, hostile, (name, message, summary) => {
        const context = cancellationContext({
          customer: { name, maskedPhone: "+44 •••• ••• 123", tier: "standard", pastConversations: 0 },
          headline: `${name} wants ${summary}`,
          summary,
          keyMessages: [{ text: message, at: 1_700_000_000_000 }],
          transcript: [{ author: name, text: message, at: 1_700_000_000_000 }],
        });
        const card = buildContextCard(context, { kind: "waiting" }, TEAMS);
        expectWithinSlackLimits(card);
        const shown = JSON.stringify(card.blocks) + card.text;
        for (const control of ["<!channel>", "<!here>", "<@U0AGENT01>"])
          if (`${name}${message}${summary}`.includes(control)) expect(shown).not.toContain(control);
      }),
      { numRuns: 60 },
    );
  });

  it("mrkdwn to WhatsApp never throws, also on 100 kB", () => {
    fc.assert(
      fc.property(hostile, (text) => {
        expect(typeof mrkdwnToWhatsApp(text, { userName: () => "Alex" })).toBe("string");
        expect(Array.isArray(mentionedSlackUserIds(text))).toBe(true);
      }),
      RUNS,
    );
    expect(mrkdwnToWhatsApp(HUNDRED_KB).length).toBeGreaterThan(0);
  });
});

describe("bad input: PII is masked whatever surrounds it", () => {
  it("cards (Luhn-valid), emails and phones never survive masking", () => {
    const card = fc.constantFrom("4111111111111111", "5500 0000 0000 0004", "3400-0000-0000-009");
    // Surroundings without digits or @, so the planted values are the only PII to find.
    const around = hostile.map((t) => t.replace(/[\d@]/g, ""));
    fc.assert(
      fc.property(around, card, fc.emailAddress(), around, (before, number, email, after) => {
        // A word of its own before each value: after "order", "ref" or "#" a number is a reference and stays visible by design.
        const masked = maskPii(`${before} card ${number} mail ${email} call +44 7700 900123 ${after}`, {
          maskCards: true,
          maskEmails: true,
          maskPhones: true,
        });
        expect(masked).not.toContain(number);
        expect(masked).not.toContain(email);
        expect(masked).not.toContain("7700 900123");
        for (const run of masked.match(/\d{13,19}/g) ?? []) expect(passesLuhn(run)).toBe(false);
      }),
      RUNS,
    );
    expect(() => maskPii(HUNDRED_KB, { maskCards: true, maskEmails: true, maskPhones: true })).not.toThrow();
  });
});

describe("bad input: WhatsApp payloads, Slack bodies, triage lines, routing text", () => {
  it("normalizes any malformed WhatsApp payload without throwing", () => {
    const payload = fc.record(
      {
        id: fc.oneof(
          fc.constant(null),
          fc.record({ _serialized: fc.oneof(fc.string(), fc.integer()) as fc.Arbitrary<unknown> as fc.Arbitrary<string> }),
        ),
        from: fc.oneof(fc.string(), fc.constantFrom("15551234567@c.us", "123@g.us", "status@broadcast", "1@lid")),
        type: fc.constantFrom("chat", "image", "location", "vcard", "multi_vcard", "revoked", "e2e_notification", "unknown", ""),
        body: hostile,
        fromMe: fc.boolean(),
        hasMedia: fc.boolean(),
        timestamp: fc.oneof(fc.integer(), fc.double()),
        vCards: fc.array(hostile, { maxLength: 3 }),
        location: fc.oneof(
          fc.constant(null),
          fc.record({ latitude: fc.oneof(fc.string(), fc.double()), longitude: fc.oneof(fc.string(), fc.double()) }),
        ),
        _data: fc.oneof(fc.constant(null), fc.record({ notifyName: hostile })),
      },
      { requiredKeys: [] },
    );
    fc.assert(
      fc.property(payload, (message) => {
        const result = normalizeWhatsAppMessage(message as WhatsAppInboundMessage, { receivedAt: 1 });
        if (result.ok) expect(typeof result.message.text).toBe("string");
      }),
      RUNS,
    );
    fc.assert(
      fc.property(hostile, (vcard) => void parseWhatsAppVCard(vcard)),
      RUNS,
    );
  });

  it("reads keys from any Slack body and parses any triage line without throwing", () => {
    fc.assert(
      fc.property(fc.anything(), (body) => {
        for (const key of slackEventKeys(body)) expect(key).toMatch(/^slack:(event|msg):/);
      }),
      RUNS,
    );
    fc.assert(
      fc.property(fc.oneof(hostile, fc.json()), (line) => {
        const parsed = parseTriageLine(line, 1);
        expect("text" in parsed || "error" in parsed).toBe(true);
      }),
      RUNS,
    );
  });

  it("routing text functions take anything", () => {
    const config = loadConfigFile(SHIPPED_CONFIG_FILE);
    fc.assert(
      fc.property(hostile, (text) => {
        normalizeText(text);
        detectNoise(text);
        matchControlKeyword(text, config.keywords);
      }),
      RUNS,
    );
    expect(() => detectNoise(HUNDRED_KB)).not.toThrow();
  });

  it("the retry policy never retries into the past, and gives up", () => {
    const policy = { maxAttempts: 5, baseDelayMs: 1000, maxDelayMs: 60_000, giveUpAfterMs: 3_600_000 };
    fc.assert(
      fc.property(
        fc.constantFrom("rate_limited", "transient", "unavailable", "permanent" as const),
        fc.nat(100),
        fc.option(fc.nat(600_000), { nil: undefined }),
        fc.nat(7_200_000),
        fc.option(fc.string(), { nil: undefined }),
        (kind, attempts, retryAfterMs, age, jitterKey) => {
          const decision = decideRetry({ kind, attempts, retryAfterMs, createdAt: 0, now: age, policy, jitterKey });
          if (decision.retry) {
            expect(decision.at).toBeGreaterThanOrEqual(age);
            expect(decision.at).toBeLessThanOrEqual(age + Math.max(retryAfterMs ?? 0, policy.maxDelayMs) + policy.baseDelayMs);
            if (kind === "rate_limited" && retryAfterMs !== undefined) expect(decision.at).toBeGreaterThanOrEqual(age + retryAfterMs);
          }
          if (kind === "permanent" || age >= policy.giveUpAfterMs) expect(decision.retry).toBe(false);
        },
      ),
      RUNS,
    );
  });
});

describe("bad input: no lost message through the engine", () => {
  let assistant: Assistant;
  let config: WarmlineConfig;
  beforeAll(async () => {
    config = loadConfigFile(SHIPPED_CONFIG_FILE);
    assistant = await createAssistantFromConfig(config, { clock: { now: () => Date.UTC(2026, 10, 17, 11, 0) } });
  });

  it("every hostile customer message lands in the transcript once, and whatever reaches the workspace mentions nobody", async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          hostile.filter((t) => t.trim() !== ""),
          { minLength: 1, maxLength: 4 },
        ),
        async (texts) => {
          const clock = { now: () => Date.UTC(2026, 10, 17, 11, 0) };
          const store = await createMemoryStore({ clock });
          const { customers, workspace, log } = createSimulationChannels();
          const engine = createEngine({ config, store, assistant, customers, workspace, clock, logger: createSilentLogger() });
          for (const [i, text] of [...texts, "I want a human"].entries()) {
            await engine.handleInboundMessage({
              messageId: `m${i}`,
              address: "sim:+447700900123",
              channel: "simulation",
              text,
              receivedAt: i,
            });
            await engine.handleInboundMessage({
              messageId: `m${i}`,
              address: "sim:+447700900123",
              channel: "simulation",
              text,
              receivedAt: i,
            });
          }
          await engine.drain();
          const conversations = await store.listSince(0);
          const customerEntries = conversations.flatMap((c) => c.transcript.filter((e) => e.author === "customer"));
          expect(customerEntries.map((e) => e.id).sort()).toEqual([...texts, ""].map((_, i) => `m${i}`).sort());
          expect(log.toCustomer.length).toBeGreaterThan(0);
          for (const { post } of log.threadPosts)
            if (post.kind === "customer_message") expect(maskPii(post.text, config.privacy)).toBe(post.text);
        },
      ),
      { numRuns: 15 },
    );
  });
});
