import type { KnownBlock } from "@slack/types";
import { expect } from "vitest";
import {
  SLACK_BUTTON_VALUE_LIMIT,
  SLACK_HEADER_TEXT_LIMIT,
  SLACK_MAX_BLOCKS,
  SLACK_MESSAGE_TEXT_LIMIT,
  SLACK_SECTION_FIELD_LIMIT,
  SLACK_SECTION_TEXT_LIMIT,
} from "../../channels/slack/slack-limits.js";

/** Every text in a message's blocks, joined, for content assertions. */
export function allText(blocks: unknown[]): string {
  const out: string[] = [];
  const walk = (node: unknown) => {
    if (Array.isArray(node)) node.forEach(walk);
    else if (node && typeof node === "object") {
      for (const [key, value] of Object.entries(node)) {
        if ((key === "text" || key === "value") && typeof value === "string") out.push(value);
        else walk(value);
      }
    }
  };
  walk(blocks);
  return out.join("\n");
}

/** Fails unless the message is within every Slack limit we know of. */
export function expectWithinSlackLimits(message: { text?: string; blocks?: unknown[] }): void {
  if (message.text !== undefined) expect(message.text.length).toBeLessThanOrEqual(SLACK_MESSAGE_TEXT_LIMIT);
  const blocks = (message.blocks ?? []) as KnownBlock[];
  expect(blocks.length).toBeLessThanOrEqual(SLACK_MAX_BLOCKS);
  for (const block of blocks) {
    if (block.type === "header") expect(block.text.text.length).toBeLessThanOrEqual(SLACK_HEADER_TEXT_LIMIT);
    if (block.type === "section") {
      if (block.text) expect(block.text.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
      for (const field of block.fields ?? []) expect(field.text.length).toBeLessThanOrEqual(SLACK_SECTION_FIELD_LIMIT);
    }
    if (block.type === "context")
      for (const el of block.elements) if ("text" in el) expect(el.text.length).toBeLessThanOrEqual(SLACK_SECTION_TEXT_LIMIT);
    if (block.type === "actions") {
      for (const el of block.elements) {
        if (el.type === "button") {
          expect((el.value ?? "").length).toBeLessThanOrEqual(SLACK_BUTTON_VALUE_LIMIT);
          expect(el.text.text.length).toBeLessThanOrEqual(75);
        }
        if (el.type === "static_select") for (const o of el.options ?? []) expect(o.value!.length).toBeLessThanOrEqual(150);
      }
    }
  }
}
