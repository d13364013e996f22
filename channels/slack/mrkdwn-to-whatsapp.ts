import * as nodeEmoji from "node-emoji";

/**
 * Slack mrkdwn (as it arrives in message events) → WhatsApp text. Both use *bold*, _italic_
 * and ~strike~; links, mentions, entities, emoji shortcodes and inline code differ.
 */

export interface MrkdwnToWhatsAppOptions {
  /** Display name for a Slack user id, e.g. from users.info; the id is shown when it returns undefined. */
  userName?: (userId: string) => string | undefined;
}

/** Slack's shortcode names that emojilib (node-emoji) spells differently. */
const SLACK_EMOJI_ALIASES: Record<string, string> = {
  thumbsup: "+1",
  thumbsdown: "-1",
  simple_smile: "slightly_smiling_face",
  thinking_face: "thinking",
  slightly_frowning_face: "slightly_frowning_face",
  white_frowning_face: "frowning_face",
  heavy_heart_exclamation_mark_ornament: "heavy_heart_exclamation",
};

/** `:skin-tone-2:` … `:skin-tone-6:` follow the emoji they modify (Fitzpatrick modifiers). */
const SKIN_TONES: Record<string, string> = {
  "2": "\u{1F3FB}",
  "3": "\u{1F3FC}",
  "4": "\u{1F3FD}",
  "5": "\u{1F3FE}",
  "6": "\u{1F3FF}",
};

export function decodeSlackEntities(text: string): string {
  // &amp; last, so "&amp;lt;" becomes the literal "&lt;" the sender typed.
  return text.replace(/&lt;/g, "<").replace(/&gt;/g, ">").replace(/&amp;/g, "&");
}

function emojiFor(name: string): string | undefined {
  return nodeEmoji.get(SLACK_EMOJI_ALIASES[name] ?? name);
}

function convertEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+'-]+):(?::skin-tone-([2-6]):)?/gi, (whole, name: string, tone: string | undefined) => {
    const emoji = emojiFor(name.toLowerCase());
    if (emoji === undefined) return whole;
    return tone ? emoji + SKIN_TONES[tone] : emoji;
  });
}

/** One `<…>` token: links, mentions, channels, special commands and dates. */
function convertToken(inner: string, options: MrkdwnToWhatsAppOptions): string {
  const bar = inner.indexOf("|");
  const target = bar === -1 ? inner : inner.slice(0, bar);
  const label = bar === -1 ? undefined : decodeSlackEntities(inner.slice(bar + 1));
  if (target.startsWith("@")) {
    const userId = target.slice(1);
    return `@${options.userName?.(userId) ?? label ?? userId}`;
  }
  if (target.startsWith("#")) return `#${label ?? target.slice(1)}`;
  if (target.startsWith("!")) {
    // <!subteam^S123|@team> and <!date^…|fallback> carry a readable label; <!here> & co mean nothing to the customer.
    return label ?? "";
  }
  const url = decodeSlackEntities(target);
  if (label === undefined || label === url) return url;
  if (url.startsWith("mailto:") && label === url.slice("mailto:".length)) return label;
  return `${label} (${url})`;
}

function convertPlain(text: string, options: MrkdwnToWhatsAppOptions): string {
  let out = "";
  let last = 0;
  for (const match of text.matchAll(/<([^<>\n]+)>/g)) {
    out += convertEmoji(text.slice(last, match.index));
    const converted = convertToken(match[1]!, options);
    last = match.index + match[0].length;
    // A removed `<!here>` must not leave a double space behind.
    if (converted === "" && /^[ \t]|^$/.test(text.slice(last))) out = out.replace(/[ \t]+$/, "");
    out += converted;
  }
  out += convertEmoji(text.slice(last));
  return decodeSlackEntities(out);
}

/** Inside code, only links are unwrapped and entities decoded: shortcodes and markup stay literal. */
function convertCode(text: string): string {
  return decodeSlackEntities(text.replace(/<((?:https?|mailto):[^<>|\n]+)(?:\|[^<>\n]*)?>/g, "$1"));
}

export function mrkdwnToWhatsApp(mrkdwn: string, options: MrkdwnToWhatsAppOptions = {}): string {
  let out = "";
  // Code blocks first (kept), then inline code (WhatsApp's monospace is ```…```), then the rest.
  const parts = mrkdwn.split(/(```[\s\S]*?```)/);
  for (const part of parts) {
    if (part.startsWith("```") && part.endsWith("```") && part.length >= 6) {
      out += convertCode(part);
      continue;
    }
    const inlineParts = part.split(/(`[^`\n]+`)/);
    for (const inline of inlineParts) {
      if (inline.length >= 2 && inline.startsWith("`") && inline.endsWith("`")) {
        out += `\`\`\`${convertCode(inline.slice(1, -1))}\`\`\``;
      } else {
        out += convertPlain(inline, options);
      }
    }
  }
  return out.trim();
}

/** User ids mentioned in a message, so callers can look their names up before converting. */
export function mentionedSlackUserIds(mrkdwn: string): string[] {
  return [...new Set([...mrkdwn.matchAll(/<@([UW][A-Z0-9]+)(?:\|[^>]*)?>/g)].map((m) => m[1]!))];
}
