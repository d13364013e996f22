import type { App } from "@slack/bolt";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { Clock } from "../../src/ports/clock.js";
import type { Logger } from "../../src/ports/logger.js";
import { describeSlackError } from "./slack-errors.js";

/** Told to someone who may see no team's figures: who can, and how to become one of them. */
export const SLACK_NO_TEAM_TEXT =
  "Escalation figures are shown to each team's rota, the members of its channel, and Warmline admins. To see a team's figures, ask a Warmline admin to add you to a team's rota, or join the team's channel.";

/** conversations.members page size: Slack's recommended maximum. */
const SLACK_MEMBERS_PAGE_SIZE = 200;

/**
 * How long a team channel's member list is trusted. Every Home tab opening and `/warmline status` checks
 * each team for a viewer on none of their rotas, and a channel of a thousand is five pages; someone who
 * joins or leaves a channel is seen within this. A list Slack refused is not kept: the next check asks again.
 */
export const SLACK_MEMBERS_TTL_MS = 60_000;

export interface SlackTeamAccess {
  /** Whether `user` may see what `team` holds: a Warmline admin, on the team's rota, or a member of its channel. */
  maySee(user: string, team: string): Promise<boolean>;
  /** The teams (keys) `user` may see, in config order; every team for an admin. */
  teamsOf(user: string): Promise<string[]>;
}

/**
 * Who may see a team's conversations and figures, checked on the server with Slack's own member
 * list (a public channel's messages can be read by people who never joined it). A channel Slack
 * will not list counts as no members (logged with its fix): access fails closed.
 */
export function createSlackTeamAccess(
  client: App["client"],
  config: Pick<WarmlineConfig, "teams" | "slack">,
  teamChannels: Readonly<Record<string, string>>,
  logger: Logger,
  clock: Clock,
): SlackTeamAccess {
  // One entry per team channel, so nothing to evict. A Map on the engine's clock rather than keyv's TTL, which reads Date.now.
  const lists = new Map<string, { members: ReadonlySet<string>; until: number }>();
  const membersOf = async (team: string, channel: string): Promise<ReadonlySet<string>> => {
    const known = lists.get(channel);
    if (known !== undefined && known.until > clock.now()) return known.members;
    const members = new Set<string>();
    try {
      let cursor: string | undefined;
      do {
        const page = await client.conversations.members({ channel, limit: SLACK_MEMBERS_PAGE_SIZE, ...(cursor ? { cursor } : {}) });
        for (const member of page.members ?? []) members.add(member);
        cursor = page.response_metadata?.next_cursor || undefined;
      } while (cursor);
    } catch (error) {
      const info = describeSlackError(error);
      logger.warn({ team, channel, slackError: info.code }, `Could not list a team channel's members (${info.code}): ${info.fix}`);
      return new Set();
    }
    lists.set(channel, { members, until: clock.now() + SLACK_MEMBERS_TTL_MS });
    return members;
  };
  const inChannel = async (user: string, team: string): Promise<boolean> => {
    const channel = teamChannels[team];
    return channel !== undefined && (await membersOf(team, channel)).has(user);
  };
  const access: SlackTeamAccess = {
    async maySee(user, team) {
      if (config.slack.admins.includes(user)) return true;
      if (config.teams[team]?.rota.includes(user)) return true;
      return inChannel(user, team);
    },
    async teamsOf(user) {
      const teams: string[] = [];
      for (const team of Object.keys(config.teams)) if (await access.maySee(user, team)) teams.push(team);
      return teams;
    },
  };
  return access;
}
