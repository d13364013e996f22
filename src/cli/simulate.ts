import { readFileSync } from "node:fs";
import { z } from "zod";
import type { WarmlineConfig } from "../config/schema.js";
import { describeIssues } from "../config/load-config.js";
import type { AgentRef } from "../domain/conversation.js";
import { WarmlineError } from "../domain/errors.js";
import { createEngine } from "../engine/engine.js";
import { createSilentLogger } from "../logging.js";
import { createSimulationChannels } from "../../channels/simulation/simulation-channels.js";
import { createAssistantFromConfig } from "../assistant/from-config.js";
import { openConversationStore } from "../store/open-store.js";

const AGENT_ACTIONS = ["claim", "reply", "note", "release", "transfer", "return", "resolve"] as const;
const TURN_SHAPES = `{"customer": "what the customer writes"} or {"agent": "${AGENT_ACTIONS.join("|")}", "name": "Sam", "text": "…", "team": "…"}`;

/**
 * One turn: either the customer writes or an agent acts, never both. Checked field by field (not as
 * a zod union, whose only message is "Invalid input"), and unknown keys are refused so a typo such
 * as "cusomer" is reported instead of silently skipped.
 */
const turnSchema = z
  .strictObject({
    customer: z.string().optional(),
    agent: z.enum(AGENT_ACTIONS).optional(),
    name: z.string().min(1).optional(),
    text: z.string().optional(),
    team: z.string().optional(),
  })
  .superRefine((turn, ctx) => {
    if ((turn.customer === undefined) === (turn.agent === undefined)) {
      ctx.addIssue({
        code: "custom",
        message: `a turn has either "customer" or "agent" (${turn.customer === undefined ? "it has neither" : "it has both"}): write ${TURN_SHAPES}`,
      });
    } else if (turn.customer !== undefined) {
      for (const key of ["name", "text", "team"] as const) {
        if (turn[key] !== undefined)
          ctx.addIssue({
            code: "custom",
            path: [key],
            message: `"${key}" belongs to an agent turn: put the customer's words in "customer", or make this {"agent": …}`,
          });
      }
    } else if ((turn.agent === "reply" || turn.agent === "note") && !turn.text?.trim()) {
      ctx.addIssue({ code: "custom", path: ["text"], message: `an agent ${turn.agent} needs "text": what the agent writes` });
    }
  })
  .transform((turn): { customer: string } | { agent: (typeof AGENT_ACTIONS)[number]; name: string; text?: string; team?: string } =>
    turn.customer !== undefined
      ? { customer: turn.customer }
      : { agent: turn.agent!, name: turn.name ?? "Sam", text: turn.text, team: turn.team },
  );

const SCRIPT_HINT = "see examples/cancellation.json for a complete script.";

/** Tuesday 17 November 2026, 10:00 London: inside every shipped team's hours, so a script plays the same whenever it runs. */
export const SIMULATION_DEFAULT_START = Date.UTC(2026, 10, 17, 10, 0);

export const simulationSchema = z.strictObject({
  at: z
    .string()
    .datetime({ offset: true, message: 'use an ISO date-time such as "2026-11-17T21:30:00Z" (e.g. to play a script after hours)' })
    .optional()
    .describe("When the conversation starts; default a weekday morning"),
  customer: z.strictObject({ name: z.string().optional(), phone: z.string().default("+15550100100") }).default({ phone: "+15550100100" }),
  turns: z.array(turnSchema).min(1, 'add at least one turn, e.g. {"customer": "hi"}'),
});

export type Simulation = z.infer<typeof simulationSchema>;

export function loadSimulation(file: string): Simulation {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, "utf8"));
  } catch (cause) {
    throw new WarmlineError(
      "input_invalid",
      `Cannot read simulation ${file} (${(cause as Error).message}): give a JSON file like examples/cancellation.json.`,
      cause,
    );
  }
  const parsed = simulationSchema.safeParse(raw);
  if (!parsed.success) throw new WarmlineError("input_invalid", describeIssues(parsed.error, file, SCRIPT_HINT), parsed.error);
  return parsed.data;
}

