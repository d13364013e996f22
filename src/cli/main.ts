import { existsSync } from "node:fs";
import { parseArgs } from "node:util";
import { DEFAULT_CONFIG_FILE, loadConfigFile } from "../config/load-config.js";
import { isWarmlineError } from "../domain/errors.js";
import { SHIPPED_CONFIG_FILE } from "../paths.js";

const USAGE = `Usage: warmline <command> [options]

Commands:
  start                     run the service (reads .env and warmline.config.json)
  triage [--corpus F.csv]   JSON Lines {"id","text"} on stdin -> one decision per line on stdout
  simulate FILE.json        play a scripted conversation through the engine
  report [--since 7d] [--format table|json|csv]
                            escalation figures (the same as /metrics) from the store
  export-feedback --out F.csv
                            agents' "the bot should have handled this" as corpus rows (text,intent)
  doctor                    checks tokens, scopes, channels, WhatsApp session, config and store
  help                      this text

Options:
  --config FILE             config file (default: ./warmline.config.json, else the shipped one)
  --data-dir DIR            the service's data directory (default: WARMLINE_DATA_DIR, else ./.data)
`;

function configPath(explicit: string | undefined): string {
  if (explicit) return explicit;
  return existsSync(DEFAULT_CONFIG_FILE) ? DEFAULT_CONFIG_FILE : SHIPPED_CONFIG_FILE;
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  let parsed;
  try {
    parsed = parseArgs({
      args: rest,
      allowPositionals: true,
      options: {
        config: { type: "string" },
        corpus: { type: "string" },
        "data-dir": { type: "string" },
        since: { type: "string", default: "7d" },
        format: { type: "string", default: "table" },
        out: { type: "string" },
        help: { type: "boolean", short: "h", default: false },
      },
    });
  } catch (error) {
    // node's parseArgs explains the bad option (unknown, missing value); add what is accepted.
    process.stderr.write(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const { values, positionals } = parsed;
  if (values.help) {
    process.stdout.write(USAGE);
    return 0;
  }
  switch (command) {
    case "triage": {
      const config = loadConfigFile(configPath(values.config));
      const { createAssistantFromConfig } = await import("../assistant/from-config.js");
      const { runTriage } = await import("./triage.js");
      const assistant = await createAssistantFromConfig(config, { corpusFile: values.corpus });
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
      const config = loadConfigFile(configPath(values.config));
      const { openConfiguredStore, dataDirOf } = await import("./open-store.js");
      const { runReport } = await import("./report.js");
      const store = await openConfiguredStore(config, dataDirOf(values["data-dir"], process.env), process.env);
      try {
        return await runReport({ config, store, since: values.since!, format: values.format!, now: Date.now(), output: process.stdout });
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
      const { openConfiguredStore, dataDirOf } = await import("./open-store.js");
      const { runExportFeedback } = await import("./export-feedback.js");
      const store = await openConfiguredStore(config, dataDirOf(values["data-dir"], process.env), process.env);
      try {
        return await runExportFeedback({ config, store, out: values.out, log: process.stderr });
      } finally {
        await store.close();
      }
    }
    case "doctor": {
      // Like `npm start`: .env first, real environment variables win.
      if (existsSync(".env")) process.loadEnvFile(".env");
      const { dataDirOf } = await import("./open-store.js");
      const { runDoctor } = await import("./doctor.js");
      return runDoctor({ configFile: configPath(values.config), dataDir: dataDirOf(values["data-dir"], process.env), env: process.env, output: process.stdout });
    }
    case undefined:
    case "help":
    case "--help":
      process.stdout.write(USAGE);
      return 0;
    default:
      process.stderr.write(`Unknown command "${command}".\n\n${USAGE}`);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    process.stderr.write(`${isWarmlineError(error) ? error.message : error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exitCode = 1;
  },
);
