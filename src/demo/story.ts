import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import type { Clock } from "../ports/clock.js";
import { bold, createSlackPrinter, dim, printAgent, printCustomer, printWhatsApp } from "./render.js";
import { SANDBOX_AGENT, type Sandbox, startSandbox, type SandboxOptions } from "./sandbox.js";

/** A weekday morning in London, so every team is open whatever day the demo runs. */
export const DEMO_START = Date.UTC(2026, 10, 17, 9, 30);

const MINUTE = 60_000;

/** Story time: starts at `start` and moves on only as the story does, so each run prints the same morning. */
export interface StoryClock extends Clock {
  advance(ms: number): void;
}

export function createStoryClock(start = DEMO_START): StoryClock {
  let now = start;
  return { now: () => now, advance: (ms) => void (now += ms) };
}

export interface StoryOptions extends SandboxOptions {
  /** Runs on the sandbox once the story is over, before it closes (e.g. `warmline report --sandbox` reads its store). */
  afterwards?: (sandbox: Sandbox, clock: Clock) => Promise<void>;
}

/**
 * The scripted story: a cancellation reaches the retention team's channel, Sam claims it, they talk
 * both ways through the thread, Sam leaves an internal note, resolves, the customer answers the
 * survey, and Sam marks the handoff as one the bot could have handled. Story time moves on between
 * steps, as it would on a real morning.
 */
export async function playStory(print: (line: string) => void, options: StoryOptions = {}): Promise<void> {
  const storyClock = options.clock ? undefined : createStoryClock();
  const clock = options.clock ?? storyClock!;
  const sandbox = await startSandbox({ ...options, clock });
  const slack = createSlackPrinter(sandbox.api, print);
  printWhatsApp(sandbox, print);
  const step = (minutesLater: number, title: string) => {
    slack.flush();
    storyClock?.advance(minutesLater * MINUTE);
    print("");
    print(bold(`▶ ${title}`));
  };
  // The team and channel a cancellation goes to, named as the config names them (the customer hears the same name).
  const teamKey = sandbox.config.routing.intentTeams.cancel_order ?? sandbox.config.routing.defaultTeam;
  const team = sandbox.config.teams[teamKey]!;
  const channel = team.channel.replace(/^#/, "");
  const sam = async (text: string) => {
    printAgent("Sam", channel, text, print);
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
        sandbox.graph
          ? `Sandbox: real engine, Bolt app (${sandbox.config.slack.mode} transport), WhatsApp Cloud API adapter (signed webhooks) and SQLite; fake Slack API, fake Graph API and a simulated customer.`
          : `Sandbox: real engine, Bolt app (${sandbox.config.slack.mode} transport), WhatsApp adapter and SQLite; fake Slack API and a simulated customer.`,
      ),
    );
    step(0, "The customer says hello; the assistant answers");
    await customer("hi!");

    step(1, `They want to cancel: Warmline hands over warm to ${team.displayName} (#${channel})`);
    await customer("I want to cancel my order 100311, I found it cheaper elsewhere");

    step(2, `Sam, of ${team.displayName}, claims the card in #${channel}`);
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);

    step(1, "Sam replies in the thread; it reaches WhatsApp, formatting converted");
    await sam(
      "Hi Maria :wave: I can see order *100311* hasn't shipped yet. Would a _10% discount_ change your mind, or shall I cancel it?",
    );

    const graph = sandbox.graph;
    if (graph) {
      step(1, "Meta reports the reply as read (a signed status webhook): Sam's message gets 👀");
      await graph.reportStatus(graph.sent.at(-1)!.id, "read");
      await sandbox.handle.idle();
    }

    step(3, "The customer answers on WhatsApp; it flows into the same thread");
    await customer("thanks, but please just cancel it");

    step(2, "Sam leaves an internal note (starts with //): never sent to the customer");
    await sam("// cancelled in the admin panel, refund ref R-2231");

    step(1, "Sam confirms and resolves");
    await sam("Done: order 100311 is cancelled and the refund is on its way (3-5 working days).");
    await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);

    step(2, "The customer answers the survey; the answers land in the thread");
    await customer("5");
    await customer("yes");

    step(1, "Sam marks the handoff: an unshipped order, the bot could have cancelled it (a training example)");
    await sandbox.botShouldHaveHandled(SANDBOX_AGENT, "cancel_order");
    slack.flush();

    const conversation = await sandbox.handle.store.listSince(0).then((all) => all.at(-1));
    print("");
    print(bold("✔ Story complete"));
    print(
      dim(
        `  conversation ${conversation?.id}: ${conversation?.state}, survey ${conversation?.survey?.score}/5, handover helped: ${conversation?.survey?.handoverHelped ? "yes" : "no"}; ` +
          `${sandbox.customerReceived().length} WhatsApp messages, ${sandbox.api.calls.length} Slack API calls.`,
      ),
    );
    await options.afterwards?.(sandbox, clock);
  } finally {
    await sandbox.close();
  }
}
