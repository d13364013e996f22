import type { App, BlockAction, StaticSelectAction } from "@slack/bolt";
import type { ActionsBlock, HomeView, PlainTextOption } from "@slack/types";
import { ALL_TEAMS, type Figures } from "../../src/analytics/compute-figures.js";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { Logger } from "../../src/ports/logger.js";
import type { SlackTeamInfo } from "./context-card.js";
import { escapeSlackPlainText } from "./escape.js";
import { buildFiguresBlocks } from "./figures-blocks.js";
import { describeSlackError } from "./slack-errors.js";
import { SLACK_NO_TEAM_TEXT, type SlackTeamAccess } from "./team-access.js";
import { SLACK_MAX_BLOCKS, SLACK_OPTION_TEXT_LIMIT, SLACK_OPTION_VALUE_LIMIT, cutToLimit } from "./slack-limits.js";
import { listenersOf } from "./listener-router.js";

/** Home tabs take up to 100 blocks. */
export const SLACK_HOME_MAX_BLOCKS = 100;
/** A static_select takes up to 100 options: "All teams" and 99 teams. */
export const SLACK_SELECT_MAX_OPTIONS = 100;

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
  /** Each team's rota (a viewer on one sees that team's figures first) and slack.admins (who see every team). */
  config: Pick<WarmlineConfig, "teams" | "slack">;
  /** Which teams a viewer may see (rota, team channel, admin): the only ones listed or shown. */
  access: SlackTeamAccess;
  logger: Logger;
}

/** What a Home tab shows: one team (its key) or ALL_TEAMS, and whether the viewer picked it. */
export interface HomeSelection {
  team: string;
  /** Picked in the team picker: kept in the view's private_metadata so reopening the tab keeps it. */
  picked: boolean;
}

function teamPicker(teams: readonly SlackTeamInfo[], shown: string, allTeams: boolean): ActionsBlock {
  const option = (value: string, name: string): PlainTextOption => ({
    text: { type: "plain_text", text: cutToLimit(escapeSlackPlainText(name), SLACK_OPTION_TEXT_LIMIT, "…") },
    value,
  });
  const pickable = teams.filter((t) => t.key.length <= SLACK_OPTION_VALUE_LIMIT);
  // The team shown stays listed even past the option limit: initial_option must be one of the options.
  const listed = pickable.slice(0, SLACK_SELECT_MAX_OPTIONS - 1);
  const current = pickable.find((t) => t.key === shown);
  if (current && !listed.includes(current)) listed[listed.length - 1] = current;
  const options = [...(allTeams ? [option(ALL_TEAMS, "All teams")] : []), ...listed.map((t) => option(t.key, t.displayName))];
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

/**
 * The Home tab: a team picker, then one team's figures (or everyone's) for today and the last 7 days.
 * `teams` are the ones the viewer may see; "All teams" is offered and shown only when `allTeams`.
 */
export function buildHomeView(
  figures: DashboardFigures,
  teams: readonly SlackTeamInfo[],
  selection: HomeSelection = { team: ALL_TEAMS, picked: false },
  allTeams = true,
): HomeView {
  const known = teams.some((t) => t.key === selection.team) || (allTeams && selection.team === ALL_TEAMS);
  const team = known ? selection.team : allTeams || teams.length === 0 ? ALL_TEAMS : teams[0]!.key;
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
      controls: [teamPicker(teams, team, allTeams)],
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

/** What a viewer may see: the teams (in config order) and whether "All teams" is theirs (admins only). */
interface Visible {
  teams: SlackTeamInfo[];
  all: boolean;
}

/** The view for someone who may see no team: who can see figures, and how to become one of them. */
export function buildNoTeamHomeView(): HomeView {
  return {
    type: "home",
    private_metadata: "",
    blocks: [
      { type: "header", text: { type: "plain_text", text: "Warmline escalations" } },
      {
        type: "context",
        elements: [
          {
            type: "mrkdwn",
            text: SLACK_NO_TEAM_TEXT,
          },
        ],
      },
    ],
  };
}

/**
 * Publishes the dashboard whenever someone opens the app's Home tab, on the viewer's own team
 * (or the one they last picked), and again for the team they pick. Only teams the viewer may see
 * are listed or shown, checked on the server: a crafted pick or view falls back to their own team.
 * Never throws into Bolt.
 */
export function registerAppHome(app: App, deps: AppHomeDeps): void {
  const on = listenersOf(app);
  const logger = deps.logger.child({ component: "slack-home" });
  const visibleTo = async (user: string): Promise<Visible> => {
    if (deps.config.slack.admins.includes(user)) return { teams: [...deps.teams], all: true };
    const keys = new Set(await deps.access.teamsOf(user));
    return { teams: deps.teams.filter((t) => keys.has(t.key)), all: false };
  };
  const publish = async (user: string, client: App["client"], wanted: string | undefined, picked: boolean) => {
    try {
      const visible = await visibleTo(user);
      let view: HomeView;
      if (visible.teams.length === 0 && !visible.all) view = buildNoTeamHomeView();
      else {
        const allowed = (team: string | undefined) => (team === ALL_TEAMS ? visible.all : visible.teams.some((t) => t.key === team));
        if (picked && wanted !== undefined && wanted !== "" && !allowed(wanted) && deps.teams.some((t) => t.key === wanted))
          logger.warn({ user, team: wanted }, "Refused a Home tab pick of a team the viewer may not see");
        // Their own team first: the first whose rota lists them, else the first they may see.
        const own =
          visible.teams.find((t) => deps.config.teams[t.key]?.rota.includes(user)) ?? (visible.all ? undefined : visible.teams[0]);
        const selection = allowed(wanted) ? { team: wanted!, picked } : { team: own?.key ?? ALL_TEAMS, picked: false };
        view = buildHomeView(await deps.figures(), visible.teams, selection, visible.all);
      }
      await client.views.publish({ user_id: user, view });
    } catch (error) {
      const info = describeSlackError(error);
      logger.error({ err: error, user, slackError: info.code }, `Could not publish the Home tab dashboard (${info.code}): ${info.fix}`);
    }
  };

  on.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    const remembered = event.view?.private_metadata || undefined;
    await publish(event.user, client, remembered, remembered !== undefined);
  });

  on.action<BlockAction<StaticSelectAction>>(SLACK_HOME_TEAM_ACTION, async ({ ack, body, action, client }) => {
    await ack();
    await publish(body.user.id, client, action.selected_option.value, true);
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
