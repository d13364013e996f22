import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterEach, describe, expect, it } from "vitest";
import { SLACK_ACTION_IDS, SLACK_ANALYTICS_ACTION_IDS } from "../../channels/slack/context-card.js";
import {
  SLACK_FEEDBACK_INTENT_ACTION,
  SLACK_FEEDBACK_INTENT_BLOCK,
  SLACK_VIEW_MAX_BLOCKS,
} from "../../channels/slack/feedback-listeners.js";
import { ALL_TEAMS, type Figures } from "../../src/analytics/compute-figures.js";
import { figuresFromStore } from "../../src/analytics/figures-source.js";
import { feedbackExamples, runExportFeedback } from "../../src/cli/export-feedback.js";
import { runReport } from "../../src/cli/report.js";
import { allText, expectWithinSlackLimits } from "../slack/card-limits.js";
import { ALEX, SAM, startAnalyticsHarness, type AnalyticsHarness } from "./analytics-harness.js";
import { parsePromText, sampleKey } from "./prom-text.js";

let h: AnalyticsHarness | undefined;
async function start(): Promise<AnalyticsHarness> {
  // ALEX sees every team's figures on the Home tab as a Warmline admin (others see only their own teams).
  h = await startAnalyticsHarness({ configure: (config) => void config.slack.admins.push(ALEX) });
  return h;
}
afterEach(async () => {
  await h?.close();
  h = undefined;
});

const DAY = 86_400_000;
const metrics = async (harness: AnalyticsHarness) => parsePromText(await harness.analytics.metrics.render());
const metric = (samples: Map<string, number>, name: string, labels: Record<string, string> = {}) =>
  samples.get(sampleKey(`warmline_${name}`, labels));