/** Problems only the config can reveal (a transfer to a team it doesn't have), found before anything plays. */
function checkAgainstConfig(script: Simulation, config: WarmlineConfig, file: string): void {
  const teams = Object.keys(config.teams);
  const problems = script.turns.flatMap((turn, i) =>
    "agent" in turn && turn.team !== undefined && !teams.includes(turn.team)
      ? [`  - turns.${i}.team: team "${turn.team}" is not in the config: use one of ${teams.join(", ")}`]
      : [],
  );
  if (problems.length > 0) {
    throw new WarmlineError(
      "input_invalid",
      `${file} has ${problems.length} problem${problems.length === 1 ? "" : "s"}:\n${problems.join("\n")}\nFix them in ${file}, or pass --config with a config that has these teams.`,
    );
  }
}

/**
 * Plays a scripted conversation through the real engine with console-side channels: what the
 * customer sees, what lands in the agent thread, and each turn's escalation decision.
 */
export async function runSimulation(options: {
  file: string;
  config: WarmlineConfig;
  corpusFile?: string;
  output: NodeJS.WritableStream;
}): Promise<number> {
  const script = loadSimulation(options.file);
  checkAgainstConfig(script, options.config, options.file);
  const print = (line: string): void => void options.output.write(`${line}\n`);
  const address = `sim:${script.customer.phone}`;
  const { customers, workspace } = createSimulationChannels(print);
  // Simulated time: starts at the script's `at` and moves a second per turn, so output never depends on the hour.
  let now = script.at ? Date.parse(script.at) : SIMULATION_DEFAULT_START;
  const clock = { now: () => now };

  // A simulation keeps nothing, whatever store the config names.
  const store = await openConversationStore({ ...options.config.store, kind: "memory" }, { clock });
  const assistant = await createAssistantFromConfig(options.config, { corpusFile: options.corpusFile, clock });
  const engine = createEngine({
    config: options.config,
    store,
    assistant,
    customers,
    workspace,
    clock,
    logger: createSilentLogger(),
    observer: {
      onDecision: (_id, decision, turn) =>
        print(
          `  decision       | intent=${turn.intent} confidence=${turn.confidence.toFixed(2)} escalate=${decision.escalate}` +
            (decision.escalate ? ` reason=${decision.reason} team=${decision.team}` : decision.clarify ? " (clarify)" : ""),
        ),
    },
  });

  let messageId = 0;
  for (const turn of script.turns) {
    now += 1000;
    // Each turn's effects (replies, card updates) print before the next turn starts.
    await engine.drain();
    if ("customer" in turn) {
      print(`customer: ${turn.customer}`);
      await engine.handleInboundMessage({
        messageId: `sim-in-${++messageId}`,
        address,
        channel: "simulation",
        customerName: script.customer.name,
        phone: script.customer.phone,
        text: turn.customer,
        receivedAt: now,
      });
      continue;
    }
    const agent: AgentRef = { id: `sim:${turn.name}`, name: turn.name };
    print(`agent ${turn.name}: ${turn.agent}${turn.text ? ` "${turn.text}"` : ""}`);
    const conversation = await store.findActiveByCustomer(address);
    const escalation = conversation?.escalations.at(-1);
    if (!conversation) {
      print("  (no conversation yet: the customer must write first)");
      continue;
    }
    switch (turn.agent) {
      case "claim": {
        const result = await engine.claim(conversation.id, agent);
        if (!result.ok) print(`  claim refused  | ${result.reason}`);
        break;
      }
      case "reply":
      case "note": {
        const text = turn.agent === "note" ? `// ${turn.text ?? ""}` : (turn.text ?? "");
        const result = await engine.agentReply(escalation?.thread ?? "none", agent, text, `sim-agent-${++messageId}`);
        if (!result.relayed) print(`  not relayed    | ${result.reason}`);
        break;
      }
      case "release":
        await engine.release(conversation.id, agent);
        break;
      case "transfer":
        await engine.transfer(conversation.id, agent, turn.team ?? options.config.routing.defaultTeam, turn.text ?? "");
        break;
      case "return":
        await engine.returnToBot(conversation.id, agent);
        break;
      case "resolve":
        await engine.resolve(conversation.id, agent);
        break;
    }
  }
  await engine.drain();
  const final = await store.findActiveByCustomer(address);
  print(`final state: ${final?.state ?? "resolved"}`);
  await store.close();
  return 0;
}
