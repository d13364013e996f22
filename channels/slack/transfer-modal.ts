import type { ModalView } from "@slack/types";
import { WarmlineError } from "../../src/domain/errors.js";
import { escapeSlackText } from "./escape.js";
import { SLACK_PRIVATE_METADATA_LIMIT } from "./slack-limits.js";

export const SLACK_TRANSFER_VIEW_ID = "warmline_transfer_note";
export const SLACK_TRANSFER_NOTE_BLOCK = "note";
export const SLACK_TRANSFER_NOTE_ACTION = "note";
/** Notes go on the new card; kept short enough to read at a glance. */
export const TRANSFER_NOTE_MAX_LENGTH = 1000;

/** What the modal carries from the select to the submission (Slack echoes private_metadata back). */
export interface SlackTransferRequest {
  conversationId: string;
  /** The escalation of the card the transfer was started from; the engine refuses it once out of date. */
  escalationId?: string;
  toTeam: string;
  /** Where the card is, for the ephemeral reply if the transfer fails. */
  channel: string;
  messageTs?: string;
}

export function buildTransferModal(request: SlackTransferRequest, toTeamName: string): ModalView {
  const metadata = JSON.stringify(request);
  if (metadata.length > SLACK_PRIVATE_METADATA_LIMIT) {
    throw new WarmlineError("input_invalid", `The transfer request is too long for a Slack modal (${metadata.length} characters).`);
  }
  return {
    type: "modal",
    callback_id: SLACK_TRANSFER_VIEW_ID,
    private_metadata: metadata,
    title: { type: "plain_text", text: "Transfer" },
    submit: { type: "plain_text", text: "Transfer" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: `Transfer to *${escapeSlackText(toTeamName)}*. They get a new card with the whole conversation; tell them what they need to know.`,
          verbatim: true,
        },
      },
      {
        type: "input",
        block_id: SLACK_TRANSFER_NOTE_BLOCK,
        label: { type: "plain_text", text: "Note for the next team" },
        element: {
          type: "plain_text_input",
          action_id: SLACK_TRANSFER_NOTE_ACTION,
          multiline: true,
          max_length: TRANSFER_NOTE_MAX_LENGTH,
          placeholder: { type: "plain_text", text: "e.g. Refund approved up to $150, needs the invoice re-issued" },
        },
      },
    ],
  };
}

export function parseTransferRequest(privateMetadata: string): SlackTransferRequest {
  try {
    const parsed = JSON.parse(privateMetadata) as Partial<SlackTransferRequest>;
    if (typeof parsed.conversationId === "string" && typeof parsed.toTeam === "string" && typeof parsed.channel === "string") {
      return {
        conversationId: parsed.conversationId,
        ...(typeof parsed.escalationId === "string" ? { escalationId: parsed.escalationId } : {}),
        toTeam: parsed.toTeam,
        channel: parsed.channel,
        ...(parsed.messageTs ? { messageTs: parsed.messageTs } : {}),
      };
    }
  } catch {
    // fall through to the error below
  }
  throw new WarmlineError("input_invalid", "The transfer dialog's data is unreadable: close it and pick the team again from the card.");
}