/** A stream that keeps what a CLI command writes to it. */
function captured(): { stream: Writable; text(): string } {
  let text = "";
  return { stream: new Writable({ write: (chunk, _enc, done) => void ((text += String(chunk)), done()) }), text: () => text };
}
const figures = (harness: AnalyticsHarness): Promise<Figures> =>
  figuresFromStore(harness.store, harness.config, { since: harness.clock.now() - DAY, now: harness.clock.now() });

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
    expect(metric(m, "handoff_seconds_sum", { team: "retention", stage: "claim" })).toBe(90);
    expect(metric(m, "handoff_seconds_bucket", { team: "retention", stage: "claim", le: "60" })).toBe(0);
    expect(metric(m, "handoff_seconds_bucket", { team: "retention", stage: "claim", le: "120" })).toBe(1);
    expect(metric(m, "claimed_within_deadline_ratio", { team: "retention" })).toBe(1);
    expect(metric(m, "claim_deadline_seconds", { team: "retention" })).toBe(300);
    expect(metric(m, "handoff_seconds_count", { team: "retention", stage: "first_reply" })).toBe(0);
    expect(metric(m, "open_escalations", { team: "retention", state: "assigned" })).toBe(1);

    harness.clock.advance(30_000);
    await harness.agentReplies(ALEX, c.thread, "Hi Maria, I can cancel that for you now.");
    m = await metrics(harness);
    expect(metric(m, "handoff_seconds_sum", { team: "retention", stage: "first_reply" })).toBe(120);
    expect(metric(m, "handoff_seconds_count", { team: "retention", stage: "first_reply" })).toBe(1);
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
    // The second bot phase started at the return to bot, a minute before: one of the two phases is over 30 s.
    expect(metric(m, "handoff_seconds_count", { team: "retention", stage: "escalation" })).toBe(2);
    expect(metric(m, "handoff_seconds_bucket", { team: "retention", stage: "escalation", le: "30" })).toBe(1);

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
    const card = harness.api
      .callsTo("chat.postMessage")
      .find((call) => call.args.thread_ts === undefined && call.args.channel === "C0RETENT1")!;
    expect(allText(card.args.blocks as unknown[])).toContain("View full transcript");

    // Transcripts open for the team's channel members (checked with conversations.members).
    harness.api.channels.find((channel) => channel.id === "C0RETENT1")!.members = [SAM, ALEX];
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
    expect(labels).toContain("Right call");
    expect(labels).toContain("The bot should have handled this");
    expect(labels).toContain("Escalated too late");
    const replies = () => harness.api.callsTo("chat.postEphemeral").map((call) => String(call.args.text));

    await harness.press(SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, ALEX, c);
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, ALEX, c);
    expect(replies()).toEqual([expect.stringContaining("Thanks"), expect.stringContaining("already gave")]);

    await harness.press(SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled, SAM, c);
    const modal = harness.api.callsTo("views.open").at(-1)!.args.view as {
      callback_id: string;
      private_metadata: string;
      blocks: { element?: { initial_option?: { value: string } } }[];
    };
    expect(modal.blocks[1]!.element!.initial_option?.value).toBe("cancel_order");
    await harness.submitView(SAM, modal, {
      [SLACK_FEEDBACK_INTENT_BLOCK]: {
        [SLACK_FEEDBACK_INTENT_ACTION]: { type: "static_select", selected_option: { value: "cancel_order" } },
      },
    });

    let m = await metrics(harness);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "escalated_too_late" })).toBe(1);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "bot_should_have_handled" })).toBe(1);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "right_call" })).toBe(0);
    let stored = await harness.store.get(c.conversationId);
    expect(stored!.feedback).toEqual([
      expect.objectContaining({ kind: "escalated_too_late", agentId: `slack:${ALEX}` }),
      expect.objectContaining({ kind: "bot_should_have_handled", agentId: `slack:${SAM}`, intent: "cancel_order" }),
    ]);
    expect(feedbackExamples(await harness.store.listSince(0), harness.config)).toEqual([
      { text: "I want to cancel my order 100311 please", intent: "cancel_order" },
    ]);

    // One answer per agent and escalation: another button changes it, the same one again does nothing.
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.rightCall, ALEX, c);
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.rightCall, ALEX, c);
    expect(replies().slice(-2)).toEqual([
      ":memo: Changed: your feedback on this handoff is now “Right call” (was “Escalated too late”).",
      expect.stringContaining("already gave this feedback on this handoff; click another answer to change it"),
    ]);
    m = await metrics(harness);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "right_call" })).toBe(1);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "escalated_too_late" })).toBe(0);
    expect(metric(m, "agent_feedback", { team: ALL_TEAMS, kind: "bot_should_have_handled" })).toBe(1);

    // SAM changes their mind: the training row goes with the answer.
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.rightCall, SAM, c);
    stored = await harness.store.get(c.conversationId);
    expect(stored!.feedback).toEqual([
      expect.objectContaining({ kind: "right_call", agentId: `slack:${ALEX}` }),
      expect.objectContaining({ kind: "right_call", agentId: `slack:${SAM}` }),
    ]);
    expect(stored!.feedback![1]).not.toHaveProperty("intent");
    expect(feedbackExamples(await harness.store.listSince(0), harness.config)).toEqual([]);
    m = await metrics(harness);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "right_call" })).toBe(2);
    expect(metric(m, "agent_feedback", { team: "retention", kind: "bot_should_have_handled" })).toBe(0);
  });

  it("another intent for 'the bot should have handled this' replaces the agent's earlier pick", async () => {
    const harness = await start();
    const other = harness.analytics.intents.find((intent) => intent !== "cancel_order")!;
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, c);
    const pick = async (intent: string) => {
      await harness.press(SLACK_ANALYTICS_ACTION_IDS.botShouldHaveHandled, ALEX, c);
      const modal = harness.api.callsTo("views.open").at(-1)!.args.view as { callback_id: string; private_metadata: string };
      await harness.submitView(ALEX, modal, {
        [SLACK_FEEDBACK_INTENT_BLOCK]: { [SLACK_FEEDBACK_INTENT_ACTION]: { type: "static_select", selected_option: { value: intent } } },
      });
    };
    await pick("cancel_order");
    await pick(other);
    await pick(other);
    expect(harness.api.callsTo("chat.postEphemeral").map((call) => String(call.args.text))).toEqual([
      expect.stringContaining("Thanks"),
      `:memo: Changed: the bot should have handled this as “${other.replace(/_/g, " ")}”.`,
      expect.stringContaining("already gave"),
    ]);
    expect((await harness.store.get(c.conversationId))!.feedback).toEqual([
      expect.objectContaining({ kind: "bot_should_have_handled", agentId: `slack:${ALEX}`, intent: other }),
    ]);
    expect(feedbackExamples(await harness.store.listSince(0), harness.config)).toEqual([
      { text: "I want to cancel my order 100311 please", intent: other },
    ]);
    expect(metric(await metrics(harness), "agent_feedback", { team: "retention", kind: "bot_should_have_handled" })).toBe(1);
  });

  it("after a driven handoff, the dashboard and report show agent feedback, abandonment, first reply and repeats; export-feedback skips 'Right call'", async () => {
    const harness = await start();
    const a = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(90_000);
    await harness.press(SLACK_ACTION_IDS.claim, ALEX, a);
    harness.clock.advance(30_000);
    await harness.agentReplies(ALEX, a.thread, "Hi Maria, I can cancel that for you now.");
    harness.clock.advance(30_000);
    await harness.customerSays("Hello? I said I want to cancel order 100311");
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, a);
    await harness.customerSays("5");
    await harness.customerSays("yes");
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.rightCall, ALEX, a);
    expect(harness.api.callsTo("chat.postEphemeral").at(-1)!.args).toMatchObject({ user: ALEX, text: expect.stringContaining("Thanks") });
    expect((await harness.store.get(a.conversationId))!.feedback).toEqual([
      { kind: "right_call", escalationId: expect.any(String), agentId: `slack:${ALEX}`, at: harness.clock.now() },
    ]);

    await harness.escalateWith("I want to cancel my order 100400 please");
    await harness.customerSays("CANCEL");

    // The Home tab, on retention.
    await harness.pickHomeTeam(ALEX, "retention");
    await expect.poll(() => harness.api.homeViews.get(ALEX)).toBeDefined();
    const view = harness.api.homeViews.get(ALEX)!;
    expectWithinSlackLimits({ blocks: view.blocks });
    const sections = view.blocks.filter((b) => (b as { type: string }).type === "section") as { text: { text: string } }[];
    expect(sections).toHaveLength(1);
    const lines = sections[0]!.text.text.split("\n");
    expect(lines[0]).toBe("*Customer Care* · :inbox_tray: 0 waiting, 0 with an agent");
    expect(lines).toContain("*Median time to claim* today 2 min · 7 days 2 min · deadline 5 min (100% within)");
    expect(lines).toContain("*First agent reply* median today 2 min · 7 days 2 min");
    expect(lines).toContain("*Abandoned while waiting* today 50% (1) · 7 days 50% (1)");
    expect(lines).toContain("*Customers repeated themselves after the claim* today 1 of 1 (100%) · 7 days 1 of 1 (100%) — lower is better");
    expect(lines).toContain("*Agent feedback* 7 days right call 1 · bot should have handled 0 · escalated too late 0");
    expect(lines.join("\n")).not.toContain("Repeat rate");

    // The same figures in `warmline report` and /metrics.
    const f = await figures(harness);
    expect(f.teams.retention).toMatchObject({
      feedback: { rightCall: 1, botShouldHaveHandled: 0, escalatedTooLate: 0 },
      abandonmentRate: 0.5,
      outcomes: { abandoned: 1 },
      timeToFirstReply: { medianSeconds: 120 },
      repeats: { measured: 1, repeated: 1, rate: 1 },
    });
    const table = captured();
    await runReport({
      config: harness.config,
      store: harness.store,
      since: "7d",
      format: "table",
      now: harness.clock.now(),
      output: table.stream,
    });
    const rows = table.text().split("\n");
    const teams = rows[1]!.trim().split(/\s+/);
    const cells = (label: string) =>
      Object.fromEntries(
        rows
          .find((r) => r.startsWith(`${label}  `))!
          .slice(label.length)
          .trim()
          .split(/\s+/)
          .map((v, i) => [teams[i], v]),
      );
    expect(cells("fb: right call")).toMatchObject({ all: "1", retention: "1", billing: "0" });
    expect(cells("fb: bot should handle")).toMatchObject({ all: "0", retention: "0" });
    expect(cells("abandonment rate")).toMatchObject({ retention: "0.5" });
    expect(metric(await metrics(harness), "agent_feedback", { team: "retention", kind: "right_call" })).toBe(1);

    // "Right call" is no training signal.
    const dir = mkdtempSync(join(tmpdir(), "warmline-feedback-"));
    try {
      const out = join(dir, "feedback.csv");
      const log = captured();
      await runExportFeedback({ config: harness.config, store: harness.store, out, log: log.stream });
      expect(readFileSync(out, "utf8")).toBe("text,intent\n");
      expect(log.text()).toContain("Wrote 0 training examples");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
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
    harness.api.channels.find((channel) => channel.id === "C0RETENT1")!.members = [ALEX];
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.viewTranscript, ALEX, a);
    await harness.press(SLACK_ACTION_IDS.resolve, ALEX, a);
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.rightCall, ALEX, a);
    await harness.press(SLACK_ANALYTICS_ACTION_IDS.escalatedTooLate, SAM, a);
    await harness.customerSays("3");
    await harness.customerSays("yes");
    await harness.escalateWith("I want to talk to a human");
    await harness.customerSays("CANCEL");

    const m = await metrics(harness);
    const printed = captured();
    await runReport({
      config: harness.config,
      store: harness.store,
      since: "1d",
      format: "json",
      now: harness.clock.now(),
      output: printed.stream,
    });
    const f = JSON.parse(printed.text()) as Figures;
    expect(f).toEqual(await figures(harness));
    for (const [team, row] of Object.entries(f.teams)) {
      expect(metric(m, "escalation_rate", { team }), team).toBe(row.escalationRate);
      for (const [reason, count] of Object.entries(row.byReason)) expect(metric(m, "escalations", { team, reason })).toBe(count);
      // The histogram has no "_all" series: sum by (le) gives the whole business.
      const stages =
        team === ALL_TEAMS
          ? []
          : ([
              ["claim", row.timeToClaim],
              ["first_reply", row.timeToFirstReply],
            ] as const);
      for (const [stage, d] of stages) {
        expect(metric(m, "handoff_seconds_count", { team, stage })).toBe(d.count);
        expect(metric(m, "handoff_seconds_sum", { team, stage })).toBeCloseTo(d.sumSeconds, 3);
      }
      expect(metric(m, "escalation_outcomes", { team, outcome: "abandoned" })).toBe(row.outcomes.abandoned);
      expect(metric(m, "abandonment_rate", { team })).toBe(row.abandonmentRate);
      expect(metric(m, "agent_feedback", { team, kind: "right_call" })).toBe(row.feedback.rightCall);
      expect(metric(m, "agent_feedback", { team, kind: "bot_should_have_handled" })).toBe(row.feedback.botShouldHaveHandled);
      expect(metric(m, "agent_feedback", { team, kind: "escalated_too_late" })).toBe(row.feedback.escalatedTooLate);
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
    expect(f.teams[ALL_TEAMS]!.feedback).toEqual({ rightCall: 1, botShouldHaveHandled: 0, escalatedTooLate: 1 });
  });
});
