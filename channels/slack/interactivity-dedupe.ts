import type { App } from "@slack/bolt";
import { WarmlineError } from "../../src/domain/errors.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";
import type { Logger } from "../../src/ports/logger.js";

/** Slack accepts a signed request for five minutes; remembering a click for ten covers that and clock skew. */
export const SLACK_INTERACTION_DEDUPE_TTL_MS = 10 * 60 * 1000;

/**
 * The key one interaction is known by. Interactivity payloads carry no event id, so a click is
 * (user, action_id, action_ts, container) and a modal submission (user, callback_id, view id, hash):
 * a second click is a new action_ts, a replayed capture is the same one.
 */
export function slackInteractionKey(body: unknown): string | undefined {
  if (typeof body !== "object" || body === null) return undefined;
  const b = body as {
    type?: unknown;
    user?: { id?: unknown };
    actions?: { action_id?: unknown; action_ts?: unknown }[];
    container?: { message_ts?: unknown; channel_id?: unknown; view_id?: unknown };
    view?: { id?: unknown; hash?: unknown; callback_id?: unknown };
  };
  const user = typeof b.user?.id === "string" ? b.user.id : undefined;
  if (!user) return undefined;
  if (b.type === "block_actions") {
    const action = b.actions?.[0];
    if (typeof action?.action_id !== "string" || typeof action.action_ts !== "string") return undefined;
    const container = [b.container?.channel_id, b.container?.message_ts, b.container?.view_id]
      .filter((x) => typeof x === "string")
      .join(":");
    return `slack:action:${user}:${action.action_id}:${action.action_ts}:${container}`;
  }
  if (b.type === "view_submission" && typeof b.view?.id === "string")
    return `slack:view:${user}:${String(b.view.callback_id)}:${b.view.id}:${String(b.view.hash)}`;
  return undefined;
}

/**
 * How long a copy being handled holds off copies sent meanwhile: far longer than a handler runs, and
 * after a crash mid-handler the copy sent again acts once it has passed.
 */
export const SLACK_INTERACTION_RUNNING_TTL_MS = 30_000;

/**
 * A Bolt middleware: an interaction already handled (here or on another instance sharing the
 * store) within ten minutes is acknowledged and dropped, so a captured click cannot act twice.
 * It is recorded as handled only once its handler ran: recorded before, a click whose process died
 * mid-way stayed recorded and its copy sent again was dropped, so it never acted. While one copy
 * runs, a copy racing it is refused (markSeen is atomic across instances) with an error and never
 * acknowledged: its sender gets no 200 and may send it again.
 */
export function registerInteractionDedupe(app: App, seen: Pick<ConversationStore, "markSeen" | "isSeen">, logger: Logger): void {
  app.use(async ({ body, next, ack }) => {
    const key = slackInteractionKey(body);
    if (key === undefined) return next();
    if (await seen.isSeen(key)) {
      logger.warn({ key }, "Replayed Slack interaction ignored");
      await ack?.();
      return;
    }
    if (!(await seen.markSeen(`${key}:running`, SLACK_INTERACTION_RUNNING_TTL_MS))) {
      throw new WarmlineError(
        "store_conflict",
        `Slack interaction ${key} arrived while a copy of it was being handled: send it again once that one is done (within ${SLACK_INTERACTION_RUNNING_TTL_MS / 1000} s).`,
      );
    }
    await next();
    await seen.markSeen(key, SLACK_INTERACTION_DEDUPE_TTL_MS);
  });
}
