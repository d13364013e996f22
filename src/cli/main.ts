import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { DOT_ENV_FILE, dataDirOf, readEnvironment, storeLocationOf } from "../config/environment.js";
import { DEFAULT_CONFIG_FILE, loadConfigFile } from "../config/load-config.js";
import { isWarmlineError } from "../domain/errors.js";
import { SHIPPED_CONFIG_FILE } from "../paths.js";
import { openConversationStore } from "../store/open-store.js";

const USAGE = `Usage: warmline <command> [options]

Commands:
  start                     run the service (reads .env and warmline.config.json)
  triage [--corpus F.csv]   JSON Lines {"id","text"} on stdin -> one decision per line on stdout
  simulate FILE.json        play a scripted conversation through the engine
  report [--since 7d] [--format table|json|csv] [--sandbox]
                            escalation figures (the same as /metrics) from the store
  export-feedback --out F.csv [--sandbox]
                            agents' "the bot should have handled this" as corpus rows (text,intent)
  doctor                    checks tokens, scopes, channels, WhatsApp session and browser, config
                            (its intents against the corpus) and store
  help                      this text

Options:
  --config FILE             config file (default: ./warmline.config.json, else the shipped one)
  --data-dir DIR            the service's data directory (default: WARMLINE_DATA_DIR, else ./.data)
  --sandbox                 report, export-feedback: play the demo story (npm run demo) in a throwaway
                            sandbox and read its store, to try them without an installation
`;

function configPath(explicit: string | undefined): string {
  if (explicit) return explicit;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : SHIPPED_CONFIG_FILE;
}

type OptionName = "config" | "corpus" | "data-dir" | "since" | "format" | "out" | "sandbox";

/** What each command accepts: an option it would ignore is refused, so nothing asked for is silently dropped. */
const COMMANDS: Record<string, { options: OptionName[]; args: string[] }> = {
  start: { options: ["config", "data-dir"], args: [] },
  triage: { options: ["config", "corpus"], args: [] },
  simulate: { options: ["config", "corpus"], args: ["FILE.json"] },
  report: { options: ["config", "data-dir", "sandbox", "since", "format"], args: [] },
  "export-feedback": { options: ["config", "data-dir", "sandbox", "out"], args: [] },
  doctor: { options: ["config", "data-dir"], args: [] },
  help: { options: [], args: [] },
};

/** Rewords node's parseArgs errors, whose hints (e.g. "place it after '--'") don't fit this command. */
function argumentError(error: unknown): string {
  const { code, message } = error as { code?: string; message: string };
  const option = /'(-[^' ]*)/.exec(message)?.[1];
  if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION" && option) return `Unknown option "${option}": see the options below.`;
  return message;
}

/** The problem with the options and arguments given to `command`, or undefined when they fit. */
function usageProblem(command: string, given: Set<string>, args: string[]): string | undefined {
  const accepted = COMMANDS[command]!;
  if (given.has("sandbox") && (given.has("config") || given.has("data-dir")))
    return `warmline ${command} --sandbox reads the demo's throwaway store with the shipped config: drop --config and --data-dir, or drop --sandbox to read your own store.`;
  const extra = [...given].filter((name) => !(accepted.options as string[]).includes(name));
  if (extra.length > 0) {
    const takes =
      accepted.options.length > 0 ? `it takes ${accepted.options.map((name) => `--${name}`).join(", ")}` : "it takes no options";
    return `warmline ${command} does not use ${extra.map((name) => `--${name}`).join(", ")}: ${takes}.`;
  }
  if (args.length > accepted.args.length) {
    const unexpected = args
      .slice(accepted.args.length)
      .map((arg) => `"${arg}"`)
      .join(", ");
    return accepted.args.length === 0
      ? `warmline ${command} takes no arguments, but was given ${unexpected}: remove ${args.length === 1 ? "it" : "them"}${accepted.options.length > 0 ? `, or put two dashes before an option name (--${accepted.options.at(-1)}, not ${accepted.options.at(-1)})` : ""}.`
      : `warmline ${command} takes one ${accepted.args.join(" ")}, but was also given ${unexpected}: run it once per file.`;
  }
  return undefined;
}

