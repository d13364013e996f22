/**
 * What the bench's parent (load generator, fake Slack Web API) and its child (the system under
 * test, with the fake WhatsApp client inside it) say to each other over IPC. Every request carries
 * an id and gets exactly one reply with the same id; "sent" reports flow back unasked.
 */

/** The system under test: the bare-Bolt floor, or Warmline on one of its stores. */
export type BenchTarget = "floor" | "sqlite" | "memory" | "redis";

export interface InstanceSpec {
  target: BenchTarget;
  /** The parent's fake Slack Web API (ends with /api/). */
  slackApiUrl: string;
  signingSecret: string;
  botToken: string;
  /** Warmline on Redis: the server and the key namespace (instances sharing one see one store). */
  redisUrl?: string;
  redisNamespace?: string;
  /** Warmline's data directory (SQLite file, instance id): made and removed by the parent, so a killed child leaves nothing behind. */
  dataDir?: string;
}

/** The customer's messages and the agents' replies carry this marker, so each delivery is matched to its send. */
export const BENCH_TOKEN_PATTERN = /\bbench(\d+)x\b/;
export const benchToken = (seq: number): string => `bench${seq}x`;

/** A conversation's card thread, as the child knows it (after the customer asked for a person). */
export interface BenchThread {
  chatId: string;
  channel: string;
  threadTs: string;
  /** Warmline only: what a Claim button carries. */
  conversationId?: string;
  escalationId?: string;
}

export interface ProcessUsage {
  /** process.cpuUsage(): user + system, microseconds. */
  cpuMicros: number;
  rssBytes: number;
  heapUsedBytes: number;
  /** The event loop's delay since the previous usage request (monitorEventLoopDelay): how long the main thread stalled. */
  loopDelayP99Ms: number;
  loopDelayMaxMs: number;
  /** Share of the time since the previous usage request the main thread spent running (performance.eventLoopUtilization): near 1, no headroom is left. */
  mainThreadBusy: number;
  /** Warmline: outbound items stored and not yet delivered (its outbox; the floor keeps none), delivery reactions included. */
  outboxPending?: number;
}

/** The customer types on WhatsApp: one way, unanswered (deliveries are reported as "sent" or seen by the fake Slack). */
export interface CustomerSays {
  kind: "customer-says";
  chatId: string;
  text: string;
  name?: string;
}

export type ParentRequest =
  /** Replies once every listed chat has a card thread (or fails after timeoutMs). */
  | { kind: "threads"; chatIds: string[]; timeoutMs: number }
  /** Replies once every listed chat's conversation is claimed (the floor has no claims: at once). */
  | { kind: "claimed"; chatIds: string[]; timeoutMs: number }
  /** Warmline: stores `count` copies of the template chat's conversation, open or resolved, straight through the store. */
  | { kind: "seed"; templateChatId: string; count: number; state: "open" | "resolved" }
  /** Warmline: pads each listed conversation's transcript to `length` entries through the store. */
  | { kind: "pad-transcripts"; chatIds: string[]; length: number }
  /** Resolves once the instance has handled everything it received (or after timeoutMs). */
  | { kind: "idle"; timeoutMs: number }
  | { kind: "usage" }
  | { kind: "stop" };

export type ChildReply =
  | { kind: "ok" }
  | { kind: "threads"; threads: BenchThread[] }
  | { kind: "usage"; usage: ProcessUsage }
  | { kind: "idle"; drained: boolean }
  | { kind: "failed"; message: string };

export type ParentMessage = CustomerSays | { id: number; request: ParentRequest };

export type ChildMessage =
  | { kind: "ready"; port: number }
  | { kind: "start-failed"; message: string }
  | { kind: "reply"; id: number; reply: ChildReply }
  /** The child's fake WhatsApp client sent a message carrying a bench token. */
  | { kind: "sent"; chatId: string; seq: number };

/** What the child's system under test answers: both the floor and Warmline; Warmline adds seeding and padding. */
export interface SystemUnderTest {
  port: number;
  threadOf(chatId: string): Promise<BenchThread | undefined>;
  isClaimed(chatId: string): Promise<boolean>;
  seed?(request: Extract<ParentRequest, { kind: "seed" }>): Promise<void>;
  padTranscripts?(chatIds: string[], length: number): Promise<void>;
  /** Warmline: how many outbound items wait in its outbox. */
  outboxPending?(): Promise<number>;
  idle(): Promise<void>;
  stop(): Promise<void>;
}
