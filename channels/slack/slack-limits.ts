/**
 * Slack's Block Kit and message limits, enforced by `cutToLimit` wherever text goes into Slack.
 * https://docs.slack.dev/reference/block-kit/blocks
 */
export const SLACK_SECTION_TEXT_LIMIT = 3000;
export const SLACK_SECTION_FIELD_LIMIT = 2000;
export const SLACK_CONTEXT_TEXT_LIMIT = 3000;
export const SLACK_HEADER_TEXT_LIMIT = 150;
export const SLACK_MAX_BLOCKS = 50;
export const SLACK_BUTTON_TEXT_LIMIT = 75;
export const SLACK_BUTTON_VALUE_LIMIT = 2000;
export const SLACK_OPTION_TEXT_LIMIT = 75;
export const SLACK_OPTION_VALUE_LIMIT = 150;
export const SLACK_BLOCK_ID_LIMIT = 255;
export const SLACK_MODAL_TITLE_LIMIT = 24;
export const SLACK_PRIVATE_METADATA_LIMIT = 3000;
/** Slack truncates message text at 40,000 characters and recommends staying under 4,000. */
export const SLACK_MESSAGE_TEXT_LIMIT = 4000;

export const CUT_MARKER = "… (cut — full text in thread)";

/** Never end a cut inside `&amp;` (the entity would show broken) or between a surrogate pair. */
function safeCutIndex(text: string, index: number): number {
  let at = index;
  const amp = text.lastIndexOf("&", at);
  if (amp !== -1 && amp >= at - 5 && /^&(amp|lt|gt);/.test(text.slice(amp)) && text.indexOf(";", amp) >= at) at = amp;
  const code = text.charCodeAt(at - 1);
  if (code >= 0xd800 && code <= 0xdbff) at -= 1;
  return Math.max(0, at);
}

/**
 * Cuts `text` to at most `limit` characters, ending with a visible marker when anything was cut.
 * `marker` "…" suits short labels (buttons, options) where the full marker would not fit.
 */
export function cutToLimit(text: string, limit: number, marker: string = CUT_MARKER): string {
  if (text.length <= limit) return text;
  const mark = marker.length < limit ? marker : "…";
  return text.slice(0, safeCutIndex(text, limit - mark.length)) + mark;
}

/** The largest index <= `limit` at which `text` can be split without breaking an entity or a surrogate pair. */
export function safeSplitIndex(text: string, limit: number): number {
  if (text.length <= limit) return text.length;
  const at = safeCutIndex(text, limit);
  // A pathological run could leave nothing; split at the limit then rather than loop forever.
  return at > 0 ? at : limit;
}
