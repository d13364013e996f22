/**
 * The parent's handle on one system under test (instance.ts in a child process): requests with
 * their replies, the customer's messages one way, and the child's WhatsApp sends as they happen.
 */
import { type ChildProcess, fork } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { SERVICE_NODE_FLAGS } from "../../src/cli/service-heap.js";
import { BUILD_DIR } from "../../src/paths.js";
import type { ChildMessage, ChildReply, InstanceSpec, ParentMessage, ParentRequest, ProcessUsage } from "./protocol.js";

/** Compiled, as `npm start` runs Warmline (`npm run bench` builds first): the RSS measured is production's, without tsx. */
const INSTANCE_ENTRY = join(BUILD_DIR, "scripts", "bench", "instance.js");
/** Start-up includes training the offline assistant: generous on a loaded 2-core machine. */
const START_TIMEOUT_MS = 120_000;
/** How long a stopping instance may take before it is killed. */
const STOP_TIMEOUT_MS = 20_000;

export interface BenchInstance {
  spec: InstanceSpec;
  /** Where its Bolt receiver takes signed Slack requests. */
  eventsUrl: string;
  request(request: ParentRequest): Promise<ChildReply>;
  usage(): Promise<ProcessUsage>;
  customerSays(chatId: string, text: string, name?: string): void;
  /** Called with the bench token's sequence number of each WhatsApp send. */
  onSent(listener: (seq: number) => void): void;
  stop(): Promise<void>;
}

export async function startInstance(specWithoutDir: InstanceSpec): Promise<BenchInstance> {
  if (!existsSync(INSTANCE_ENTRY))
    throw new Error(
      `The bench runs the compiled build and ${INSTANCE_ENTRY} is missing: run \`npm run build\` first (\`npm run bench\` does)`,
    );
  const dataDir = specWithoutDir.target === "floor" ? undefined : mkdtempSync(join(tmpdir(), "warmline-bench-"));
  const spec: InstanceSpec = { ...specWithoutDir, ...(dataDir ? { dataDir } : {}) };
  const child: ChildProcess = fork(INSTANCE_ENTRY, [JSON.stringify(spec)], {
    // Not the parent's flags (it runs under tsx, the instance is already JavaScript): Warmline gets the service's, as npm start
    // passes them; the floor, a bare Bolt app, Node's defaults.
    execArgv: spec.target === "floor" ? [] : [...SERVICE_NODE_FLAGS],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  const pending = new Map<number, (reply: ChildReply) => void>();
  const sentListeners: ((seq: number) => void)[] = [];
  let nextId = 0;
  let exited = false;

  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill();
      reject(new Error(`The ${spec.target} instance did not start within ${START_TIMEOUT_MS / 1000} s: run it alone to see why`));
    }, START_TIMEOUT_MS);
    child.on("message", (message: ChildMessage) => {
      if (message.kind === "sent") for (const listener of sentListeners) listener(message.seq);
      else if (message.kind === "reply") pending.get(message.id)?.(message.reply);
      else if (message.kind === "ready") {
        clearTimeout(timer);
        resolve(message.port);
      } else {
        clearTimeout(timer);
        reject(new Error(`The ${spec.target} instance failed to start: ${message.message}`));
      }
    });
    child.once("exit", (code) => {
      exited = true;
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
      clearTimeout(timer);
      reject(new Error(`The ${spec.target} instance exited (code ${code}) before it was ready: its output above says why`));
      for (const resolveReply of pending.values())
        resolveReply({ kind: "failed", message: `The ${spec.target} instance exited (code ${code})` });
    });
  });

  const send = (message: ParentMessage) => {
    if (!exited) child.send(message);
  };
  const request = (req: ParentRequest) =>
    new Promise<ChildReply>((resolve) => {
      if (exited) return resolve({ kind: "failed", message: `The ${spec.target} instance has exited` });
      const id = ++nextId;
      pending.set(id, (reply) => {
        pending.delete(id);
        resolve(reply);
      });
      send({ id, request: req });
    });

  return {
    spec,
    eventsUrl: `http://127.0.0.1:${port}/slack/events`,
    request,
    async usage() {
      const reply = await request({ kind: "usage" });
      if (reply.kind !== "usage") throw new Error(`The ${spec.target} instance could not report its usage: ${JSON.stringify(reply)}`);
      return reply.usage;
    },
    customerSays: (chatId, text, name) => send({ kind: "customer-says", chatId, text, ...(name ? { name } : {}) }),
    onSent: (listener) => void sentListeners.push(listener),
    async stop() {
      if (exited) return;
      const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
      // A system buried under a backlog may take long to stop cleanly; the bench does not wait for it.
      const killer = setTimeout(() => child.kill("SIGKILL"), STOP_TIMEOUT_MS);
      await Promise.race([request({ kind: "stop" }), gone]);
      await gone;
      clearTimeout(killer);
    },
  };
}

/** The reply, or an error that says what the instance reported. */
export function expectReply<K extends ChildReply["kind"]>(reply: ChildReply, kind: K, what: string): Extract<ChildReply, { kind: K }> {
  if (reply.kind === kind) return reply as Extract<ChildReply, { kind: K }>;
  throw new Error(`${what} failed: ${reply.kind === "failed" ? reply.message : `unexpected reply ${reply.kind}`}`);
}
