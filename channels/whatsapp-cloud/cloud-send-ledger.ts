import { WarmlineError } from "../../src/domain/errors.js";
import type { Clock } from "../../src/ports/clock.js";
import type { ConversationStore } from "../../src/ports/conversation-store.js";

/**
 * Meta echoes a message's `biz_opaque_callback_data` in every status webhook of that message
 * (sent, delivered, read, failed). Warmline puts the outbox item's id there, so a status says
 * "this item's message reached Meta" even when the process that sent it died before hearing so.
 */
export const CLOUD_SEND_TAG_PREFIX = "warmline:";
/** Statuses are remembered as long as Meta redelivers webhooks; an outbox item in doubt is retried well within that. */
export const CLOUD_STATUS_RECORD_TTL_MS = 7 * 24 * 60 * 60 * 1000;
/** While an in-doubt send waits for its status, it is looked at again this often (at most). */
export const CLOUD_IN_DOUBT_RECHECK_MS = 1_000;
/** Refusals remembered in memory (the oldest go first): a refused send is retried without waiting. */
const CLOUD_REFUSED_MEMORY_LIMIT = 10_000;

/** The tag of part `part` of the outbox item `key` (a long text or several files go as several messages). */
export function cloudSendTag(key: string, part: number): string {
  return `${CLOUD_SEND_TAG_PREFIX}${key}#${part}`;
}

export function isCloudSendTag(value: string | undefined): value is string {
  return value?.startsWith(CLOUD_SEND_TAG_PREFIX) ?? false;
}

const statusKey = (tag: string) => `whatsapp-cloud:status:${tag}`;
const attemptKey = (tag: string) => `whatsapp-cloud:attempt:${tag}`;

export interface CloudSendLedgerOptions {
  store: Pick<ConversationStore, "isSeen" | "markSeen">;
  clock: Clock;
  /** How long a send may stay unconfirmed (no status yet) before it is taken as lost and sent again. */
  graceMs: number;
}

/**
 * What is known, across restarts and instances, about each tagged send: that it was attempted (a
 * record that lapses after the grace period), and that Meta reported a status for it. An in-doubt
 * retry sends again only what has no status, once its last attempt is older than the grace period
 * and this process has listened for webhooks that long (Meta holds statuses back while we are down).
 */
export class CloudSendLedger {
  private readonly refused = new Set<string>();
  private listeningSince: number | undefined;

  constructor(private readonly options: CloudSendLedgerOptions) {}

  /** Webhooks can reach this process from now on. */
  listening(): void {
    this.listeningSince = this.options.clock.now();
  }

  /** A status webhook carried this tag: the message reached Meta. Stored before Meta hears 200. */
  async statusReported(tag: string): Promise<void> {
    await this.options.store.markSeen(statusKey(tag), CLOUD_STATUS_RECORD_TTL_MS);
  }

  /** Recorded before each POST: a crash from here on leaves the send in doubt for the grace period. */
  async attempting(tag: string): Promise<void> {
    this.refused.delete(tag);
    await this.options.store.markSeen(attemptKey(tag), this.options.graceMs);
  }

  /** Meta answered with an error: that attempt sent nothing, so the retry need not wait. */
  refusedByMeta(tag: string): void {
    this.refused.add(tag);
    if (this.refused.size > CLOUD_REFUSED_MEMORY_LIMIT) this.refused.delete(this.refused.values().next().value!);
  }

  /**
   * For an in-doubt retry: the first part that has to go (tags.length when all went). Throws a
   * retry-later error while the first part without a status may still get one.
   */
  async firstUnsent(tags: readonly string[]): Promise<number> {
    const { store, clock, graceMs } = this.options;
    let first = tags.length;
    // Parts go one after the other: a status for one means every earlier one went too.
    while (first > 0 && !(await store.isSeen(statusKey(tags[first - 1]!)))) first -= 1;
    const tag = tags[first];
    if (tag === undefined || this.refused.has(tag)) return first;
    // Its status may still come: the attempt is recent, or Meta may be holding it back since we were down.
    const listenedMs = clock.now() - (this.listeningSince ?? clock.now());
    if (listenedMs >= graceMs && !(await store.isSeen(attemptKey(tag)))) return first;
    const waitMs = listenedMs < graceMs ? Math.min(graceMs - listenedMs, CLOUD_IN_DOUBT_RECHECK_MS) : CLOUD_IN_DOUBT_RECHECK_MS;
    throw new WarmlineError(
      "delivery_failed",
      `A WhatsApp Cloud API send may have gone through before a crash or a failed answer, and Meta has not reported it yet: it is sent again only if no status arrives within ${Math.round(graceMs / 1000)} s (whatsapp.inDoubtGraceMs).`,
      undefined,
      { retry: "rate_limited", retryAfterMs: waitMs },
    );
  }
}
