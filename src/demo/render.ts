/**
 * Prints, readably, what the customer sees on WhatsApp and what agents see in Slack, from the
 * sandbox's record of the calls Warmline made.
 */
import { emojify } from "node-emoji";
import { readEnvironment } from "../config/environment.js";
import type { FakeSlackApi, FakeSlackCall } from "../sandbox/fake-slack-api.js";
import type { Sandbox } from "./sandbox.js";

type Block = { type: string; text?: { text?: string }; fields?: { text?: string }[]; elements?: Record<string, unknown>[] };

const WIDTH = 78;
const color = process.stdout.isTTY && !readEnvironment().NO_COLOR;
const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
export const whatsappStyle = (text: string) => paint("32", text);
export const slackStyle = (text: string) => paint("35", text);
export const dim = (text: string) => paint("2", text);
export const bold = (text: string) => paint("1", text);

/** Slack's names for emoji that node-emoji knows by another name (or not at all). */
const SLACK_EMOJI_ALIASES: Record<string, string> = {
  large_orange_circle: "🟠",
  large_blue_circle: "🔵",
  large_green_circle: "🟢",
  large_yellow_circle: "🟡",
  robot_face: "🤖",
  raising_hand: "🙋",
  frame_with_picture: "🖼️",
  film_frames: "🎞️",
};

/** Every `:name:` as the emoji Slack shows; an unknown name stays as written. */
function renderEmoji(text: string): string {
  return text.replace(/:([a-z0-9_+-]+):/g, (whole, name: string) => SLACK_EMOJI_ALIASES[name] ?? emojify(whole));
}

/** Slack mrkdwn to terminal text: dates, mentions, links and emoji shown the way Slack would show them. */
export function slackToTerminal(text: string, users: Map<string, string>, channels: Map<string, string>): string {
  const plain = text
    .replace(/<!date\^\d+\^[^|>]*\|([^>]*)>/g, "$1")
    .replace(/<@(\w+)>/g, (_m, id: string) => `@${users.get(id) ?? id}`)
    .replace(/<#(\w+)(?:\|([^>]*))?>/g, (_m, id: string, name?: string) => `#${name || channels.get(id) || id}`)
    .replace(/<(https?:[^|>]+)\|([^>]+)>/g, "$2 ($1)")
    .replace(/<(https?:[^>]+)>/g, "$1")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&amp;/g, "&")
    .replace(/\u200b/g, "");
  return renderEmoji(plain);
}

/** Wraps at the terminal width, keeping every character. */
function wrap(line: string, width: number): string[] {
  const out: string[] = [];
  let rest = line;
  while (rest.length > width) {
    const cut = rest.lastIndexOf(" ", width) > width / 2 ? rest.lastIndexOf(" ", width) : width;
    out.push(rest.slice(0, cut));
    rest = rest.slice(cut).trimStart();
  }
  out.push(rest);
  return out;
}

/** Buttons side by side, a new row whenever the next would pass the width: a button is never split across rows. */
function buttonRows(buttons: string[], width: number): string[] {
  const rows: string[] = [];
  for (const button of buttons) {
    const last = rows.at(-1);
    if (last !== undefined && `${last} ${button}`.length <= width) rows[rows.length - 1] = `${last} ${button}`;
    else rows.push(button);
  }
  return rows;
}

function renderBlocks(blocks: Block[], fmt: (t: string) => string): string[] {
  const lines: string[] = [];
  for (const block of blocks) {
    switch (block.type) {
      case "header":
        lines.push(bold(fmt(block.text?.text ?? "")));
        break;
      case "section":
        if (block.text?.text) lines.push(...fmt(block.text.text).split("\n"));
        for (const field of block.fields ?? []) lines.push(fmt(field.text ?? "").replace("\n", ": "));
        break;
      case "context":
        lines.push(dim(fmt((block.elements ?? []).map((e) => String((e as { text?: string }).text ?? "")).join("  ·  "))));
        break;
      case "actions":
        lines.push(
          ...buttonRows(
            (block.elements ?? []).map((e) =>
              e.type === "button"
                ? `[ ${fmt((e.text as { text: string }).text)} ]`
                : `[ ${fmt((e.placeholder as { text?: string })?.text ?? "choose")} ▾ ]`,
            ),
            WIDTH,
          ),
        );
        break;
      case "divider":
        lines.push(dim("─".repeat(40)));
        break;
    }
  }
  return lines;
}

