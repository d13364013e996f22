// npm run demo [-- --interactive] [--socket]: the product on its embedded defaults, no accounts, no network.
import { parseArgs } from "node:util";
import { playInteractive } from "./interactive.js";
import { playStory } from "./story.js";

const DEMO_USAGE = `Usage: npm run demo [-- options]

Plays Warmline end to end in a sandbox: the real engine, Bolt app, WhatsApp adapter and SQLite
against a local stand-in for Slack's API and a simulated customer. No accounts, no network.

Options:
  --interactive   type as the customer, or as agent Sam with /commands (/help lists them)
  --socket        drive Slack over Socket Mode instead of signed HTTP requests
  --cloud         reach the customer through the WhatsApp Cloud API (a fake Graph API, signed webhooks)
  -h, --help      this text
`;

/** The options, or the exit code when there is nothing to play (help asked for, or a bad flag). */
function readOptions(argv: string[]): { interactive: boolean; socket: boolean; cloud: boolean } | number {
  try {
    const { values } = parseArgs({
      args: argv,
      options: {
        interactive: { type: "boolean", default: false },
        socket: { type: "boolean", default: false },
        cloud: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
    if (!values.help) return values;
    process.stdout.write(DEMO_USAGE);
    return 0;
  } catch (error) {
    // parseArgs names what it refused ("Unknown option '--x'", "Unexpected argument 'x'") with hints that don't fit npm run.
    const { code, message } = error as { code?: string; message: string };
    const given = /'([^']+)'/.exec(message)?.[1];
    const problem =
      given === undefined
        ? message
        : code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL"
          ? `Unexpected argument "${given}"`
          : `Unknown option "${given}"`;
    process.stderr.write(`${problem}: see the options below.\n\n${DEMO_USAGE}`);
    return 2;
  }
}

const options = readOptions(process.argv.slice(2));
if (typeof options === "number") process.exit(options);
// `npm run demo | head` closes the pipe early: stop quietly. Exiting (here or on Ctrl-C) runs the sandbox's clean-up.
process.stdout.on("error", (error: NodeJS.ErrnoException) => {
  if (error.code !== "EPIPE") throw error;
  process.exit(0);
});
for (const [signal, code] of [
  ["SIGINT", 130],
  ["SIGTERM", 143],
  ["SIGHUP", 129],
] as const)
  process.once(signal, () => process.exit(code));
const print = (line: string) => void process.stdout.write(`${line}\n`);

try {
  if (options.interactive) await playInteractive(print);
  else await playStory(print, { transport: options.socket ? "socket" : "http", channel: options.cloud ? "cloud" : "web" });
  process.exit(0);
} catch (error) {
  process.stderr.write(`The demo failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
