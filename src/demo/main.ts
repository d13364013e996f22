// npm run demo [-- --interactive] [--socket]: the product on its embedded defaults, no accounts, no network.
import { parseArgs } from "node:util";
import { playInteractive } from "./interactive.js";
import { playStory } from "./story.js";

const { values } = parseArgs({
  options: { interactive: { type: "boolean", default: false }, socket: { type: "boolean", default: false } },
});
const print = (line: string) => void process.stdout.write(`${line}\n`);

try {
  if (values.interactive) await playInteractive(print);
  else await playStory(print, { transport: values.socket ? "socket" : "http" });
  process.exit(0);
} catch (error) {
  process.stderr.write(`The demo failed: ${(error as Error).stack ?? error}\n`);
  process.exit(1);
}
