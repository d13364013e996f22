import { DELIVERY_STATE_RANK, type DeliveryState } from "../../src/ports/customer-channel.js";
import { decodeSlackMessageRef } from "./slack-ids.js";
import { ignoringSlackErrors, type SlackPosting } from "./slack-posting.js";

/** Delivery state → reaction on the agent's message. Ranked (DELIVERY_STATE_RANK) so a late "delivered" never replaces "read". */
export const SLACK_DELIVERY_REACTIONS: Record<DeliveryState, { emoji: string; rank: number }> = {
  sent: { emoji: "outbox_tray", rank: DELIVERY_STATE_RANK.sent },
  delivered: { emoji: "white_check_mark", rank: DELIVERY_STATE_RANK.delivered },
  read: { emoji: "eyes", rank: DELIVERY_STATE_RANK.read },
  failed: { emoji: "x", rank: DELIVERY_STATE_RANK.failed },
};

/** Per-process memory of the last reaction per message, bounded. */
const SLACK_REACTION_MEMORY_LIMIT = 10_000;

/** Shows a relayed reply's WhatsApp delivery state as one reaction on the agent's message, replacing the last. */
export class SlackDeliveryReactions {
  private readonly reactions = new Map<string, { emoji: string; rank: number }>();

  constructor(private readonly posting: SlackPosting) {}

  async markDelivery(messageRef: string, state: DeliveryState): Promise<void> {
    const { client } = this.posting;
    const ref = decodeSlackMessageRef(messageRef);
    const next = SLACK_DELIVERY_REACTIONS[state];
    const previous = this.reactions.get(messageRef);
    if (previous && previous.rank >= next.rank) return;
    this.reactions.set(messageRef, next);
    if (this.reactions.size > SLACK_REACTION_MEMORY_LIMIT) this.reactions.delete(this.reactions.keys().next().value!);
    try {
      if (previous)
        await ignoringSlackErrors(["no_reaction"], () =>
          client.reactions.remove({ channel: ref.channel, timestamp: ref.ts, name: previous.emoji }),
        );
      await ignoringSlackErrors(["already_reacted"], () =>
        client.reactions.add({ channel: ref.channel, timestamp: ref.ts, name: next.emoji }),
      );
    } catch (error) {
      // Not shown, so not remembered: the outbox's retry must not find it done already.
      if (this.reactions.get(messageRef) === next) {
        if (previous) this.reactions.set(messageRef, previous);
        else this.reactions.delete(messageRef);
      }
      throw await this.posting.failed("reactions.add", error, { messageRef, state }, `<#${ref.channel}>`);
    }
  }
}
