import type { App, BlockAction, ButtonAction } from "@slack/bolt";
import type { KnownBlock, ModalView } from "@slack/types";
import type { WarmlineConfig } from "../../src/config/schema.js";
import { templateParameterCount } from "../../src/config/whatsapp-schema.js";
import type { AgentActions } from "../../src/ports/agent-workspace.js";
import type { Logger } from "../../src/ports/logger.js";
import { escapeSlackText } from "./escape.js";
import { decodeSlackThreadRef, encodeSlackThreadRef } from "./slack-ids.js";
import type { SlackWorkspaceAdapter } from "./slack-workspace.js";
import { listenersOf } from "./listener-router.js";

/**
 * Once WhatsApp's 24-hour window has closed, an agent's reply is not sent; the thread says so with
 * a "Send a template" button. It opens a dialog to pick an approved template (whatsapp.templates)
 * and fill in its parameters; submitting sends it through the engine, as the claimant.
 */
export const SLACK_TEMPLATE_OPEN_ACTION = "warmline_template_open";
export const SLACK_TEMPLATE_VIEW_ID = "warmline_template_send";
export const SLACK_TEMPLATE_PICK_BLOCK = "template";
export const SLACK_TEMPLATE_PICK_ACTION = "template";
export const SLACK_TEMPLATE_PARAMETERS_BLOCK = "parameters";
export const SLACK_TEMPLATE_PARAMETERS_ACTION = "parameters";

/** The note's own text, then the button that opens the template dialog (none when no template is configured). */
export function templateOfferBlocks(text: string, templates: readonly string[]): KnownBlock[] | undefined {
  if (templates.length === 0) return undefined;
  return [
    { type: "section", text: { type: "mrkdwn", text } },
    {
      type: "actions",
      elements: [
        { type: "button", action_id: SLACK_TEMPLATE_OPEN_ACTION, text: { type: "plain_text", text: "Send a template" }, style: "primary" },
      ],
    },
  ];
}

export function buildTemplateModal(thread: string, templates: WarmlineConfig["whatsapp"]["templates"]): ModalView {
  const described = templates.map((t) => {
    const labels =
      t.parameters.length > 0
        ? `\n_Parameters:_ ${t.parameters.map((label, i) => `{{${i + 1}}} ${escapeSlackText(label)}`).join(", ")}`
        : "";
    return `*${escapeSlackText(t.name)}* (${t.language}): ${escapeSlackText(t.body)}${labels}`;
  });
  return {
    type: "modal",
    callback_id: SLACK_TEMPLATE_VIEW_ID,
    private_metadata: thread,
    title: { type: "plain_text", text: "Send a template" },
    submit: { type: "plain_text", text: "Send" },
    close: { type: "plain_text", text: "Cancel" },
    blocks: [
      {
        type: "section",
        text: {
          type: "mrkdwn",
          text: "The customer last wrote over 24 hours ago, so WhatsApp only lets an approved template through. Their answer reopens the conversation.",
        },
      },
      { type: "context", elements: [{ type: "mrkdwn", text: described.join("\n\n").slice(0, 3000) }] },
      {
        type: "input",
        block_id: SLACK_TEMPLATE_PICK_BLOCK,
        label: { type: "plain_text", text: "Template" },
        element: {
          type: "static_select",
          action_id: SLACK_TEMPLATE_PICK_ACTION,
          options: templates
            .slice(0, 100)
            .map((t) => ({ text: { type: "plain_text", text: `${t.name} (${t.language})`.slice(0, 75) }, value: t.name })),
        },
      },
      {
        type: "input",
        block_id: SLACK_TEMPLATE_PARAMETERS_BLOCK,
        optional: true,
        label: { type: "plain_text", text: "Parameters, one per line ({{1}} first)" },
        element: { type: "plain_text_input", action_id: SLACK_TEMPLATE_PARAMETERS_ACTION, multiline: true },
      },
    ],
  };
}

export interface TemplateListenerDeps {
  actions: Pick<AgentActions, "sendTemplate">;
  workspace: Pick<SlackWorkspaceAdapter, "users">;
  config: WarmlineConfig;
  logger: Logger;
}

const REFUSALS = {
  not_claimant: "Only the agent who claimed this conversation can send it a template. Claim it first.",
  not_open: "This conversation is no longer open, so nothing was sent.",
  unknown_thread: "This thread is not a Warmline conversation, so nothing was sent.",
  internal_note: "Nothing was sent.",
  no_content: "Nothing was sent.",
  pending: "This conversation's card is still being posted; try again in a moment.",
} as const;

export function registerTemplateListeners(app: App, deps: TemplateListenerDeps): void {
  const on = listenersOf(app);
  const { actions, config, logger } = deps;
  const sendTemplate = actions.sendTemplate;
  if (!sendTemplate) return;

  on.action<BlockAction<ButtonAction>>(SLACK_TEMPLATE_OPEN_ACTION, async ({ ack, body, client }) => {
    await ack();
    const channel = body.channel?.id;
    const threadTs = body.message?.thread_ts ?? body.message?.ts;
    if (!channel || !threadTs) return;
    const thread = encodeSlackThreadRef({ channel, threadTs });
    await client.views
      .open({ trigger_id: body.trigger_id, view: buildTemplateModal(thread, config.whatsapp.templates) })
      .catch((error: unknown) => {
        logger.warn({ err: (error as Error).message }, "Could not open the template dialog");
      });
  });

  on.view(SLACK_TEMPLATE_VIEW_ID, async ({ ack, body, view, client }) => {
    const values = view.state.values;
    const name = values[SLACK_TEMPLATE_PICK_BLOCK]?.[SLACK_TEMPLATE_PICK_ACTION]?.selected_option?.value;
    const template = config.whatsapp.templates.find((t) => t.name === name);
    const parameters = (values[SLACK_TEMPLATE_PARAMETERS_BLOCK]?.[SLACK_TEMPLATE_PARAMETERS_ACTION]?.value ?? "")
      .split("\n")
      .map((line) => line.trim())
      .filter((line) => line !== "");
    if (!template) {
      await ack({ response_action: "errors", errors: { [SLACK_TEMPLATE_PICK_BLOCK]: "Pick a template." } });
      return;
    }
    const needed = templateParameterCount(template.body);
    if (parameters.length !== needed) {
      await ack({
        response_action: "errors",
        errors: {
          [SLACK_TEMPLATE_PARAMETERS_BLOCK]: `"${template.name}" takes ${needed} parameter${needed === 1 ? "" : "s"}, one per line; you gave ${parameters.length}.`,
        },
      });
      return;
    }
    await ack();
    const thread = view.private_metadata;
    const agent = await deps.workspace.users.agentRef(body.user.id);
    const result = await sendTemplate(thread, agent, template.name, parameters);
    if (result.relayed) return;
    const { channel, threadTs } = decodeSlackThreadRef(thread);
    await client.chat
      .postEphemeral({ channel, user: body.user.id, thread_ts: threadTs, text: REFUSALS[result.reason] })
      .catch(() => undefined);
  });
}
