/**
 * Customer text is untrusted: escaped before it goes into any Slack message so it cannot ping
 * anyone (`<!channel>`, `<@U123>`), fake a link, or restyle the card around it.
 */

/** Zero-width space: invisible, but it stops Slack from parsing what follows as markup. */
const ZWSP = "\u200B";
/** Every escape below starts from one of these; most chat lines have none and are returned as they are. */
const MAY_NEED_ESCAPING = /[&<>@`]/;

/** Escapes Slack's three control characters; Slack's clients send text escaped the same way. */
export function escapeSlackEntities(text: string): string {
  return text.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;");
}

/**
 * Escapes customer text for mrkdwn. Beyond `& < >` it breaks the bare special mentions
 * (`@channel`, `@here`, `@everyone`), which Slack links in mrkdwn blocks that are not
 * `verbatim`, a leading `>` that would fake a quote, and a triple backtick that would turn
 * everything after it (other transcript lines, the card's own labels) into code.
 * WhatsApp's own *bold*, _italic_ and ~strike~ are left alone: they mean the same in Slack.
 */
export function escapeSlackText(text: string): string {
  if (!MAY_NEED_ESCAPING.test(text)) return text;
  return escapeSlackEntities(text)
    .replace(/@(channel|here|everyone)\b/gi, `@${ZWSP}$1`)
    .replace(/^(\s*)&gt;/gm, `$1${ZWSP}&gt;`)
    .replace(/```/g, `\`${ZWSP}\`${ZWSP}\``);
}

/** For plain_text objects (headers, buttons): Slack shows them literally, so only mentions matter. */
export function escapeSlackPlainText(text: string): string {
  return text.replace(/@(channel|here|everyone)\b/gi, `@${ZWSP}$1`);
}