export interface SlackPrinter {
  /** Prints the Slack calls made since the last flush. */
  flush(): void;
}

export function createSlackPrinter(api: FakeSlackApi, print: (line: string) => void): SlackPrinter {
  let seen = api.calls.length;
  const users = new Map(api.users.map((u) => [u.id, u.display_name ?? u.name]));
  const channels = new Map(api.channels.map((c) => [c.id, c.name]));
  const fmt = (t: string) => slackToTerminal(t, users, channels);
  const where = (args: Record<string, unknown>) =>
    `#${channels.get(String(args.channel)) ?? args.channel}${args.thread_ts ? " › thread" : ""}`;
  const out = (head: string, body: string[]) => {
    print(slackStyle(`  SLACK ${head}`));
    for (const line of body.flatMap((l) => wrap(l, WIDTH))) print(slackStyle("  │ ") + line);
  };

  const render = (call: FakeSlackCall) => {
    const { method, args } = call;
    const blocks = (args.blocks as Block[] | undefined) ?? [];
    switch (method) {
      case "chat.postMessage":
        // A card's text is its notification: shown above the blocks, the way a phone would show it.
        out(
          `${where(args)}  (Warmline)`,
          blocks.length
            ? [dim(`🔔 ${fmt(String(args.text ?? ""))}`), ...renderBlocks(blocks, fmt)]
            : fmt(String(args.text ?? "")).split("\n"),
        );
        break;
      case "chat.update":
        // The card's head, and what follows its last divider (status, buttons): what changed for the agents.
        out(`${where(args)}  card updated`, [
          ...renderBlocks(blocks.slice(0, 1), fmt),
          ...renderBlocks(blocks.slice(blocks.findLastIndex((b) => b.type === "divider") + 1), fmt),
        ]);
        break;
      case "chat.postEphemeral":
        out(`${where(args)}  only visible to @${users.get(String(args.user)) ?? args.user}`, fmt(String(args.text ?? "")).split("\n"));
        break;
      case "reactions.add":
        out(`${where(args)}  reaction ${fmt(`:${args.name}:`)} on a message`, []);
        break;
      case "views.open":
        out(`dialog opened for the agent`, [String((args.view as { title?: { text?: string } })?.title?.text ?? "")]);
        break;
    }
  };
  return {
    flush() {
      for (const call of api.calls.slice(seen)) render(call);
      seen = api.calls.length;
    },
  };
}

/** Prints what the customer receives, from whichever fake the sandbox's channel sends through. */
export function printWhatsApp(sandbox: Pick<Sandbox, "onCustomerReceives">, print: (line: string) => void): void {
  sandbox.onCustomerReceives((text, how) => {
    print(whatsappStyle(`  WHATSAPP  Acme → customer${how ? ` (${how})` : ""}`));
    for (const line of text.split("\n").flatMap((l) => wrap(l, WIDTH))) print(whatsappStyle("  ┃ ") + line);
  });
}

export function printCustomer(text: string, print: (line: string) => void): void {
  print(whatsappStyle("  WHATSAPP  customer → Acme"));
  print(whatsappStyle("  ┃ ") + bold(text));
}

export function printAgent(name: string, channel: string, text: string, print: (line: string) => void): void {
  print(slackStyle(`  SLACK #${channel} › thread  @${name} writes`));
  // Shown as Slack shows what the agent typed: emoji rendered.
  for (const line of wrap(renderEmoji(text), WIDTH)) print(slackStyle("  │ ") + line);
}
