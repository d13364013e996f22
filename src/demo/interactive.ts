import { createInterface } from "node:readline";
import { SLACK_ACTION_IDS } from "../../channels/slack/context-card.js";
import { bold, createSlackPrinter, dim, printAgent, printCustomer, printWhatsApp } from "./render.js";
import { SANDBOX_AGENT, SANDBOX_LEAD, startSandbox } from "./sandbox.js";
import { DEMO_START } from "./story.js";

const HELP = `Type as the customer, or as agent Sam with a leading slash:
  /claim  /release  /resolve  /return            card buttons
  /transfer <team> <note>                          e.g. /transfer billing double charged
  /say <text>                                      reply in the thread (relayed once claimed)
  /note <text>                                     internal note (never relayed)
  /status                                          /warmline status
  /help  /quit`;

/** `npm run demo -- --interactive`: a person plays the customer and the agent from the terminal. */
export async function playInteractive(print: (line: string) => void): Promise<void> {
  const started = Date.now();
  const sandbox = await startSandbox({ clock: { now: () => DEMO_START + (Date.now() - started) } });
  const slack = createSlackPrinter(sandbox.api, print);
  printWhatsApp(sandbox, print);
  const rl = createInterface({ input: process.stdin, output: process.stdout, prompt: "> " });
  // Piped input closes readline at its end while buffered lines are still being played; Node 24 refuses a prompt after that.
  let inputEnded = false;
  rl.once("close", () => {
    inputEnded = true;
  });
  const prompt = () => {
    if (!inputEnded) rl.prompt();
  };
  print(bold("Warmline sandbox — interactive"));
  print(dim(HELP));
  try {
    prompt();
    // The async iterator buffers lines typed (or piped) while the previous one is still being handled.
    for await (const raw of rl) {
      const line = raw.trim();
      if (!line) {
        prompt();
        continue;
      }
      const [command, ...rest] = line.split(" ");
      const text = rest.join(" ");
      try {
        switch (line.startsWith("/") ? command : undefined) {
          case undefined:
            printCustomer(line, print);
            await sandbox.customerSays(line);
            break;
          case "/claim":
            await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.claim);
            break;
          case "/release":
            await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.release);
            break;
          case "/resolve":
            await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.resolve);
            break;
          case "/return":
            await sandbox.click(SANDBOX_AGENT, SLACK_ACTION_IDS.returnToBot);
            break;
          case "/transfer":
            await sandbox.transfer(SANDBOX_AGENT, rest[0] ?? "support", rest.slice(1).join(" "));
            break;
          case "/say":
          case "/note": {
            const said = command === "/note" ? `// ${text}` : text;
            const card = await sandbox.currentCard();
            printAgent("Sam", sandbox.api.channels.find((c) => c.id === card?.channel)?.name ?? "?", said, print);
            await sandbox.agentSays(SANDBOX_AGENT, said);
            break;
          }
          case "/status":
            printAgent("Olivia", "support-escalations", "/warmline status", print);
            print(dim((await sandbox.command(SANDBOX_LEAD, "status")) ?? "(no answer)"));
            break;
          case "/help":
            print(dim(HELP));
            break;
          case "/quit":
            return;
          default:
            print(`Unknown command ${command}. /help lists them.`);
        }
      } catch (error) {
        print(`✖ ${(error as Error).message}`);
      }
      slack.flush();
      prompt();
    }
  } finally {
    rl.close();
    await sandbox.close();
  }
}
