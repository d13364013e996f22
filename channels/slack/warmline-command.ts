import type { App } from "@slack/bolt";
import type { WarmlineConfig } from "../../src/config/schema.js";
import type { AgentRef } from "../../src/domain/conversation.js";
import { isWarmlineError } from "../../src/domain/errors.js";
import type { AdminActions, TeamStatus } from "../../src/ports/agent-workspace.js";
import type { Logger } from "../../src/ports/logger.js";
import { SLACK_NO_TEAM_TEXT, type SlackTeamAccess } from "./team-access.js";
import { listenersOf } from "./listener-router.js";

export const SLACK_COMMAND = "/warmline";

/** How long /warmline forget waits for the erasure before answering that it goes on (Slack waits 3 s for an answer). */
export const FORGET_ANSWER_WITHIN_MS = 2_000;

function describeErasure(conversations: number, threadsNotErased: number | undefined): string {
  let text = `:wastebasket: Forgot ${conversations} conversation${conversations === 1 ? "" : "s"} and every record of that customer, with their cards and threads in Slack.`;
  if (threadsNotErased)
    text += ` :warning: ${threadsNotErased} thread${threadsNotErased === 1 ? "" : "s"} could not be erased (see Warmline's log): delete ${threadsNotErased === 1 ? "it" : "them"} by hand.`;
  return text;
}

function describeCommandError(error: unknown): string {
  return isWarmlineError(error) ? error.message : "That failed unexpectedly; it is in Warmline's log.";
}

/** Resolves to undefined after `ms`, without holding the process open. */
function delay(ms: number): Promise<undefined> {
  return new Promise((resolve) => setTimeout(() => resolve(undefined), ms).unref());
}

function formatWait(ms: number | undefined): string {
  if (ms === undefined) return "";
  const minutes = Math.round(ms / 60_000);
  return minutes < 60 ? `, oldest waiting ${minutes} min` : `, oldest waiting ${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}

export function formatStatus(teams: TeamStatus[]): string {
  if (teams.length === 0) return "No teams are configured.";
  const lines = teams.map((t) => `• *${t.displayName}*: ${t.queued} waiting, ${t.assigned} with an agent${formatWait(t.oldestWaitMs)}`);
  return `*Open escalations*\n${lines.join("\n")}`;
}

const HELP = [
  "*Warmline commands*",
  "`/warmline status`: open escalations for each team you may see, with the longest wait",
  "`/warmline forget <phone or address>`: delete everything about a customer, in Warmline and in Slack (admins only)",
  "`/warmline replay [id]`: send again the messages that failed for good (admins only)",
  "`/warmline help`: this list",
  "In an escalation thread, the claimant's replies go to the customer; start a reply with `//` to keep it internal.",
].join("\n");

export interface WarmlineCommandDeps {
  admin: AdminActions;
  config: Pick<WarmlineConfig, "slack">;
  access: SlackTeamAccess;
  logger: Logger;
  agentFor(userId: string): Promise<AgentRef>;
  /** A note only the asker sees, in the channel they typed the command in. */
  ephemeral(target: { channel: string; user: string }, text: string): Promise<void>;
}

/** The answer to someone who is not a Warmline admin: what they cannot do, and how to get it done. */
const adminsOnly = (what: string): string =>
  `:no_entry: Only Warmline admins can ${what}. Ask one, or have your user id added to slack.admins in warmline.config.json.`;

/** `/warmline status | forget | replay | help`, answered to the asker only. */
export function registerWarmlineCommand(app: App, deps: WarmlineCommandDeps): void {
  const on = listenersOf(app);
  const { admin, config, logger, agentFor, ephemeral } = deps;
  on.command(SLACK_COMMAND, async ({ ack, command }) => {
    const [sub = "help", ...rest] = command.text.trim().split(/\s+/).filter(Boolean);
    const isAdmin = config.slack.admins.includes(command.user_id);
    let text: string;
    try {
      switch (sub.toLowerCase()) {
        case "status": {
          // Only the teams the asker may see (every team for an admin), checked on the server.
          const mine = isAdmin ? undefined : new Set(await deps.access.teamsOf(command.user_id));
          const teams = (await admin.status()).filter((t) => mine === undefined || mine.has(t.team));
          text = mine?.size === 0 ? SLACK_NO_TEAM_TEXT : formatStatus(teams);
          break;
        }
        case "forget": {
          if (!isAdmin) {
            text = adminsOnly("forget customers");
            break;
          }
          const given = rest.join("");
          // A phone number, or the customer's channel address (a WhatsApp linked id has no phone: "whatsapp:…@lid").
          const phone = given.replace(/[\s().-]/g, "");
          const customer = /^\+?\d{6,15}$/.test(phone) ? phone : /^[a-z]+:\S+$/i.test(given) ? given : undefined;
          if (customer === undefined) {
            text =
              "Usage: `/warmline forget <phone or address>`: the number in international form, e.g. `/warmline forget +447700900123`, or the customer's WhatsApp address, e.g. `/warmline forget whatsapp:123456789012345@lid`.";
            break;
          }
          const erasure = admin.forgetCustomer(customer, await agentFor(command.user_id)).then(({ conversations, threadsNotErased }) => {
            logger.info({ by: command.user_id, conversations }, "Customer forgotten on an admin's request");
            return describeErasure(conversations, threadsNotErased);
          });
          // Erasure first waits for a message of theirs being processed (up to a lease's life if its instance died),
          // and Slack gives up on an answer after 3 s: past FORGET_ANSWER_WITHIN_MS the result comes as a note.
          const answer = await Promise.race([erasure, delay(FORGET_ANSWER_WITHIN_MS)]);
          if (answer !== undefined) {
            text = answer;
            break;
          }
          const asker = { channel: command.channel_id, user: command.user_id };
          void erasure.then(
            (done) => ephemeral(asker, done),
            (error: unknown) => ephemeral(asker, `:warning: Could not forget that customer: ${describeCommandError(error)}`),
          );
          text =
            ":hourglass_flowing_sand: Forgetting that customer once the message of theirs being processed is done; you'll get a note here.";
          break;
        }
        case "replay": {
          if (!isAdmin) {
            text = adminsOnly("replay failed messages");
            break;
          }
          const replayed = (await admin.replayFailed?.(rest[0])) ?? 0;
          text =
            replayed === 0
              ? "Nothing to replay: no message has failed for good."
              : `:repeat: Sending ${replayed} failed message${replayed === 1 ? "" : "s"} again.`;
          logger.info({ by: command.user_id, replayed }, "Failed messages replayed on an admin's request");
          break;
        }
        default:
          text = HELP;
      }
    } catch (error) {
      logger.error({ err: error, sub }, "The /warmline command failed");
      text = `:warning: ${describeCommandError(error)}`;
    }
    await ack({ response_type: "ephemeral", text });
  });
}
