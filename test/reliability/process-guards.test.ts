import { spawnSync } from "node:child_process";
import { EventEmitter } from "node:events";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";
import { type ProcessFault, installProcessGuards } from "../../src/cli/process-guards.js";
import { createCaptureLogger } from "../slack/capture-logger.js";

const CHILD = fileURLToPath(new URL("./process-guard-child.ts", import.meta.url));

function guarded() {
  const target = new EventEmitter();
  const logger = createCaptureLogger();
  const exits: number[] = [];
  const counted: ProcessFault[] = [];
  let stops = 0;
  let stopping: Promise<void> = Promise.resolve();
  let finishStop: () => void = () => undefined;
  const guards = installProcessGuards(target, { logger, exit: (code) => exits.push(code) });
  const service = {
    metrics: { countProcessFault: (kind: ProcessFault) => counted.push(kind) },
    stop: () => {
      stops += 1;
      stopping = new Promise<void>((resolve) => (finishStop = resolve));
      return stopping;
    },
  };
  return { target, logger, exits, counted, guards, service, stops: () => stops, finishStop: () => finishStop() };
}

describe("process guards (warmline start)", () => {
  it("an unhandled rejection is logged and counted, and the service keeps running", () => {
    const g = guarded();
    g.guards.serve(g.service);
    g.target.emit("unhandledRejection", new Error("lost promise"));
    expect(g.counted).toEqual(["unhandled_rejection"]);
    expect(g.exits).toEqual([]);
    expect(g.stops()).toBe(0);
    expect(g.logger.entries.find((l) => l.level === "error")?.context).toMatchObject({
      component: "process",
      err: { message: "lost promise" },
    });
  });

  it("an uncaught exception stops the service, then exits 1 for the supervisor; a second one exits at once", async () => {
    const g = guarded();
    g.guards.serve(g.service);
    g.target.emit("uncaughtException", new Error("bug"));
    expect(g.stops()).toBe(1);
    expect(g.exits).toEqual([]);
    g.target.emit("uncaughtException", new Error("bug while stopping"));
    expect(g.exits).toEqual([1]);
    g.finishStop();
    await flushPromises();
    expect(g.exits).toEqual([1, 1]);
    expect(g.counted).toEqual(["uncaught_exception", "uncaught_exception"]);
  });

  it("faults before the service has started are counted once it has", () => {
    const g = guarded();
    g.target.emit("unhandledRejection", "a string reason");
    expect(g.counted).toEqual([]);
    g.guards.serve(g.service);
    expect(g.counted).toEqual(["unhandled_rejection"]);
    g.guards.uninstall();
    g.target.emit("unhandledRejection", new Error("after uninstall"));
    expect(g.counted).toHaveLength(1);
  });

  it("in a real process: survives a lost rejection (counted in /metrics), exits 1 after stopping on an uncaught exception", () => {
    const result = spawnSync(process.execPath, ["--import", "tsx", CHILD], { encoding: "utf8", timeout: 60_000 });
    expect(result.stdout).toMatch(/warmline_process_faults_total\{kind="unhandled_rejection"\} 1/);
    expect(result.stdout).toMatch(/warmline_process_faults_total\{kind="uncaught_exception"\} 0/);
    expect(result.stdout).toMatch(/ALIVE\nSTOPPED\n$/);
    expect(result.status).toBe(1);
    expect(result.stderr).toContain("nobody waits for this");
    expect(result.stderr).toContain("a bug in a callback");
  });
});

/** Lets the guard's stop().finally() run. */
async function flushPromises(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
