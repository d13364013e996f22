/**
 * The Home tab dashboard per team, through the real Bolt receiver: it opens on the viewer's own
 * team (rota, then channel membership; all teams for an admin), lists only teams the viewer may
 * see, refuses any other pick on the server, and the team picker re-publishes it.
 */
import type { ActionsBlock, KnownBlock, StaticSelect } from "@slack/types";
import { afterEach, describe, expect, it } from "vitest";
import { SLACK_HOME_TEAM_ACTION } from "../../channels/slack/app-home.js";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { SLACK_MEMBERS_TTL_MS } from "../../channels/slack/team-access.js";
import { ALL_TEAMS } from "../../src/analytics/compute-figures.js";
import { HARNESS_CHANNELS } from "../helpers/slack-harness.js";
import { allText, expectWithinSlackLimits } from "../slack/card-limits.js";
import { ALEX, SAM, startAnalyticsHarness, type AnalyticsHarness } from "./analytics-harness.js";

const STRANGER = "U0CROWD09";
/** A Warmline admin (slack.admins): sees every team and "All teams". */
const ADMIN = "U0ADMIN01";
/** Enough members that finding SAM takes more than one conversations.members page. */
const BILLING_MEMBERS = ["U0CROWD01", "U0CROWD02", "U0CROWD03", SAM];

let h: AnalyticsHarness | undefined;
afterEach(async () => {
  await h?.close();
  h = undefined;
});

/** ALEX is on retention's rota; SAM is a member of billing's channel. */
async function start(): Promise<AnalyticsHarness> {
  h = await startAnalyticsHarness({
    configure: (config) => {
      config.teams.retention!.rota = [ALEX];
      config.slack.admins = [ADMIN];
    },
    channels: HARNESS_CHANNELS.map((c) => (c.id === "C0BILLING" ? { ...c, members: BILLING_MEMBERS } : c)),
  });
  return h;
}

interface PublishedHome {
  type: string;
  blocks: KnownBlock[];
  private_metadata?: string;
}

/** The view the `nth` views.publish call (1-based) for `user` sent, checked against Slack's limits. */
async function published(harness: AnalyticsHarness, user: string, nth = 1): Promise<PublishedHome> {
  const calls = () => harness.api.callsTo("views.publish").filter((c) => c.args.user_id === user);
  await expect.poll(() => calls().length).toBeGreaterThanOrEqual(nth);
  const view = calls()[nth - 1]!.args.view as PublishedHome;
  expect(view.type).toBe("home");
  expectWithinSlackLimits({ blocks: view.blocks });
  return view;
}

function picker(view: PublishedHome): StaticSelect {
  const block = view.blocks.find(
    (b): b is ActionsBlock => b.type === "actions" && b.elements.some((e) => e.action_id === SLACK_HOME_TEAM_ACTION),
  );
  expect(block, "the Home tab has a team picker").toBeDefined();
  return block!.elements[0] as StaticSelect;
}

/** The lines of the view's only section. */
function sectionLines(view: PublishedHome): string[] {
  const sections = view.blocks.filter((b) => b.type === "section");
  expect(sections).toHaveLength(1);
  return (sections[0]!.text?.text ?? "").split("\n");
}

/** The bold names that start each team's section: which teams the view shows. */
function teamsShown(view: PublishedHome): string[] {
  return view.blocks.flatMap((b) => (b.type === "section" && b.text ? [/^\*([^*]+)\*/.exec(b.text.text)?.[1] ?? ""] : []));
}

