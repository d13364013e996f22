import type { App, BlockAction, StaticSelectAction } from "@slack/bolt";
import type { ActionsBlock, HomeView, PlainTextOption } from "@slack/types";
import { ALL_TEAMS, type Figures } from "../../src/analytics/compute-figures.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { Logger } from "../../src/ports/logger.js";
import type { SlackTeamInfo } from "./context-card.js";
import { escapeSlackPlainText } from "./escape.js";
import { buildFiguresBlocks } from "./figures-blocks.js";
import { describeSlackError } from "./slack-errors.js";
import { SLACK_MAX_BLOCKS, SLACK_OPTION_TEXT_LIMIT, SLACK_OPTION_VALUE_LIMIT, cutToLimit } from "./slack-limits.js";

/** Home tabs take up to 100 blocks. */
export const SLACK_HOME_MAX_BLOCKS = 100;
/** A static_select takes up to 100 options: "All teams" and 99 teams. */
export const SLACK_SELECT_MAX_OPTIONS = 100;
/** conversations.members page size; Slack recommends no more than 200. */
const SLACK_MEMBERS_PAGE_SIZE = 200;

/** The Home tab's team picker; its value is a team key or ALL_TEAMS. */
export const SLACK_HOME_TEAM_ACTION = "warmline_home_team";
const SLACK_HOME_TEAM_BLOCK = "warmline_home_team";

export interface DashboardFigures {
  today: Figures;
  week: Figures;
}

export interface AppHomeDeps {
  /** Figures for today (since local midnight) and the last 7 days. */
  figures(): Promise<DashboardFigures>;
  teams: readonly SlackTeamInfo[];
  /** Each team's rota: a viewer on one sees that team's figures first. */
  config: Pick<WarmlineConfig, "teams">;
  /** Team key → channel id: a viewer who is a member of one sees that team's figures first. */
  teamChannels: Readonly<Record<string, string>>;
  logger: Logger;
}

/** What a Home tab shows: one team (its key) or ALL_TEAMS, and whether the viewer picked it. */
export interface HomeSelection {
  team: string;
  /** Picked in the team picker: kept in the view's private_metadata so reopening the tab keeps it. */
  picked: boolean;
}

function teamPicker(teams: readonly SlackTeamInfo[], shown: string): ActionsBlock {
  const option = (value: string, name: string): PlainTextOption => ({
    text: { type: "plain_text", text: cutToLimit(escapeSlackPlainText(name), SLACK_OPTION_TEXT_LIMIT, "…") },
    value,
  });
  const pickable = teams.filter((t) => t.key.length <= SLACK_OPTION_VALUE_LIMIT);
  // The team shown stays listed even past the option limit: initial_option must be one of the options.
  const listed = pickable.slice(0, SLACK_SELECT_MAX_OPTIONS - 1);
  const current = pickable.find((t) => t.key === shown);
  if (current && !listed.includes(current)) listed[listed.length - 1] = current;
  const options = [option(ALL_TEAMS, "All teams"), ...listed.map((t) => option(t.key, t.displayName))];
  return {
    type: "actions",
    block_id: SLACK_HOME_TEAM_BLOCK,
    elements: [
      {
        type: "static_select",
        action_id: SLACK_HOME_TEAM_ACTION,
        placeholder: { type: "plain_text", text: "Show a team…" },
        options,
        initial_option: options.find((o) => o.value === shown)!,
      },
    ],
  };
}

/** A team key the dashboard can show, or ALL_TEAMS. */
function shownTeam(teams: readonly SlackTeamInfo[], team: string | undefined): string | undefined {
  return team === ALL_TEAMS || teams.some((t) => t.key === team) ? team : undefined;
}

/** The Home tab: a team picker, then one team's figures (or everyone's) for today and the last 7 days. */
export function buildHomeView(
  figures: DashboardFigures,
  teams: readonly SlackTeamInfo[],
  selection: HomeSelection = { team: ALL_TEAMS, picked: false },
): HomeView {
  const team = shownTeam(teams, selection.team) ?? ALL_TEAMS;
  const name = teams.find((t) => t.key === team)?.displayName;
  return {
    type: "home",
    private_metadata: selection.picked ? team : "",
    blocks: buildFiguresBlocks({
      title: name === undefined ? "Warmline escalations" : `Warmline escalations · ${escapeSlackPlainText(name)}`,
      week: figures.week,
      today: figures.today,
      teams,
      maxBlocks: SLACK_HOME_MAX_BLOCKS,
      controls: [teamPicker(teams, team)],
      ...(team !== ALL_TEAMS ? { team } : {}),
    }),
  };
}

/** The weekly digest message for the ops channel (messages take 50 blocks). */
export function buildDigestMessage(
  week: Figures,
  teams: readonly SlackTeamInfo[],
): { text: string; blocks: ReturnType<typeof buildFiguresBlocks> } {
  return {
    text: "Weekly escalation digest",
    blocks: buildFiguresBlocks({ title: ":bar_chart: Weekly escalation digest", week, teams, maxBlocks: SLACK_MAX_BLOCKS }),
  };
}

/**
 * The viewer's own team: the first whose rota lists them, else the first whose channel they are
 * in, else ALL_TEAMS. A channel Slack will not list is skipped (logged with its fix).
 */
async function viewerTeam(client: App["client"], deps: AppHomeDeps, user: string, logger: Logger): Promise<string> {
  const onRota = deps.teams.find((t) => deps.config.teams[t.key]?.rota.includes(user));
  if (onRota) return onRota.key;
  for (const team of deps.teams) {
    const channel = deps.teamChannels[team.key];
    if (channel === undefined) continue;
    try {
      let cursor: string | undefined;
      do {
        const page = await client.conversations.members({ channel, limit: SLACK_MEMBERS_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        if (page.members?.includes(user)) return team.key;
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (error) {
      const info = describeSlackError(error);
      logger.warn(
        { err: error, team: team.key, channel, slackError: info.code },
        `Could not list a team channel's members for the Home tab (${info.code}): ${info.fix}`,
      );
    }
  }
  return ALL_TEAMS;
}

/**
 * Publishes the dashboard whenever someone opens the app's Home tab, on the viewer's own team
 * (or the one they last picked), and again for the team they pick. Never throws into Bolt.
 */
export function registerAppHome(app: App, deps: AppHomeDeps): void {
  const logger = deps.logger.child({ component: "slack-home" });
  const publish = async (client: App["client"], user: string, select: () => Promise<HomeSelection>) => {
    try {
      const view = buildHomeView(await deps.figures(), deps.teams, await select());
      await client.views.publish({ user_id: user, view });
    } catch (error) {
      const info = describeSlackError(error);
      logger.error({ err: error, user, slackError: info.code }, `Could not publish the Home tab dashboard (${info.code}): ${info.fix}`);
    }
  };

  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    await publish(client, event.user, async () => {
      const picked = shownTeam(deps.teams, event.view?.private_metadata);
      return picked !== undefined
        ? { team: picked, picked: true }
        : { team: await viewerTeam(client, deps, event.user, logger), picked: false };
    });
  });

  app.action<BlockAction<StaticSelectAction>>(SLACK_HOME_TEAM_ACTION, async ({ ack, body, action, client }) => {
    await ack();
    await publish(client, body.user.id, async () => ({ team: action.selected_option.value, picked: true }));
  });
}

/** Posts the weekly digest to the ops channel. */
export async function postWeeklyDigest(
  client: App["client"],
  channel: string,
  week: Figures,
  teams: readonly SlackTeamInfo[],
): Promise<void> {
  const message = buildDigestMessage(week, teams);
  await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
}
