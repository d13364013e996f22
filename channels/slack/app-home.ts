import type { App } from "@slack/bolt";
import type { HomeView } from "@slack/types";
import type { Figures } from "../../src/analytics/compute-figures.js";
import type { Logger } from "../../src/ports/logger.js";
import type { SlackTeamInfo } from "./context-card.js";
import { buildFiguresBlocks } from "./figures-blocks.js";
import { describeSlackError } from "./slack-errors.js";
import { SLACK_MAX_BLOCKS } from "./slack-limits.js";

/** Home tabs take up to 100 blocks. */
export const SLACK_HOME_MAX_BLOCKS = 100;

export interface DashboardFigures {
  today: Figures;
  week: Figures;
}

export interface AppHomeDeps {
  /** Figures for today (since local midnight) and the last 7 days. */
  figures(): Promise<DashboardFigures>;
  teams: readonly SlackTeamInfo[];
  logger: Logger;
}

export function buildHomeView(figures: DashboardFigures, teams: readonly SlackTeamInfo[]): HomeView {
  return { type: "home", blocks: buildFiguresBlocks({ title: "Warmline escalations", week: figures.week, today: figures.today, teams, maxBlocks: SLACK_HOME_MAX_BLOCKS }) };
}

/** The weekly digest message for the ops channel (messages take 50 blocks). */
export function buildDigestMessage(week: Figures, teams: readonly SlackTeamInfo[]): { text: string; blocks: ReturnType<typeof buildFiguresBlocks> } {
  return {
    text: "Weekly escalation digest",
    blocks: buildFiguresBlocks({ title: ":bar_chart: Weekly escalation digest", week, teams, maxBlocks: SLACK_MAX_BLOCKS }),
  };
}

/** Publishes the dashboard whenever someone opens the app's Home tab. */
export function registerAppHome(app: App, deps: AppHomeDeps): void {
  const logger = deps.logger.child({ component: "slack-home" });
  app.event("app_home_opened", async ({ event, client }) => {
    if (event.tab !== "home") return;
    try {
      const view = buildHomeView(await deps.figures(), deps.teams);
      await client.views.publish({ user_id: event.user, view });
    } catch (error) {
      const info = describeSlackError(error);
      logger.error({ err: error, slackError: info.code }, `Could not publish the Home tab dashboard (${info.code}): ${info.fix}`);
    }
  });
}

/** Posts the weekly digest to the ops channel. */
export async function postWeeklyDigest(client: App["client"], channel: string, week: Figures, teams: readonly SlackTeamInfo[]): Promise<void> {
  const message = buildDigestMessage(week, teams);
  await client.chat.postMessage({ channel, text: message.text, blocks: message.blocks, unfurl_links: false });
}
