import type { WebClient } from "@slack/web-api";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { WarmlineError } from "../../src/domain/errors.js";
import { describeSlackError } from "./slack-errors.js";

/** conversations.list page size; Slack allows up to 1000 but recommends no more than 200. */
const SLACK_LIST_PAGE_SIZE = 200;

export interface ResolvedTeamChannels {
  /** Team key → channel id. */
  teams: Record<string, string>;
  ops?: string;
}

interface KnownChannel {
  id: string;
  name: string;
  isMember: boolean;
}

async function listChannels(client: WebClient): Promise<KnownChannel[]> {
  const channels: KnownChannel[] = [];
  let cursor: string | undefined;
  do {
    const page = await client.conversations.list({
      types: "public_channel,private_channel",
      exclude_archived: true,
      limit: SLACK_LIST_PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    for (const c of page.channels ?? []) {
      if (c.id && c.name) channels.push({ id: c.id, name: c.name, isMember: c.is_member === true });
    }
    cursor = page.response_metadata?.next_cursor || undefined;
  } while (cursor);
  return channels;
}

/** A channel given by id may be private and unlisted; conversations.info tells us whether it exists. */
async function lookUpById(client: WebClient, id: string): Promise<KnownChannel | undefined> {
  try {
    const result = await client.conversations.info({ channel: id });
    const c = result.channel;
    return c?.id ? { id: c.id, name: c.name ?? id, isMember: c.is_member === true } : undefined;
  } catch (error) {
    if (describeSlackError(error).code === "channel_not_found") return undefined;
    throw error;
  }
}

/**
 * Resolves every team channel (and the ops channel) named in the config, by `#name` or id, and
 * checks the app is a member of each. Reports every problem at once, each with its fix.
 */
export async function resolveTeamChannels(
  client: WebClient,
  config: Pick<WarmlineConfig, "teams" | "slack">,
): Promise<ResolvedTeamChannels> {
  let known: KnownChannel[];
  try {
    known = await listChannels(client);
  } catch (error) {
    const info = describeSlackError(error);
    throw new WarmlineError("channel_unavailable", `Could not list Slack channels (${info.code}): ${info.fix}.`, error);
  }
  const byName = new Map(known.map((c) => [c.name, c]));
  const byId = new Map(known.map((c) => [c.id, c]));

  const missing: string[] = [];
  const notMember: string[] = [];
  const find = async (target: string, setting: string, owner: string): Promise<string | undefined> => {
    const channel = target.startsWith("#") ? byName.get(target.slice(1)) : (byId.get(target) ?? (await lookUpById(client, target)));
    if (!channel) {
      missing.push(
        `  - ${target} (${owner}) was not found: create it, or if it is private invite the app with /invite @Warmline in it, or fix ${setting} in warmline.config.json.`,
      );
      return undefined;
    }
    if (!channel.isMember) {
      notMember.push(`  - the app is not in #${channel.name} (${owner}): invite the app with /invite @Warmline in #${channel.name}.`);
      return undefined;
    }
    return channel.id;
  };

  const teams: Record<string, string> = {};
  for (const [key, team] of Object.entries(config.teams)) {
    const id = await find(team.channel, `teams.${key}.channel`, `team "${key}"`);
    if (id) teams[key] = id;
  }
  const ops = config.slack.opsChannel ? await find(config.slack.opsChannel, "slack.opsChannel", "ops channel") : undefined;

  const problems = [...missing, ...notMember];
  if (problems.length > 0) {
    throw new WarmlineError(
      "slack_channel_missing",
      `Warmline can't use ${problems.length} Slack channel${problems.length === 1 ? "" : "s"}:\n${problems.join("\n")}`,
    );
  }
  return { teams, ...(ops ? { ops } : {}) };
}
