import { policySchema } from "../../src/config/schema.js";
import { execFile } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import type { KnownBlock, SectionBlock, StaticSelect } from "@slack/types";
import { describe, expect, it } from "vitest";
import {
  buildDigestMessage,
  buildHomeView,
  SLACK_HOME_MAX_BLOCKS,
  SLACK_HOME_TEAM_ACTION,
  SLACK_SELECT_MAX_OPTIONS,
} from "../../channels/slack/app-home.js";
import { SLACK_BOT_EVENTS, SLACK_METHOD_SCOPES } from "../../channels/slack/required-scopes.js";
import {
  SLACK_HEADER_TEXT_LIMIT,
  SLACK_MAX_BLOCKS,
  SLACK_OPTION_TEXT_LIMIT,
  SLACK_OPTION_VALUE_LIMIT,
  SLACK_SECTION_TEXT_LIMIT,
} from "../../channels/slack/slack-limits.js";
import { parseCorpus } from "../../src/assistant/corpus.js";
import { ALL_TEAMS, computeFigures, quantile, type Figures } from "../../src/analytics/compute-figures.js";
import { dueDigest, lastDigestTime, startOfLocalDay } from "../../src/analytics/digest-schedule.js";
import { parseWindow } from "../../src/analytics/figures-source.js";
import { runDigestTick } from "../../src/analytics/weekly-digest.js";
import { feedbackExamples, formatExamplesCsv } from "../../src/cli/export-feedback.js";
import { formatReportCsv, formatReportTable } from "../../src/cli/report.js";
import { createMemoryStore } from "../../src/store/memory-store.js";
import { createSqliteStore } from "../../src/store/sqlite-store.js";
import { BASE_TIME, buildConversation, buildEscalation, buildTranscriptEntry } from "../contract/conversation-factory.js";

const TEAMS = { support: { claimWithinMinutes: 10 }, billing: { claimWithinMinutes: 15 } };
const options = (over: Partial<Parameters<typeof computeFigures>[1]> = {}) => ({
  since: BASE_TIME - 86_400_000,
  until: BASE_TIME + 86_400_000,
  now: BASE_TIME + 86_400_000,
  teams: TEAMS,
  repeatSimilarity: 0.5,
  ...over,
});
const M = 60_000;

function handled(overrides: { team?: string; claimAfter?: number; replyAfter?: number; createdAt?: number } = {}) {
  const createdAt = overrides.createdAt ?? BASE_TIME;
  const escalation = buildEscalation({
    team: overrides.team ?? "support",
    createdAt: createdAt + M,
    thread: "slack:C0SUPPORT:1.1",
    ...(overrides.claimAfter !== undefined
      ? { claimedAt: createdAt + M + overrides.claimAfter, claimedBy: { id: "slack:U1", name: "A" } }
      : {}),
    ...(overrides.replyAfter !== undefined ? { firstAgentReplyAt: createdAt + M + overrides.replyAfter } : {}),
  });
  return buildConversation({ createdAt, escalations: [escalation], state: "assigned" });
}

