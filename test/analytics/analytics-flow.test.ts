import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS, SLACK_ANALYTICS_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_FEEDBACK_INTENT_ACTION, SLACK_FEEDBACK_INTENT_BLOCK, SLACK_VIEW_MAX_BLOCKS } from "../../channels/slack/feedback-listeners.js";
import { ALL_TEAMS, type Figures } from "../../src/analytics/compute-figures.js";
import { figuresFromStore } from "../../src/analytics/figures-source.js";
import { feedbackExamples } from "../../src/cli/export-feedback.js";
import { runReport } from "../../src/cli/report.js";
import { allText, expectWithinSlackLimits } from "../slack/card-limits.js";
import { ALEX, SAM, startAnalyticsHarness, type AnalyticsHarness } from "./analytics-harness.js";
import { parsePromText, sampleKey } from "./prom-text.js";

let h: AnalyticsHarness | undefined;
async function start(): Promise<AnalyticsHarness> {
  h = await startAnalyticsHarness();
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAY = 86_400_000;
const metrics = async (harness: AnalyticsHarness) => parsePromText(await harness.analytics.metrics.render());
const metric = (samples: Map<string, number>, name: string, labels: Record<string, string> = {}) => samples.get(sampleKey(`warmline_${name}`, labels));
const figures = (harness: AnalyticsHarness): Promise<Figures> => figuresFromStore(harness.store, harness.config, { since: harness.clock.now() - DAY, now: harness.clock.now() });

describe("escalation metrics move as full conversations happen (real Bolt receiver, engine, WhatsApp adapter)", () => {
  it("counts an escalation per reason and team, and the escalation rate", async () => {
    const harness = await start();
    const before = await metrics(harness);
    expect(metric(before, "escalations", { team: "retention", reason: "priority_intent" })).toBeUndefined();
    expect(metric(before, "conversations")).toBe(0);

    await harness.escalateWith("I want to cancel my order 100311 please");
    const after = await metrics(harness);
    expect(metric(after, "conversations")).toBe(1);
    expect(metric(after, "escalations", { team: "retention", reason: "priority_intent" })).toBe(1);
    expect(metric(after, "escalations", { team: ALL_TEAMS, reason: "priority_intent" })).toBe(1);
    expect(metric(after, "escalation_rate", { team: "retention" })).toBe(1);
    expect(metric(after, "escalation_rate", { team: "billing" })).toBe(0);
    expect(metric(after, "open_escalations", { team: "retention", state: "queued" })).toBe(1);
    expect(metric(after, "handoff_seconds_count", { team: "retention", stage: "escalation" })).toBe(1);

    await harness.customerSays("CANCEL");
    await harness.escalateWith("HUMAN");
    const human = await metrics(harness);
    expect(metric(human, "escalations", { team: "support", reason: "explicit_request" })).toBe(1);
    expect(metric(human, "escalations", { team: ALL_TEAMS, reason: "explicit_request" })).toBe(1);
    expect(metric(human, "reescalations", { team: "support" })).toBe(1);
  });

  it("time to claim (the handoff) and time to the first agent reply, against the claim deadline", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(90_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    let m = await metrics(harness);
    expect(metric(m, "handoff_seconds", { team: "retention", stage: "claim", quantile: "0.5" })).toBe(90);
    expect(metric(m, "claimed_within_deadline_ratio", { team: "retention" })).toBe(1);
    expect(metric(m, "claim_deadline_seconds", { team: "retention" })).toBe(300);
    expect(metric(m, "handoff_seconds_count", { team: "retention", stage: "first_reply" })).toBe(0);
    expect(metric(m, "open_escalations", { team: "retention", state: "assigned" })).toBe(1);

    harness.clock.advance(30_000);
    await harness.agentReplies(ALEX, c.thread, "Hi Maria, I can cancel that for you now.");
    m = await metrics(harness);
    expect(metric(m, "handoff_seconds", { team: "retention", stage: "first_reply", quantile: "0.5" })).toBe(120);
    expect(metric(m, "escalation_outcomes", { team: "retention", outcome: "claimed" })).toBe(1);
  });

  it("a claim after the team's deadline lowers the within-deadline ratio", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(6 * 60_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    expect(metric(await metrics(harness), "claimed_within_deadline_ratio", { team: "retention" })).toBe(0);
  });

  it("repeat rate: the customer restating their need to the human counts; saying something new does not", async () => {
    const harness = await start();
    const first = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(20_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, first);
    harness.clock.advance(30_000);
    await harness.customerSays("Hello? I said I want to cancel order 100311");
    let m = await metrics(harness);
    expect(metric(m, "customer_repeats", { team: "retention", repeated: "true" })).toBe(1);
    expect(metric(m, "repeat_rate", { team: "retention" })).toBe(1);

    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, first);
    await harness.customerSays("5");
    await harness.customerSays("yes");
    const second = await harness.escalateWith("I want to cancel my order 100400 please");
    harness.clock.advance(20_000);
    await harness.press(SLACK_ACTION_IDS.claim, SAM, second);
    harness.clock.advance(30_000);
    await harness.customerSays("Thanks Sam, that's great");
    m = await metrics(harness);
    expect(metric(m, "customer_repeats", { team: "retention", repeated: "false" })).toBe(1);
    expect(metric(m, "repeat_rate", { team: "retention" })).toBe(0.5);
  });

  it("queue abandonment: CANCEL while queued", async () => {
    const harness = await start();
    await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.customerSays("CANCEL");
    const m = await metrics(harness);
    expect(metric(m, "escalation_outcomes", { team: "retention", outcome: "abandoned" })).toBe(1);
    expect(metric(m, "abandonment_rate", { team: "retention" })).toBe(1);
    expect(metric(m, "open_escalations", { team: "retention", state: "queued" })).toBe(0);
  });

  it("transfers (re-escalation to another team), returns to bot, re-escalations and resolutions", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    await harness.transfer(ALEX, c.conversationId, c.thread, "billing", "Wants the shipping fee back");
    let m = await metrics(harness);
    expect(metric(m, "escalation_outcomes", { team: "retention", outcome: "transferred" })).toBe(1);
    expect(metric(m, "transfers_in", { team: "billing" })).toBe(1);
    expect(metric(m, "open_escalations", { team: "billing", state: "queued" })).toBe(1);

    const moved = { conversationId: c.conversationId, thread: (await harness.latest()).escalations.at(-1)!.thread! };
    await harness.press(SLACK_ACTION_IDS.claim, SAM, moved);
    await harness.press(SLACK_ACTION_IDS.returnToBot, SAM, moved);
    m = await metrics(harness);
    expect(metric(m, "escalation_outcomes", { team: "billing", outcome: "returned_to_bot" })).toBe(1);

    harness.clock.advance(60_000);
    const again = await harness.escalateWith("I want to cancel my order 100311 please");
    expect(again.conversationId).toBe(c.conversationId);
    m = await metrics(harness);
    expect(metric(m, "reescalations", { team: "retention" })).toBe(1);
    expect(metric(m, "escalations", { team: "retention", reason: "priority_intent" })).toBe(2);
    // The second bot phase started at the return to bot, a minute before.
    expect(metric(m, "handoff_seconds", { team: "retention", stage: "escalation", quantile: "0.9" })).toBeGreaterThanOrEqual(54);

    await harness.press(SLACK_ACTION_IDS.claim, ALEX, again);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, again);
    m = await metrics(harness);
    expect(metric(m, "escalation_outcomes", { team: "retention", outcome: "resolved" })).toBe(1);
    expect(metric(m, "escalation_outcomes", { team: ALL_TEAMS, outcome: "resolved" })).toBe(1);
  });

  it("survey score and 'handover helped' after the handoff", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, c);
    await harness.customerSays("4");
    let m = await metrics(harness);
    expect(metric(m, "survey_score_average", { team: "retention" })).toBe(4);
    expect(metric(m, "handover_helped", { team: "retention", answer: "yes" })).toBe(0);
    await harness.customerSays("no");
    m = await metrics(harness);
    expect(metric(m, "survey_responses", { team: "retention" })).toBe(1);
    expect(metric(m, "handover_helped", { team: "retention", answer: "no" })).toBe(1);
  });

  it("context view: 'View full transcript' opens a modal with the masked transcript and counts the view", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please, my email is maria@example.com");
    expect(metric(await metrics(harness), "context_view_rate", { team: "retention" })).toBe(0);
    const card = harness.api.callsTo("chat.postMessage").find((call) => call.args.thread_ts === undefined && call.args.channel === "C0RETENT1")!;
    expect(allText(card.args.blocks as unknown[])).toContain("View full transcript");

    const response = await harness.press(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, SAM, c);
    expect(response.status).toBe(200);
    const modal = harness.api.callsTo("views.open").at(-1)!.args.view as { title: { text: string }; blocks: unknown[] };
    expect(modal.title.text).toBe("Full transcript");
    expect(modal.blocks.length).toBeLessThanOrEqual(SLACK_VIEW_MAX_BLOCKS);
    const text = allText(modal.blocks);
    expect(text).toContain("I want to cancel my order 100311 please");
    expect(text).not.toContain("maria@example.com");
    const m = await metrics(harness);
    expect(metric(m, "context_views", { team: "retention" })).toBe(1);
    expect(metric(m, "context_view_rate", { team: "retention" })).toBe(1);
  });

  it("agent feedback on the resolved card is stored, counted, and exported as a training example", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, c);
    const resolvedCard = harness.api.messages.find((msg) => msg.ts === c.thread.split(":")[2])!;
    expectWithinSlackLimits({ text: resolvedCard.text, blocks: resolvedCard.blocks });
    const labels = allText(resolvedCard.blocks!);
    expect(labels).toContain("The bot should have handled this");
    expect(labels).toContain("Escalated too late");

    await harness.press(SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, ALEX, c);
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, ALEX, c);
    const thanks = harness.api.callsTo("chat.postEphemeral").map((call) => String(call.args.text));
    expect(thanks).toEqual([expect.stringContaining("Thanks"), expect.stringContaining("already gave")]);

    await harness.press(SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled, SAM, c);
    const modal = harness.api.callsTo("views.open").at(-1)!.args.view as { callback_id: string; private_metadata: string; blocks: { element?: { initial_option?: { value: string } } }[] };
    expect(modal.blocks[1]!.element!.initial_option?.value).toBe("cancel_order");
    await harness.submitView(SAM, modal, { [SLACK_FEEDBACK_INTENT_BLOCK]: { [SLACK_FEEDBACK_INTENT_ACTION]: { type: "static_select", selected_option: { value: "cancel_order" } } } });

    const m = await metrics(harness);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "escalated_too_late" })).toBe(1);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "bot_should_have_handled" })).toBe(1);
    const stored = await harness.store.get(c.conversationId);
    expect(stored!.feedback).toEqual([
      expect.objectContaining({ kind: "escalated_too_late", agentId: `slack:${ALEX}` }),
      expect.objectContaining({ kind: "bot_should_have_handled", agentId: `slack:${SAM}`, intent: "cancel_order" }),
    ]);
    expect(feedbackExamples(await harness.store.listSince(0), harness.config.privacy)).toEqual([{ text: "I want to cancel my order 100311 please", intent: "cancel_order" }]);
  });

  it("the Home tab shows every team's dashboard within Slack's limits", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(120_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    const response = await harness.openHome(ALEX);
    expect(response.status).toBe(200);
    await expect.poll(() => harness.api.homeViews.get(ALEX)).toBeDefined();
    const view = harness.api.homeViews.get(ALEX)!;
    expect(view.type).toBe("home");
    expectWithinSlackLimits({ blocks: view.blocks.slice(0, 50) });
    const text = allText(view.blocks);
    expect(text).toContain("*Customer Care*");
    expect(text).toMatch(/\*Escalation rate\* today 100% \(1\) · 7 days 100% \(1\)/);
    expect(text).toContain("Priority request 1");
    expect(text).toMatch(/\*Median time to claim\* today 2 min · 7 days 2 min · deadline 5 min \(100% within\)/);
    expect(text).toContain("0 waiting, 1 with an agent");
  });

  it("report's JSON and /metrics agree on every figure", async () => {
    const harness = await start();
    const a = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(45_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, a);
    harness.clock.advance(30_000);
    await harness.customerSays("can you cancel order 100311");
    await harness.agentReplies(ALEX, a.thread, "Done.");
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, ALEX, a);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, a);
    await harness.customerSays("3");
    await harness.customerSays("yes");
    await harness.escalateWith("I want to talk to a human");
    await harness.customerSays("CANCEL");

    const m = await metrics(harness);
    let printed = "";
    const output = new Writable({ write: (chunk, _enc, done) => void ((printed += String(chunk)), done()) });
    await runReport({ config: harness.config, store: harness.store, since: "1d", format: "json", now: harness.clock.now(), output });
    const f = JSON.parse(printed) as Figures;
    expect(f).toEqual(await figures(harness));
    for (const [team, row] of Object.entries(f.teams)) {
      expect(metric(m, "escalation_rate", { team }), team).toBe(row.escalationRate);
      for (const [reason, count] of Object.entries(row.byReason)) expect(metric(m, "escalations", { team, reason })).toBe(count);
      expect(metric(m, "handoff_seconds", { team, stage: "claim", quantile: "0.5" })).toBe(row.timeToClaim.medianSeconds);
      expect(metric(m, "handoff_seconds", { team, stage: "first_reply", quantile: "0.5" })).toBe(row.timeToFirstReply.medianSeconds);
      expect(metric(m, "escalation_outcomes", { team, outcome: "abandoned" })).toBe(row.outcomes.abandoned);
      expect(metric(m, "escalation_outcomes", { team, outcome: "resolved" })).toBe(row.outcomes.resolved);
      expect(metric(m, "survey_score_average", { team })).toBe(row.survey.averageScore);
      expect(metric(m, "handover_helped", { team, answer: "yes" })).toBe(row.survey.helpedYes);
      expect(metric(m, "repeat_rate", { team })).toBe(row.repeats.rate);
      expect(metric(m, "context_view_rate", { team })).toBe(row.contextViews.rate);
      expect(metric(m, "open_escalations", { team, state: "queued" })).toBe(row.open.queued);
    }
    expect(metric(m, "conversations")).toBe(f.conversations);
    expect(f.teams[ALL_TEAMS]!.escalations).toBe(2);
    expect(f.teams[ALL_TEAMS]!.outcomes.abandoned).toBe(1);
    expect(f.teams[ALL_TEAMS]!.repeats).toEqual({ measured: 1, repeated: 1, rate: 1 });
  });
});
