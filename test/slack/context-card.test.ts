import type { ActionsBlock, HeaderBlock, KnownBlock } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  SLACK_ACTION_IDS,
  SLACK_ANALYTICS_ACTION_IDS,
  buildContextCard,
  decodeCardActionValue,
} from "../../channels/slack/context-card.js";
import { CUT_MARKER } from "../../channels/slack/slack-limits.js";
import type { CardStatus } from "../../src/ports/agent-workspace.js";
import { allText, expectWithinSlackLimits } from "./card-limits.js";
import { T0, TEAMS, cancellationContext } from "./context-fixture.js";

const alex = { id: "slack:U0AGENT01", name: "Alex" };
const actionsOf = (blocks: KnownBlock[]) => blocks.find((b): b is ActionsBlock => b.type === "actions");

describe("buildContextCard", () => {
  it("shows everything an agent needs, while waiting", () => {
    const card = buildContextCard(cancellationContext(), { kind: "waiting" }, TEAMS);
    const header = card.blocks[0] as HeaderBlock;
    expect(header.type).toBe("header");
    // A priority request is labelled by what it is about.
    expect(header.text.text).toBe(":large_orange_circle: High priority · Cancellation · Customer Care");
    const text = allText(card.blocks);
    for (const expected of [
      "Maria Lopez",
      "+44 •••• ••• 123",
      "Standard",
      "*Past conversations*\n2",
      "The customer wants to cancel order 1042, which needs the retention team.",
      "The customer wants to cancel order 1042. The assistant found the order (shipped on 3 May) and could not cancel it.",
      "`order_lookup`: Order 1042 shipped on 3 May",
      ":x: `refund_policy_check`: Order system timed out _(failed)_",
      "negative (-0.40)",
      "Offer a return label or intercept the parcel.",
      ">Hi Maria, I see order 1042 has shipped",
      ">I want to cancel my order 1042",
      ">It hasn't arrived and I don't need it any more",
      "Conversation `conv-1`",
      `Waiting since <!date^${T0 / 1000}^`,
      `Claim by <!date^${(T0 + 300_000) / 1000}^{time}|`,
    ]) {
      expect(text).toContain(expected);
    }
    expect(text).not.toContain("After hours");
    // The priority is in the header; no second, differently worded urgency. No transfer count on a first escalation.
    expect(text).not.toContain("*Urgency*");
    expect(text).not.toMatch(/Level \d|Transfer #/);
    // The notification says who wants what, and where it waits.
    expect(card.text).toBe("High priority · Maria Lopez wants to cancel order 1042 · waiting in Customer Care");

    const actions = actionsOf(card.blocks)!;
    // The escalation travels with the conversation, so a click on an out-of-date card can be refused.
    expect(actions.block_id).toBe("warmline_actions:conv-1:esc-1");
    const ids = actions.elements.map((e) => ("action_id" in e ? e.action_id : undefined));
    expect(ids).toEqual([SLACK_ACTION_IDS.claim, SLACK_ACTION_IDS.transfer, SLACK_ACTION_IDS.returnToBot, SLACK_ACTION_IDS.resolve]);
    for (const el of actions.elements) if (el.type === "button") expect(el.value).toBe("conv-1:esc-1");
    expect(decodeCardActionValue("conv-1:esc-1")).toEqual({ conversationId: "conv-1", escalationId: "esc-1" });
    // Cards posted before the escalation id was carried still act, unchecked.
    expect(decodeCardActionValue("conv-1")).toEqual({ conversationId: "conv-1" });
    const select = actions.elements.find((e) => e.type === "static_select");
    expect(select && "options" in select ? select.options?.map((o) => o.value) : []).toEqual(["support", "billing", "priority"]);
    expectWithinSlackLimits(card);
  });

  it("shows the claimant with Release instead of Claim, and no claim deadline", () => {
    const context = cancellationContext();
    context.escalation = { ...context.escalation, claimedBy: alex, claimedAt: T0 + 120_000 };
    const card = buildContextCard(context, { kind: "claimed", by: alex }, TEAMS);
    const text = allText(card.blocks);
    expect(text).toContain("*Claimed by* <@U0AGENT01>");
    expect(text).not.toContain("Claim by");
    expect(text).not.toContain("Waiting since");
    expect(text).toContain(`Claimed by <@U0AGENT01> at <!date^${(T0 + 120_000) / 1000}^{time}|`);
    expect(card.text).toBe("High priority · Maria Lopez wants to cancel order 1042 · claimed by Alex");
    const ids = actionsOf(card.blocks)!.elements.map((e) => ("action_id" in e ? e.action_id : undefined));
    expect(ids).toEqual([SLACK_ACTION_IDS.release, SLACK_ACTION_IDS.transfer, SLACK_ACTION_IDS.returnToBot, SLACK_ACTION_IDS.resolve]);
  });

  it.each<[CardStatus, string]>([
    [{ kind: "transferred", toTeam: "billing" }, "Transferred to Billing"],
    [{ kind: "resolved", by: alex }, "*Resolved by* <@U0AGENT01>"],
    [{ kind: "returned_to_bot", by: alex }, "*Returned to bot*"],
    [{ kind: "abandoned" }, "*Customer withdrew*"],
    [{ kind: "customer_returned_to_bot" }, "*The customer went back to the assistant*"],
  ])("terminal state %j has no handling buttons (a resolved card asks for feedback)", (status, line) => {
    const card = buildContextCard(cancellationContext(), status, TEAMS);
    expect(allText(card.blocks)).toContain(line);
    const ids = actionsOf(card.blocks)?.elements.map((e) => ("action_id" in e ? e.action_id : undefined)) ?? [];
    expect(ids).toEqual(
      status.kind === "resolved"
        ? [
            SLACK_ANALYTICS_ACTION_IDS.rightCall,
            SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled,
            SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate,
          ]
        : [],
    );
  });

  it("a resolved card asks for one of three answers: right call, the bot should have handled it, escalated too late", () => {
    const card = buildContextCard(cancellationContext(), { kind: "resolved", by: alex }, TEAMS);
    expectWithinSlackLimits(card);
    const buttons = actionsOf(card.blocks)!.elements.map((e) => (e.type === "button" ? [e.text.text, e.value] : []));
    expect(buttons).toEqual([
      [":+1: Right call", "conv-1"],
      [":robot_face: The bot should have handled this", "conv-1"],
      [":snail: Escalated too late", "conv-1"],
    ]);
    expect(allText(card.blocks)).toContain("click another answer to change yours");
  });

  it("says in the footer who resolved it and when, instead of how long it waited", () => {
    const context = cancellationContext();
    context.escalation = { ...context.escalation, claimedBy: alex, claimedAt: T0 + 120_000, outcome: "resolved", endedAt: T0 + 900_000 };
    const text = allText(buildContextCard(context, { kind: "resolved", by: alex }, TEAMS).blocks);
    expect(text).toContain(`Resolved by <@U0AGENT01> at <!date^${(T0 + 900_000) / 1000}^{time}|`);
    expect(text).not.toMatch(/Waiting since|Claim by|Claimed by <@U0AGENT01> at/);
  });

  it.each([
    ["delete_account", "Account deletion"],
    ["payment_issue", "Payment problem"],
    ["change_order", "Change order"],
  ])("labels a priority request about %s as %s", (intent, label) => {
    const header = buildContextCard(cancellationContext({ intent }), { kind: "waiting" }, TEAMS).blocks[0] as HeaderBlock;
    expect(header.text.text).toBe(`:large_orange_circle: High priority · ${label} · Customer Care`);
  });

  it("labels other escalations by their reason, also a priority request whose intent is unknown", () => {
    const unknown = buildContextCard(cancellationContext({ intent: undefined }), { kind: "waiting" }, TEAMS).blocks[0] as HeaderBlock;
    expect(unknown.text.text).toContain("· Priority request ·");
    const context = cancellationContext();
    context.escalation = { ...context.escalation, reason: "always_human", priority: "urgent" };
    const header = buildContextCard(context, { kind: "waiting" }, TEAMS).blocks[0] as HeaderBlock;
    expect(header.text.text).toBe(":rotating_light: Urgent · Always handled by a person · Customer Care");
  });

  it("links the new thread on a transferred card", () => {
    const card = buildContextCard(
      cancellationContext(),
      { kind: "transferred", toTeam: "billing", newThread: "slack:C0BILLING:1.2" },
      TEAMS,
      {
        newThreadUrl: "https://acme.slack.com/archives/C0BILLING/p12",
      },
    );
    expect(allText(card.blocks)).toContain("<https://acme.slack.com/archives/C0BILLING/p12|continue in the new thread>");
  });

  it("shows transfer level, note and previous thread, and the after-hours marker", () => {
    const context = cancellationContext();
    context.escalation = {
      ...context.escalation,
      team: "billing",
      level: 2,
      transferNote: "Refund <!channel> approved",
      previousThread: "slack:C0RETENT1:1.2",
      afterHours: true,
    };
    const card = buildContextCard(context, { kind: "waiting" }, TEAMS, {
      previousThreadUrl: "https://acme.slack.com/archives/C0RETENT1/p12",
    });
    const text = allText(card.blocks);
    expect(text).toContain("*Transferred here*");
    expect(text).toContain("Refund &lt;!channel&gt; approved");
    expect(text).toContain("<https://acme.slack.com/archives/C0RETENT1/p12|Previous thread>");
    expect(text).toContain("After hours");
    expect(text).toContain("Transfer #1");
    expect(text).not.toMatch(/level/i);
    const select = actionsOf(card.blocks)!.elements.find((e) => e.type === "static_select");
    expect(select && "options" in select ? select.options?.map((o) => o.value) : []).toEqual(["support", "retention", "priority"]);
  });

  it("escapes customer text everywhere, so nobody is pinged", () => {
    const context = cancellationContext({
      customer: { name: "<!channel> Eve", maskedPhone: "+1 •••", tier: "vip", pastConversations: 0 },
      keyMessages: [{ text: "<!here> <@U0BOSS001> refund me @everyone", at: T0 }],
      summary: "<https://evil.example|click>",
      headline: "<!channel> Eve wants <@U0BOSS001>",
    });
    const card = buildContextCard(context, { kind: "waiting" }, TEAMS);
    const text = allText(card.blocks) + card.text;
    expect(text).not.toMatch(/<!(channel|here|everyone)|<@U0BOSS001>|<https:\/\/evil/);
    expect(text).not.toContain("@everyone");
    expect(text).toContain(":star: VIP");
    for (const block of card.blocks) {
      if (block.type === "section" && block.text?.type === "mrkdwn") expect(block.text.verbatim).toBe(true);
    }
  });

  it("cuts oversized text with a visible marker and stays within every limit", () => {
    const huge = "x".repeat(10_000);
    const context = cancellationContext({
      summary: huge,
      suggestedOpening: huge,
      keyMessages: Array.from({ length: 60 }, (_, i) => ({ text: `${i} ${"&<>".repeat(400)}`, at: T0 })),
      botActions: Array.from({ length: 200 }, (_, i) => ({ action: `a${i}`, ok: true, result: huge.slice(0, 100) })),
      customer: { name: "N".repeat(5000), maskedPhone: "+1", tier: "standard", pastConversations: 1 },
    });
    context.escalation = { ...context.escalation, explanation: huge, transferNote: huge, level: 3 };
    const card = buildContextCard(context, { kind: "waiting" }, [
      ...TEAMS,
      ...Array.from({ length: 150 }, (_, i) => ({ key: `t${i}`, displayName: "T".repeat(200) })),
    ]);
    expectWithinSlackLimits(card);
    expect(allText(card.blocks)).toContain(CUT_MARKER);
    // A cut never leaves half an entity behind.
    expect(allText(card.blocks)).not.toMatch(/&(a|am|l|g|lt|gt|amp)?…/);
  });

  it("flags a call back request, and says after hours what the customer was told", () => {
    const context = cancellationContext();
    context.escalation = { ...context.escalation, afterHours: true };
    const queued = allText(buildContextCard(context, { kind: "waiting" }, TEAMS).blocks);
    expect(queued).not.toContain("offered a callback");
    expect(queued).toContain(
      "*After hours*: the team was closed; the customer was told when it opens, that their message is waiting here, and that they can ask for a call back.",
    );
    expect(queued).not.toContain("Call back requested");

    context.escalation = { ...context.escalation, callback: true };
    context.customer = { ...context.customer, callbackPhone: "+447700900123" };
    const callback = allText(buildContextCard(context, { kind: "waiting" }, TEAMS).blocks);
    // The number to call is on the card; the Phone field stays masked.
    expect(callback).toContain(
      ":telephone_receiver: *Call back requested*: call <tel:+447700900123|+447700900123> (their WhatsApp number).",
    );
    expect(callback).toContain("*Phone*\n+44 •••• ••• 123");
    expect(callback).toContain("the customer was told when it opens and that the call back comes then.");

    expect(allText(buildContextCard(context, { kind: "claimed", by: alex }, TEAMS).blocks)).toContain(
      "call <tel:+447700900123|+447700900123>",
    );
    // Once nobody has to call, the card no longer shows the number.
    const closed = allText(buildContextCard(context, { kind: "resolved", by: alex }, TEAMS).blocks);
    expect(closed).toContain("*Call back requested*");
    expect(closed).not.toContain("+447700900123");

    context.customer = { ...context.customer, callbackPhone: undefined };
    expect(allText(buildContextCard(context, { kind: "waiting" }, TEAMS).blocks)).toContain(
      "*Call back requested*, but their number is unknown: ask for it in this thread.",
    );
  });

  it("says a re-escalation was escalated before, and who returned it to the assistant, instead of 'Transferred here'", () => {
    const context = cancellationContext({ previous: { team: "retention", outcome: "returned_to_bot", returnedBy: alex, endedAt: T0 - 1 } });
    context.escalation = { ...context.escalation, previousThread: "slack:C0RETENT1:1.2" };
    const text = allText(
      buildContextCard(context, { kind: "waiting" }, TEAMS, { previousThreadUrl: "https://acme.slack.com/archives/C0RETENT1/p12" }).blocks,
    );
    expect(text).toContain("*Escalated before*: returned to the assistant by <@U0AGENT01> (Customer Care)");
    expect(text).toContain("<https://acme.slack.com/archives/C0RETENT1/p12|Previous thread>");
    expect(text).not.toContain("Transferred here");

    const declined = cancellationContext({ previous: { team: "support", outcome: "returned_to_bot" } });
    expect(allText(buildContextCard(declined, { kind: "waiting" }, TEAMS).blocks)).toContain(
      "*Escalated before*: the customer went back to the assistant (Support)",
    );
  });

  it("refuses conversation ids too long for a button", () => {
    expect(() => buildContextCard(cancellationContext({ conversationId: "c".repeat(2001) }), { kind: "waiting" }, TEAMS)).toThrow(
      /too long/,
    );
  });

  it("says which language the customer writes in and suggests the rota members who speak it", () => {
    const context = cancellationContext({ speakersOfLanguage: ["U0AGENT02", "U0AGENT03"] });
    const text = allText(
      buildContextCard(
        { ...context, customer: { ...context.customer, language: { code: "pt", name: "Portuguese", script: "Latn" } } },
        { kind: "waiting" },
        TEAMS,
      ).blocks,
    );
    expect(text).toContain("*Writes in*\nPortuguese\nSpoken by <@U0AGENT02>, <@U0AGENT03>");
    expect(allText(buildContextCard(cancellationContext(), { kind: "waiting" }, TEAMS).blocks)).not.toContain("Writes in");
  });
});
