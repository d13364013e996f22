import type { ContextPackage } from "../../src/domain/context-package.js";
import { slackDate } from "./context-card.js";
import { escapeSlackText } from "./escape.js";
import { SLACK_SECTION_TEXT_LIMIT, safeSplitIndex } from "./slack-limits.js";

export type SlackTranscriptLine = ContextPackage["transcript"][number];

/** One mrkdwn line per transcript entry: author, time (in the reader's zone), the language where it changes, escaped text. */
export function renderTranscriptLine(line: SlackTranscriptLine): string {
  const language = line.language ? ` (in ${escapeSlackText(line.language)})` : "";
  return `*${escapeSlackText(line.author)}* _${slackDate(line.at, "{time}")}_${language}: ${escapeSlackText(line.text)}`;
}

export function renderTranscript(transcript: readonly SlackTranscriptLine[]): string {
  return transcript.map(renderTranscriptLine).join("\n");
}

/**
 * Splits text into chunks of at most `limit` characters, preferring line ends, never inside an
 * entity or a surrogate pair. Lossless: `chunks.join("") === text` (line ends stay in their chunk).
 */
export function splitForSlack(text: string, limit = SLACK_SECTION_TEXT_LIMIT): string[] {
  const chunks: string[] = [];
  let rest = text;
  while (rest.length > limit) {
    const newline = rest.lastIndexOf("\n", limit - 1);
    const end = newline > 0 ? newline + 1 : safeSplitIndex(rest, limit);
    chunks.push(rest.slice(0, end));
    rest = rest.slice(end);
  }
  if (rest.length > 0) chunks.push(rest);
  return chunks;
}

/** The full transcript as thread replies, each within Slack's section text limit. */
export function buildTranscriptPosts(transcript: readonly SlackTranscriptLine[], limit = SLACK_SECTION_TEXT_LIMIT): string[] {
  return splitForSlack(renderTranscript(transcript), limit);
}