describe("computeFigures", () => {
  it("quantiles interpolate between ranks", () => {
    expect(quantile([], 0.5)).toBeUndefined();
    expect(quantile([10], 0.9)).toBe(10);
    expect(quantile([60, 120], 0.5)).toBe(90);
    expect(quantile([1, 2, 3, 4, 5, 6, 7, 8, 9, 10], 0.9)).toBeCloseTo(9.1);
  });

  it("medians of claim and first-reply times, the deadline share, and the escalation rate per team", () => {
    const conversations = [
      handled({ claimAfter: 2 * M, replyAfter: 3 * M }),
      handled({ claimAfter: 4 * M, replyAfter: 6 * M }),
      handled({ claimAfter: 20 * M }),
      handled({ team: "billing", claimAfter: M }),
      buildConversation(),
    ];
    const f = computeFigures(conversations, options());
    expect(f.conversations).toBe(5);
    expect(f.teams.support).toMatchObject({
      escalations: 3,
      escalationRate: 0.6,
      timeToClaim: { count: 3, medianSeconds: 240, sumSeconds: 1560 },
      timeToFirstReply: { count: 2, medianSeconds: 270 },
      timeToEscalation: { count: 3, medianSeconds: 60 },
      claimedWithinDeadline: 2,
      claimDeadlineMinutes: 10,
      open: { assigned: 3, queued: 0 },
    });
    expect(f.teams.support!.claimedWithinDeadlineRate).toBeCloseTo(2 / 3, 3);
    expect(f.teams[ALL_TEAMS]).toMatchObject({ escalations: 4, escalationRate: 0.8, byReason: { explicit_request: 4 } });
  });

  it("counts only what happened in the window, and a conversation once even when listed twice", () => {
    const old = handled({ createdAt: BASE_TIME - 3 * 86_400_000, claimAfter: M });
    const recent = handled({ claimAfter: M });
    const f = computeFigures([old, recent, recent], options());
    expect(f.teams[ALL_TEAMS]!.escalations).toBe(1);
    expect(f.conversations).toBe(1);
    // The old one is still open: the queue is "now", not "in the window".
    expect(f.teams[ALL_TEAMS]!.open.assigned).toBe(2);
  });

  it("repeat rate: compares what the customer wrote after the claim with what they told the bot", () => {
    const make = (after: string) => {
      const c = handled({ claimAfter: M });
      c.transcript = [
        buildTranscriptEntry({ text: "my parcel never arrived, order 1042", at: BASE_TIME }),
        buildTranscriptEntry({ text: after, at: BASE_TIME + 3 * M }),
      ];
      return c;
    };
    const f = computeFigures([make("where is my package? order 1042 hasn't come"), make("ok thank you so much")], options());
    expect(f.teams.support!.repeats).toEqual({ measured: 2, repeated: 1, rate: 0.5 });
  });

  it("a survey judges the last handoff before it was sent; feedback and context views count per escalation", () => {
    const c = handled({ claimAfter: M });
    const e = c.escalations[0]!;
    Object.assign(e, { outcome: "resolved", endedAt: BASE_TIME + 5 * M });
    c.state = "resolved";
    c.survey = { status: "answered", sentAt: BASE_TIME + 5 * M, score: 2, handoverHelped: false };
    c.contextViews = [
      { escalationId: e.id, agentId: "slack:U1", at: BASE_TIME + 2 * M },
      { escalationId: e.id, agentId: "slack:U2", at: BASE_TIME + 2 * M },
    ];
    c.feedback = [
      { kind: "escalated_too_late", escalationId: e.id, agentId: "slack:U1", at: BASE_TIME + 6 * M },
      { kind: "right_call", escalationId: e.id, agentId: "slack:U2", at: BASE_TIME + 6 * M },
      { kind: "right_call", escalationId: e.id, agentId: "slack:U3", at: BASE_TIME + 7 * M },
      // Given before the window: not counted.
      { kind: "bot_should_have_handled", escalationId: e.id, agentId: "slack:U4", at: BASE_TIME - 2 * 86_400_000 },
    ];
    const f = computeFigures([c], options()).teams.support!;
    expect(f.survey).toEqual({ responses: 1, averageScore: 2, helpedYes: 0, helpedNo: 1 });
    expect(f.contextViews).toEqual({ views: 2, escalationsViewed: 1, escalationsWithCard: 1, rate: 1 });
    expect(f.feedback).toEqual({ rightCall: 2, botShouldHaveHandled: 0, escalatedTooLate: 1 });
    expect(f.outcomes.resolved).toBe(1);
  });
});

function bigFigures(teamCount: number): Figures {
  const teams = Object.fromEntries(Array.from({ length: teamCount }, (_, i) => [`team${i}`, { claimWithinMinutes: 1440 }]));
  const f = computeFigures([], { ...options(), teams });
  for (const row of Object.values(f.teams)) {
    row.escalations = 9_999_999_999;
    row.byReason = {
      explicit_request: 1e12,
      low_confidence: 1e12,
      tool_failure: 3,
      money_threshold: 4,
      negative_sentiment: 5,
      always_human: 6,
    };
    row.escalationRate = 0.123456;
    row.timeToClaim.medianSeconds = 1e9;
    row.open = { queued: 123_456_789, assigned: 987_654_321, oldestWaitSeconds: 1e10 };
    row.timeToFirstReply.medianSeconds = 1e9;
    row.outcomes.abandoned = 9_999_999_999;
    row.abandonmentRate = 0.987654;
    row.repeats = { measured: 9_999_999_999, repeated: 9_999_999_998, rate: 0.9999 };
    row.feedback = { rightCall: 9_999_999_999, botShouldHaveHandled: 9_999_999_999, escalatedTooLate: 9_999_999_999 };
  }
  return f;
}