describe("the Home tab opens on the viewer's team", () => {
  it("a member of retention's rota sees retention's figures, with its claim deadline and open queue", async () => {
    const harness = await start();
    const c = await harness.escalateWith("I want to cancel my order 100311 please");
    harness.clock.advance(120_000);

    expect((await harness.openHome(ALEX)).status).toBe(200);
    const waiting = await published(harness, ALEX);
    expect(teamsShown(waiting)).toEqual(["Customer Care"]);
    expect(waiting.blocks[0]).toMatchObject({ type: "header", text: { text: "Warmline escalations · Customer Care" } });
    expect(picker(waiting).initial_option?.value).toBe("retention");
    expect(waiting.private_metadata).toBe("");
    expect(sectionLines(waiting)).toEqual([
      "*Customer Care* · :inbox_tray: 1 waiting, 0 with an agent, oldest 2 min",
      "*Escalation rate* today 100% (1) · 7 days 100% (1)",
      "*By trigger* today Priority request 1 · 7 days Priority request 1",
      "*Median time to claim* today – · 7 days – · deadline 5 min",
      "*First agent reply* median today – · 7 days –",
      "*Abandoned while waiting* today 0% (0) · 7 days 0% (0)",
      "*Survey score* today – · 7 days –",
      "*Customers repeated themselves after the claim* today – · 7 days – — lower is better",
      "*Agent feedback* 7 days –",
    ]);

    await harness.press(SLACK_ACTION_IDS.claim, ALEX, c);
    await harness.openHome(ALEX);
    const after = allText((await published(harness, ALEX, 2)).blocks);
    expect(after).toContain("0 waiting, 1 with an agent");
    expect(after).toMatch(/\*Median time to claim\* today 2 min · 7 days 2 min · deadline 5 min \(100% within\)/);
    // ALEX is in no team channel: the picker lists retention alone, and no "All teams".
    expect(picker(waiting).options?.map((o) => o.value)).toEqual(["retention"]);
  });

  it("a member of billing's channel sees billing's figures", async () => {
    const harness = await start();
    await harness.openHome(SAM);
    const view = await published(harness, SAM);
    expect(teamsShown(view)).toEqual(["Billing"]);
    expect(picker(view).initial_option?.value).toBe("billing");
    expect(allText(view.blocks)).toContain("deadline 15 min");
    // Paged through billing's members (the fake answers two at a time) to find SAM.
    const billing = harness.api.callsTo("conversations.members").filter((call) => call.args.channel === "C0BILLING");
    expect(billing.length).toBeGreaterThan(1);
  });

  it("a channel's member list is read once a minute, not at every opening", async () => {
    const harness = await start();
    const billingPages = () => harness.api.callsTo("conversations.members").filter((call) => call.args.channel === "C0BILLING").length;
    await harness.openHome(SAM);
    expect(teamsShown(await published(harness, SAM))).toEqual(["Billing"]);
    const listed = billingPages();
    expect(listed).toBeGreaterThan(1);
    harness.clock.advance(SLACK_MEMBERS_TTL_MS - 1000);
    await harness.openHome(SAM);
    expect(teamsShown(await published(harness, SAM, 2))).toEqual(["Billing"]);
    expect(billingPages()).toBe(listed);
    // A minute on, someone who joined or left is seen: the list is read again.
    harness.clock.advance(1000);
    await harness.openHome(SAM);
    expect(teamsShown(await published(harness, SAM, 3))).toEqual(["Billing"]);
    expect(billingPages()).toBe(2 * listed);
  });

  it("an admin sees all teams, with the picker listing each team", async () => {
    const harness = await start();
    await harness.openHome(ADMIN);
    const view = await published(harness, ADMIN);
    expect(teamsShown(view)).toEqual(["All teams", "Support", "Customer Care", "Billing", "Priority Care"]);
    const select = picker(view);
    expect(select.initial_option?.value).toBe(ALL_TEAMS);
    expect(select.options?.map((o) => [o.value, o.text.text])).toEqual([
      [ALL_TEAMS, "All teams"],
      ["support", "Support"],
      ["retention", "Customer Care"],
      ["billing", "Billing"],
      ["priority", "Priority Care"],
    ]);
  });

  it("a channel Slack will not list is logged with its fix and skipped", async () => {
    const harness = await start();
    harness.api.failNext("conversations.members", { error: "missing_scope" }, { when: (args) => args.channel === "C0SUPPORT" });
    await harness.openHome(SAM);
    const view = await published(harness, SAM);
    expect(teamsShown(view)).toEqual(["Billing"]);
    const warning = harness.logs.find((l) => l.level === "warn" && l.message.startsWith("Could not list a team channel's members"));
    expect(warning?.message).toContain("missing_scope");
    expect(warning?.message).toContain("add the missing scope (see manifest.json)");
    expect(warning?.context).toMatchObject({ team: "support", channel: "C0SUPPORT" });
  });
});