async function main(argv: string[]): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      tokens: true,
      options: {
        config: { type: "string" },
        corpus: { type: "string" },
        "data-dir": { type: "string" },
        since: { type: "string" },
        format: { type: "string" },
        out: { type: "string" },
        sandbox: { type: "boolean", default: false },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    // node's parseArgs explains the bad option (unknown, missing value); add what is accepted.
    process.stderr.write(`${argumentError(error)}\n\n${USAGE}`);
    return 2;
  }
  const { values, tokens } = parsed;
  // The command is the first word, wherever the options are (`warmline --config F triage` too).
  const [command, ...positionals] = parsed.positionals;
  if (values.help || command === undefined || command === "help") {
    process.stdout.write(USAGE);
    return 0;
  }
  if (!(command in COMMANDS)) {
    process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
    return 2;
  }
  const given = new Set(tokens.flatMap((token) => (token.kind === "option" && token.name !== "help" ? [token.name] : [])));
  const problem = usageProblem(command, given, positionals);
  if (problem) {
    process.stderr.write(`${problem}\n\n${USAGE}`);
    return 2;
  }
  switch (command) {
    case "triage": {
      const config = loadConfigFile(configPath(values.config));
      const { prepareAssistant } = await import("../assistant/from-config.js");
      const { formatIntentProblems } = await import("../assistant/config-intents.js");
      const { runTriage } = await import("./triage.js");
      const prepared = await prepareAssistant(config, { corpusFile: values.corpus });
      // Triage answers for any corpus (its contract: one line per input, exit 0); intents the config routes but the corpus lacks are only warned about.
      process.stderr.write(formatIntentProblems(prepared.problems, "warning"));
      const assistant = await prepared.create();
      // Typed at a terminal with nothing piped in, triage would otherwise sit silently waiting.
      if (process.stdin.isTTY) {
        process.stderr.write(
          'Reading JSON Lines from the terminal: type {"id":"1","text":"where is my order?"} and Enter, Ctrl-D to finish. Usually: warmline triage < messages.jsonl\n',
        );
      }
      await runTriage({ assistant, config, input: process.stdin, output: process.stdout });
      return 0;
    }
    case "simulate": {
      const file = positionals[0];
      if (!file) {
        process.stderr.write("warmline simulate needs a script: warmline simulate examples/cancellation.json\n");
        return 2;
      }
      const config = loadConfigFile(configPath(values.config));
      const { runSimulation } = await import("./simulate.js");
      return runSimulation({ file, config, corpusFile: values.corpus, output: process.stdout });
    }
    case "start": {
      const { runService } = await import("./start.js");
      return runService({ configFile: configPath(values.config), dataDir: values["data-dir"] });
    }
    case "report": {
      const since = values.since ?? "7d";
      const format = values.format ?? "table";
      const now = Date.now();
      const { checkReportOptions, runReport } = await import("./report.js");
      checkReportOptions(since, format, now);
      if (values.sandbox) {
        const { inSandbox } = await import("./sandbox-store.js");
        // The window ends at the story's "now", so --since 7d covers what it played.
        return inSandbox(process.stderr, (sandbox) =>
          runReport({ config: sandbox.config, store: sandbox.store, since, format, now: sandbox.now(), output: process.stdout }),
        );
      }
      const config = loadConfigFile(configPath(values.config));
      const store = await openConversationStore(config.store, {
        ...storeLocationOf(values["data-dir"], readEnvironment()),
        existing: true,
      });
      try {
        return await runReport({ config, store, since, format, now, output: process.stdout });
      } finally {
        await store.close();
      }
    }
    case "export-feedback": {
      if (!values.out) {
        process.stderr.write("warmline export-feedback needs an output file: warmline export-feedback --out feedback.csv\n");
        return 2;
      }
      const config = loadConfigFile(configPath(values.config));
      const { checkExportTarget, runExportFeedback } = await import("./export-feedback.js");
      checkExportTarget(values.out, config);
      if (values.sandbox) {
        const { inSandbox } = await import("./sandbox-store.js");
        const out = values.out;
        return inSandbox(process.stderr, (sandbox) =>
          runExportFeedback({ config: sandbox.config, store: sandbox.store, out, log: process.stderr }),
        );
      }
      const store = await openConversationStore(config.store, {
        ...storeLocationOf(values["data-dir"], readEnvironment()),
        existing: true,
      });
      try {
        return await runExportFeedback({ config, store, out: values.out, log: process.stderr });
      } finally {
        await store.close();
      }
    }
    case "doctor": {
      // Like `npm start`: .env first, real environment variables win.
      const env = readEnvironment({ dotEnvFile: DOT_ENV_FILE });
      const { runDoctor } = await import("./doctor.js");
      return runDoctor({
        configFile: configPath(values.config),
        dataDir: dataDirOf(values["data-dir"], env),
        env,
        output: process.stdout,
      });
    }
    default:
      process.stdout.write(USAGE);
      return 0;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(
      `${isWarmlineError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`,
    );
    process.exitCode = 1;
  },
);