describe("dashboard and digest blocks", () => {
  const teamInfo = (n: number) =>
    Array.from({ length: n }, (_, i) => ({ key: `team${i}`, displayName: `${"Very long team name ".repeat(10)}${i} <@here> & *bold*` }));

  it.each([4, 50, 200])("%i teams with huge numbers stay within Slack's Home tab and message limits", (n) => {
    const week = bigFigures(n);
    const home = buildHomeView({ today: week, week }, teamInfo(n));
    expect(home.blocks.length).toBeLessThanOrEqual(SLACK_HOME_MAX_BLOCKS);
    const digest = buildDigestMessage(week, teamInfo(n));
    expect(digest.blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
    for (const block of [...home.blocks, ...digest.blocks] as KnownBlock[]) {
      if (block.type === "section") expect((block as SectionBlock).text!.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
      if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_LIMIT);
    }
    const text = JSON.stringify(home.blocks);
    expect(text).not.toContain("<@here>");
    if (n + 5 > SLACK_HOME_MAX_BLOCKS) expect(text).toMatch(/\d+ more teams did not fit: run `warmline report --since 7d`/);
    else expect(home.blocks.filter((b) => b.type === "section")).toHaveLength(n + 1);
  });

  it.each([4, 50, 200])("with %i teams, one team's Home tab and its team picker stay within Slack's limits", (n) => {
    const week = bigFigures(n);
    const last = `team${n - 1}`;
    const home = buildHomeView({ today: week, week }, teamInfo(n), { team: last, picked: true });
    expect(home.private_metadata).toBe(last);
    const blocks = home.blocks as KnownBlock[];
    expect(blocks.length).toBeLessThanOrEqual(SLACK_HOME_MAX_BLOCKS);
    expect(blocks.filter((b) => b.type === "section")).toHaveLength(1);
    for (const block of blocks) {
      if (block.type === "section") expect(block.text!.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
      if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_LIMIT);
    }
    const select = blocks
      .flatMap((b) => (b.type === "actions" ? b.elements : []))
      .find((e) => e.action_id === SLACK_HOME_TEAM_ACTION) as StaticSelect;
    expect(select.options!.length).toBeLessThanOrEqual(SLACK_SELECT_MAX_OPTIONS);
    expect(select.options).toContainEqual(select.initial_option);
    expect(select.initial_option!.value).toBe(last);
    for (const option of select.options!) {
      expect(option.text.text.length).toBeLessThanOrEqual(SLACK_OPTION_TEXT_LIMIT);
      expect(option.value!.length).toBeLessThanOrEqual(SLACK_OPTION_VALUE_LIMIT);
    }
    expect(JSON.stringify(blocks)).not.toContain("<@here>");
  });

  it("the Home tab is enabled and app_home_opened subscribed in manifest.json, with views.publish allowed", () => {
    const manifest = JSON.parse(readFileSync(new URL("../../manifest.json", import.meta.url), "utf8")) as {
      features: { app_home: { home_tab_enabled: boolean } };
      settings: { event_subscriptions: { bot_events: string[] } };
    };
    expect(manifest.features.app_home.home_tab_enabled).toBe(true);
    expect(manifest.settings.event_subscriptions.bot_events).toContain("app_home_opened");
    expect(SLACK_BOT_EVENTS).toHaveProperty(["app_home_opened"]);
    expect(SLACK_METHOD_SCOPES).toHaveProperty(["views.publish"]);
  });
});

describe("weekly digest schedule", () => {
  const schedule = { enabled: true, day: "mon", time: "09:00", timezone: "Europe/London" } as const;
  const monday9 = Date.UTC(2024, 4, 6, 8, 0); // 09:00 BST

  it("is due from Monday 09:00 local for the grace period, then not until next week", () => {
    expect(lastDigestTime(schedule, monday9 + 5 * M)).toBe(monday9);
    expect(dueDigest(schedule, monday9 - M)).toBeUndefined();
    expect(dueDigest(schedule, monday9 + 2 * M)).toBe(monday9);
    expect(dueDigest(schedule, monday9 + 13 * 60 * M)).toBeUndefined();
    expect(lastDigestTime(schedule, monday9 - M)).toBe(monday9 - 7 * 86_400_000);
    expect(dueDigest({ ...schedule, enabled: false }, monday9)).toBeUndefined();
    expect(startOfLocalDay(monday9 + 5 * M, "Europe/London")).toBe(Date.UTC(2024, 4, 5, 23, 0));
  });

  it("posts once per week across ticks and instances (store.markSeen), covering the 7 days before", async () => {
    const store = await createMemoryStore();
    const posted: Figures[] = [];
    const tick = (now: number) =>
      runDigestTick({
        schedule,
        now,
        store,
        figures: async (since, until) => computeFigures([], { ...options(), since, until, now: until }),
        post: async (week) => void posted.push(week),
      });
    expect(await tick(monday9 - M)).toBe(false);
    expect(await tick(monday9 + M)).toBe(true);
    expect(await tick(monday9 + 6 * M)).toBe(false);
    expect(posted).toHaveLength(1);
    expect(posted[0]!.until - posted[0]!.since).toBe(7 * 86_400_000);
    expect(posted[0]!.until).toBe(monday9);
    await store.close();
  });
});

describe("report and export-feedback", () => {
  it("parses windows and refuses nonsense with the fix", () => {
    expect(parseWindow("7d")).toBe(7 * 86_400_000);
    expect(parseWindow("24h")).toBe(86_400_000);
    expect(() => parseWindow("a week")).toThrow(/use a number and a unit, e.g. 24h, 7d or 30d/);
  });

  it("table and CSV carry the same figures, one team per CSV row", () => {
    const f = computeFigures([handled({ claimAfter: 2 * M }), handled({ team: "billing", claimAfter: M })], options());
    const csv = formatReportCsv(f).trim().split("\n");
    expect(csv[0]).toMatch(/^team,escalations,escalation_rate,by_reason,/);
    expect(csv.map((row) => row.split(",")[0])).toEqual(["team", "all", "support", "billing"]);
    expect(csv[2]).toContain(",120,");
    const table = formatReportTable(f);
    expect(table).toMatch(/to claim p50 s\s+90\s+120\s+60/);
    expect(csv[0]).toContain(",feedback_right_call,feedback_bot_should_handle,feedback_escalated_too_late,");
    expect(table).toMatch(/fb: right call\s+0\s+0\s+0\n/);
  });

  it("exports 'the bot should have handled this' as corpus rows the assistant can read, PII masked", () => {
    const c = handled({ claimAfter: M });
    c.transcript = [buildTranscriptEntry({ text: 'my card 4111 1111 1111 1111 was charged twice, "why"?', at: BASE_TIME })];
    c.feedback = [
      { kind: "bot_should_have_handled", escalationId: c.escalations[0]!.id, agentId: "slack:U1", at: BASE_TIME, intent: "payment_issue" },
    ];
    const other = handled({ claimAfter: M });
    other.feedback = [{ kind: "escalated_too_late", escalationId: other.escalations[0]!.id, agentId: "slack:U1", at: BASE_TIME }];
    const right = handled({ claimAfter: M });
    right.transcript = [buildTranscriptEntry({ text: "where is order 1042", at: BASE_TIME })];
    right.feedback = [{ kind: "right_call", escalationId: right.escalations[0]!.id, agentId: "slack:U1", at: BASE_TIME }];
    const examples = feedbackExamples([c, other, right], {
      privacy: { maskCards: true, maskEmails: true, maskPhones: true, transcriptRetentionDays: 90 },
      policy: policySchema.parse({}),
    });
    expect(examples).toHaveLength(1);
    expect(examples[0]!.text).not.toContain("4111 1111");
    const csv = formatExamplesCsv(examples);
    expect(parseCorpus(`${csv}${"fine thanks,greeting\n"}`, "export")).toEqual([...examples, { text: "fine thanks", intent: "greeting" }]);
  });

  it("`warmline report --format json` reads the SQLite store the config points at", async () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-report-"));
    try {
      const store = await createSqliteStore({ file: join(dir, "warmline.sqlite") });
      const now = Date.now();
      const c = handled({ createdAt: now - 3_600_000, claimAfter: 2 * M });
      c.escalations[0]!.team = "billing";
      await store.create(c);
      await store.close();
      const root = new URL("../../", import.meta.url).pathname;
      const { stdout } = await promisify(execFile)(
        process.execPath,
        [join(root, "bin/warmline.js"), "report", "--since", "24h", "--format", "json", "--data-dir", dir],
        { cwd: dir },
      );
      const figures = JSON.parse(stdout) as Figures;
      expect(figures.teams.billing).toMatchObject({ escalations: 1, timeToClaim: { medianSeconds: 120 } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
