import { type App, defaultProcessEventErrorHandler, SocketModeReceiver, type SocketModeReceiverOptions } from "@slack/bolt";
import type { Logger as SlackLogger } from "@slack/logger";

/** What SocketModeClient hands a `slack_event` listener. */
interface SocketModeEvent {
  ack: (response?: Record<string, unknown>) => Promise<void>;
  body: { type?: string } & Record<string, unknown>;
  retry_num?: number;
  retry_reason?: string;
}

/**
 * Bolt's SocketModeReceiver, acknowledging an Events API envelope only once its listeners have run, as
 * HTTP mode's processBeforeResponse answers Slack only then. Bolt acks an event before any listener
 * runs, so an agent's reply received by a process that died before storing it was never sent again.
 * Unacknowledged, Slack sends the envelope again (retry_attempt 1, 2, …), and the listeners refuse a
 * second copy of what was stored. Interactivity and slash commands are acked by their listeners, as
 * before: the ack carries their answer (a view's errors), and Slack waits at most 3 s for it.
 */
export function createSocketReceiver(options: SocketModeReceiverOptions & { logger: SlackLogger }): SocketModeReceiver {
  const receiver = new SocketModeReceiver(options);
  let app: App | undefined;
  const init = receiver.init.bind(receiver);
  receiver.init = (bolt) => {
    app = bolt;
    init(bolt);
  };
  // Bolt's own listener acks first; this one replaces it.
  receiver.client.removeAllListeners("slack_event");
  receiver.client.on("slack_event", async ({ ack, body, retry_num, retry_reason }: SocketModeEvent) => {
    const isEvent = body.type === "event_callback";
    let acked = false;
    const ackOnce = async (response?: Record<string, unknown>) => {
      if (acked) return;
      acked = true;
      await ack(response);
    };
    const event = {
      body,
      // An event's early ack from Bolt is held: the envelope is acked below, after the listeners.
      ack: async (response?: Record<string, unknown>) => (isEvent ? undefined : ackOnce(response)),
      retryNum: retry_num,
      retryReason: retry_reason,
      customProperties: {},
    };
    try {
      await app?.processEvent(event);
      if (isEvent) await ackOnce();
    } catch (error) {
      // Unacknowledged, Slack sends it again: unless Bolt's own handler says a retry cannot help.
      if (await defaultProcessEventErrorHandler({ error: error as Error, logger: options.logger, event })) await ackOnce();
    }
  });
  return receiver;
}
