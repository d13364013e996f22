import type { Conversation, TranscriptEntry } from "../domain/conversation.js";
import type { ConversationIndexEntry } from "./conversation-index.js";
import type { TranscriptWrite } from "./store-backend.js";

/** Conversations whose last stored version is kept in memory: the hot set, not every conversation stored. */
export const CONVERSATION_CACHE_SIZE = 500;

/** A conversation as last stored, without its transcript, and its transcript entries. */
export interface StoredParts {
  version: number;
  /** The conversation without its transcript, as JSON: parsed afresh for every reader, so none can change another's copy. */
  head: string;
  /** Frozen, and shared by every copy handed out: entries are replaced, never changed in place. */
  entries: readonly TranscriptEntry[];
  /** Each entry's JSON, to tell a changed entry from an equal copy. */
  json: readonly string[];
  /**
   * The index entry written with this version, when this process wrote it (not when it was read): the
   * next write diffs its index against it, as it diffs the transcript, and sets only what changed.
   */
  index?: ConversationIndexEntry;
  /** Read from a document that still held its transcript (written before transcripts were rows): the next write rewrites them all. */
  legacy?: boolean;
}

/**
 * The last stored version of the hot conversations (least recently used first out). A write
 * diffs its transcript against it, so only new or changed entries are written; a read whose
 * stored version still matches is served from it after one small read.
 */
export class ConversationCache {
  private readonly parts = new Map<string, StoredParts>();

  constructor(private readonly size = CONVERSATION_CACHE_SIZE) {}

  /** The cached parts, if they are of `version`. */
  at(conversationId: string, version: number): StoredParts | undefined {
    const parts = this.parts.get(conversationId);
    return parts?.version === version ? parts : undefined;
  }

  /** The cached parts of any version: current only if the store still has that version. */
  latest(conversationId: string): StoredParts | undefined {
    const parts = this.parts.get(conversationId);
    if (parts !== undefined) {
      // Most recently used last.
      this.parts.delete(conversationId);
      this.parts.set(conversationId, parts);
    }
    return parts;
  }

  remember(conversation: Pick<Conversation, "id" | "state">, parts: StoredParts): void {
    this.parts.delete(conversation.id);
    // A resolved conversation is done with: keeping it would fill the cache with the cold.
    if (conversation.state === "resolved") return;
    this.parts.set(conversation.id, parts);
    if (this.parts.size > this.size) this.parts.delete(this.parts.keys().next().value!);
  }

  forget(conversationId: string): void {
    this.parts.delete(conversationId);
  }
}

/** A caller's own copy: a fresh top level (and head), the shared frozen entries in a new array. */
export function conversationOf(parts: StoredParts): Conversation {
  // The parsed head is already a fresh object: given its transcript in place, not copied into another.
  const conversation = JSON.parse(parts.head) as Conversation;
  conversation.transcript = parts.entries.slice();
  return conversation;
}

/** The conversation's parts as it was read from the store (entries as JSON, in order). */
export function partsOf(head: Omit<Conversation, "transcript">, json: string[], legacy = false): StoredParts {
  return {
    version: head.version,
    head: JSON.stringify(head),
    entries: json.map((entry) => deepFreeze(JSON.parse(entry) as TranscriptEntry)),
    json,
    ...(legacy ? { legacy } : {}),
  };
}

/**
 * What writing `conversation` (its head as `headJson`) over `base` (the stored version it was built
 * from) changes in the transcript, and the parts stored after it. An entry identical (===) to the stored one is
 * unchanged without a look; otherwise its JSON decides. Without a base, every entry is rewritten.
 */
export function transcriptChange(
  conversation: Conversation,
  headJson: string,
  base: StoredParts | undefined,
): { write: TranscriptWrite; parts: StoredParts } {
  const replace = base === undefined || base.legacy === true;
  const entries: TranscriptEntry[] = [];
  const json: string[] = [];
  const changed: TranscriptWrite["changed"] = [];
  conversation.transcript.forEach((entry, position) => {
    const stored = replace ? undefined : base.entries[position];
    if (stored !== undefined && entry === stored) {
      entries.push(stored);
      json.push(base!.json[position]!);
      return;
    }
    const text = JSON.stringify(entry);
    if (stored !== undefined && text === base!.json[position]) {
      entries.push(stored);
      json.push(text);
      return;
    }
    entries.push(deepFreeze(JSON.parse(text) as TranscriptEntry));
    json.push(text);
    changed.push({ position, entry: text });
  });
  return {
    write: { length: conversation.transcript.length, changed, replace },
    parts: { version: conversation.version, head: headJson, entries, json },
  };
}

/** The conversation without its transcript: the small record every write rewrites. */
export function headOf(conversation: Conversation): Omit<Conversation, "transcript"> {
  const { transcript: _transcript, ...head } = conversation;
  return head;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === "object" && value !== null && !Object.isFrozen(value)) {
    Object.freeze(value);
    for (const child of Object.values(value)) deepFreeze(child);
  }
  return value;
}
