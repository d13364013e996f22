import type { App, MessageShortcut } from "@slack/bolt";
import type { AgentActions } from "../../src/ports/agent-workspace.js";
import type { Logger } from "../../src/ports/logger.js";
import { mentionedSlackUserIds, mrkdwnToWhatsApp } from "./mrkdwn-to-whatsapp.js";
import { describeSlackError } from "./slack-errors.js";
import { encodeSlackMessageRef, encodeSlackThreadRef } from "./slack-ids.js";
import type { SlackWorkspaceAdapter } from "./slack-workspace.js";
import { listenersOf } from "./listener-router.js";

/** The "Send to customer" message shortcut (manifest.json): with slack.notesByDefault, how a reply without ">>" is relayed. */
export const SLACK_SEND_TO_CUSTOMER_CALLBACK = "warmline_send_to_customer";

export interface SendToCustomerDeps {
  actions: Pick<AgentActions, "agentReply">;
  workspace: Pick<SlackWorkspaceAdapter, "users" | "teamForChannel">;
  logger: Logger;
}

/**
 * Relays the agent's own reply in an escalation thread to the customer. The engine decides as for
 * any reply (claimant only, open conversation, a `//` note stays a note); a reply already relayed
 * is not sent twice.
 */
export function registerSendToCustomer(app: App, deps: SendToCustomerDeps): void {
  const on = listenersOf(app);
  const logger = deps.logger.child({ component: "slack-send-to-customer" });
  on.shortcut<MessageShortcut>(SLACK_SEND_TO_CUSTOMER_CALLBACK, async ({ ack, shortcut, client }) => {
    await ack();
    const { message, channel, user } = shortcut;
    const tell = (text: string) =>
      client.chat
        .postEphemeral({ channel: channel.id, user: user.id, text, ...(message.thread_ts ? { thread_ts: message.thread_ts } : {}) })
        .catch((error: unknown) => logger.warn({ slackError: describeSlackError(error).code }, "Could not answer Send to customer"));
    const threadTs = message.thread_ts;
    if (!threadTs || threadTs === message.ts || message.user !== user.id || deps.workspace.teamForChannel(channel.id) === undefined) {
      await tell(":warning: Send to customer works on your own replies in an escalation thread.");
      return;
    }
    try {
      const raw = message.text ?? "";
      const names = new Map<string, string>();
      for (const id of mentionedSlackUserIds(raw)) names.set(id, await deps.workspace.users.displayName(id));
      const result = await deps.actions.agentReply(
        encodeSlackThreadRef({ channel: channel.id, threadTs }),
        await deps.workspace.users.agentRef(user.id),
        mrkdwnToWhatsApp(raw, { userName: (id) => names.get(id) }),
        encodeSlackMessageRef({ channel: channel.id, ts: message.ts }),
        undefined,
        { send: true },
      );
      if (!result.relayed)
        await tell(":lock: Not sent: only the claimant's replies in an open conversation reach the customer, and `//` notes never do.");
    } catch (error) {
      logger.error({ err: error }, "Send to customer failed");
      await tell(":warning: That didn't work because of an unexpected error; it is in Warmline's log.");
    }
  });
}
