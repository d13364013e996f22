import type { WebClient } from "@slack/web-api";
import type { Logger } from "../../src/ports/logger.js";
import { describeSlackError } from "./slack-errors.js";

/** Anyone on the rota active in Slack now. An empty rota (anyone in the channel) or an unreadable presence counts as yes. */
export async function anyRotaMemberActive(client: WebClient, logger: Logger, team: string, rota: readonly string[]): Promise<boolean> {
  if (rota.length === 0) return true;
  try {
    for (const user of rota) {
      const presence = await client.users.getPresence({ user });
      if (presence.presence === "active") return true;
    }
    return false;
  } catch (error) {
    const info = describeSlackError(error);
    logger.warn(
      { team, slackError: info.code },
      `Could not read the rota's presence (${info.code}): ${info.fix}; assuming someone is there`,
    );
    return true;
  }
}