describe("the Home tab's team picker", () => {
  it("re-publishes the picked team's view, remembered in private_metadata when the tab is opened again", async () => {
    const harness = await start();
    await harness.openHome(ADMIN);
    expect(teamsShown(await published(harness, ADMIN, 1))[0]).toBe("All teams");

    const response = await harness.pickHomeTeam(ADMIN, "billing");
    expect(response.status).toBe(200);
    const billing = await published(harness, ADMIN, 2);
    expect(teamsShown(billing)).toEqual(["Billing"]);
    expect(picker(billing).initial_option?.value).toBe("billing");
    expect(billing.private_metadata).toBe("billing");

    // Slack sends the current view with the next app_home_opened: the pick outlives the rota.
    await harness.openHome(ADMIN, { private_metadata: billing.private_metadata! });
    expect(teamsShown(await published(harness, ADMIN, 3))).toEqual(["Billing"]);

    await harness.pickHomeTeam(ADMIN, ALL_TEAMS, { private_metadata: "billing" });
    const all = await published(harness, ADMIN, 4);
    expect(teamsShown(all)[0]).toBe("All teams");
    expect(all.private_metadata).toBe(ALL_TEAMS);
    await harness.openHome(ADMIN, { private_metadata: ALL_TEAMS });
    expect(teamsShown(await published(harness, ADMIN, 5))[0]).toBe("All teams");
  });

  it("a team that is no longer configured shows the viewer's own team", async () => {
    const harness = await start();
    await harness.pickHomeTeam(SAM, "gone");
    const view = await published(harness, SAM);
    expect(teamsShown(view)).toEqual(["Billing"]);
    expect(view.private_metadata).toBe("");
  });

  it("a failed publish is logged with its fix and never reaches Bolt", async () => {
    const harness = await start();
    harness.api.failNext("views.publish", { error: "invalid_auth" });
    const response = await harness.pickHomeTeam(SAM, "billing");
    expect(response.status).toBe(200);
    await expect
      .poll(() => harness.logs.find((l) => l.level === "error" && l.message.startsWith("Could not publish the Home tab dashboard")))
      .toBeDefined();
    const error = harness.logs.find((l) => l.message.startsWith("Could not publish the Home tab dashboard"))!;
    expect(error.message).toContain("SLACK_BOT_TOKEN is wrong");
    expect(error.context).toMatchObject({ user: SAM, slackError: "invalid_auth" });
    expect(harness.api.homeViews.has(SAM)).toBe(false);
  });
});

describe("the Home tab shows only teams the viewer may see", () => {
  it("someone on no rota and in no team channel sees no figures, only who can see them", async () => {
    const harness = await start();
    await harness.escalateWith("I want to cancel my order 100311 please");
    await harness.openHome(STRANGER);
    const view = await published(harness, STRANGER);
    const text = allText(view.blocks);
    expect(teamsShown(view)).toEqual([]);
    expect(text).not.toMatch(/waiting|Escalation rate|Customer Care|Billing/);
    expect(text).toContain("ask a Warmline admin to add you to a team's rota, or join the team's channel");
    expect(view.blocks.some((b) => b.type === "actions")).toBe(false);
  });

  it("a crafted pick of another team (or All teams) is refused on the server: the viewer keeps seeing only their own", async () => {
    const harness = await start();
    await harness.escalateWith("I want to cancel my order 100311 please");
    // SAM sees billing only: the picker offers no other team and no "All teams".
    await harness.openHome(SAM);
    const own = await published(harness, SAM, 1);
    expect(picker(own).options?.map((o) => o.value)).toEqual(["billing"]);

    await harness.pickHomeTeam(SAM, "retention");
    const refused = await published(harness, SAM, 2);
    expect(teamsShown(refused)).toEqual(["Billing"]);
    expect(allText(refused.blocks)).not.toContain("Customer Care");
    expect(refused.private_metadata).toBe("");

    await harness.pickHomeTeam(SAM, ALL_TEAMS);
    expect(teamsShown(await published(harness, SAM, 3))).toEqual(["Billing"]);

    // A stale or crafted view carrying another team's key is refused the same way.
    await harness.openHome(SAM, { private_metadata: "retention" });
    expect(teamsShown(await published(harness, SAM, 4))).toEqual(["Billing"]);

    await harness.pickHomeTeam(STRANGER, "retention");
    const stranger = await published(harness, STRANGER);
    expect(teamsShown(stranger)).toEqual([]);
    expect(allText(stranger.blocks)).not.toContain("Customer Care");
  });

  it("a refused pick is logged; an admin's pick of any team is not refused", async () => {
    const harness = await start();
    await harness.pickHomeTeam(SAM, "retention");
    await published(harness, SAM);
    const refusal = harness.logs.find((l) => l.message === "Refused a Home tab pick of a team the viewer may not see");
    expect(refusal?.context).toMatchObject({ user: SAM, team: "retention" });
    await harness.pickHomeTeam(ADMIN, "retention");
    expect(teamsShown(await published(harness, ADMIN))).toEqual(["Customer Care"]);
  });
});
