import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { bold, createSlackPrinter, dim, printAgent, printCustomer, printWhatsApp } from "./render.js";
import { SANDBOX_AGENT, startSandbox, type SandboxOptions } from "./sandbox.js";

/** A weekday morning in London, so every team is open whatever day the demo runs. */
export const DEMO_START = Date.UTC(2026, 10, 17, 9, 30);

/**
 * The scripted story: a cancellation reaches the retention channel, Sam claims it, they talk both
 * ways through the thread, Sam leaves an internal note, resolves, and the customer answers the survey.
 */
export async function playStory(print: (line: string) => void, options: SandboxOptions = {}): Promise<void> {
  const started = Date.now();
  const clock = options.clock ?? { now: () => DEMO_START + (Date.now() - started) };
  const sandbox = await startSandbox({ ...options, clock });
  const slack = createSlackPrinter(sandbox.api, print);
  printWhatsApp(sandbox.whatsapp, print);
  const step = (title: string) => {
    slack.flush();
    print("");
    print(bold(`▶ ${title}`));
  };
  const sam = async (text: string) => {
    printAgent("Sam", "retention", text, print);
    await sandbox.agentSays(SANDBOX_AGENT, text);
    slack.flush();
  };
  const customer = async (text: string) => {
    printCustomer(text, print);
    await sandbox.customerSays(text);
    slack.flush();
  };

  try {
    print(
      dim(
        `Sandbox: real engine, Bolt app (${sandbox.config.slack.mode} transport), WhatsApp adapter and SQLite; fake Slack API and a simulated customer.`,
      ),
    );
    step("The customer says hello; the assistant answers");
    await customer("hi!");

    step("They want to cancel: Warmline hands over warm to the retention channel");
    await customer("I want to cancel my order 100311, I found it cheaper elsewhere");

    step("Sam claims the card in #retention");
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);

    step("Sam replies in the thread; it reaches WhatsApp, formatting converted");
    await sam(
      "Hi Maria :wave: I can see order *100311* hasn't shipped yet. Would a _10% discount_ change your mind, or shall I cancel it?",
    );

    step("The customer answers on WhatsApp; it flows into the same thread");
    await customer("thanks, but please just cancel it");

    step("Sam leaves an internal note (starts with //): never sent to the customer");
    await sam("// cancelled in the admin panel, refund ref R-2231");

    step("Sam confirms and resolves");
    await sam("Done: order 100311 is cancelled and the refund is on its way (3-5 working days).");
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);

    step("The customer answers the survey; the answers land in the thread");
    await customer("5");
    await customer("yes");
    slack.flush();

    const conversation = await sandbox.handle.store.listSince(0).then((all) => all.at(-1));
    print("");
    print(bold("✔ Story complete"));
    print(
      dim(
        `  conversation ${conversation?.id}: ${conversation?.state}, survey ${conversation?.survey?.score}/5, handover helped: ${conversation?.survey?.handoverHelped ? "yes" : "no"}; ` +
          `${sandbox.whatsapp.sent.length} WhatsApp messages, ${sandbox.api.calls.length} Slack API calls.`,
      ),
    );
  } finally {
    await sandbox.close();
  }
}
