import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { PACKAGE_ROOT, SHIPPED_CONFIG_FILE } from "../../src/paths.js";

const BIN = join(PACKAGE_ROOT, "bin", "warmline.js");

function run(args: string[], env: Record<string, string> = {}) {
  // An empty environment (bar PATH), in a directory with no .env, as on a fresh machine.
  const cwd = mkdtempSync(join(tmpdir(), "warmline-start-"));
  try {
    return spawnSync(process.execPath, [BIN, ...args], {
      cwd,
      env: { PATH: process.env.PATH ?? "", ...env },
      encoding: "utf8",
      timeout: 60_000,
    });
  } finally {
    rmSync(cwd, { recursive: true, force: true });
  }
}

describe("warmline start", () => {
  it("exits 1 with an empty environment and names every missing setting with where to get it", () => {
    const result = run(["start", "--config", SHIPPED_CONFIG_FILE]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/3 settings need attention/);
    expect(result.stderr).toMatch(/SLACK_BOT_TOKEN is missing: .*OAuth & Permissions/);
    expect(result.stderr).toMatch(/SLACK_SIGNING_SECRET is missing: .*Basic Information/);
    expect(result.stderr).toMatch(/SLACK_APP_TOKEN is missing: .*App-Level Tokens/);
    expect(result.stderr).toMatch(/\.env \(see \.env\.example\)/);
    // Run here without the service's Node flags (the bin's first line carries them): it says which, and where they go.
    expect(result.stderr).toMatch(/Node was started without --min-semi-space-size=16, .*put it on node's command line/);
  });

  it("exits 1 on an invalid config, listing each problem, and the missing settings with them", () => {
    const result = run(["start", "--config", join(PACKAGE_ROOT, "package.json")]);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/problems:/);
    expect(result.stderr).toMatch(/teams: /);
    // One run names everything: the secrets the default (socket) mode needs are listed too.
    expect(result.stderr).toMatch(/3 settings need attention/);
    expect(result.stderr).toMatch(/SLACK_APP_TOKEN is missing/);
  });

  it("with a broken config that names http mode, asks for PORT rather than the Socket Mode token", () => {
    const dir = mkdtempSync(join(tmpdir(), "warmline-config-"));
    try {
      const file = join(dir, "warmline.config.json");
      writeFileSync(file, JSON.stringify({ slack: { mode: "http" }, teams: "none" }));
      const result = run(["start", "--config", file], { SLACK_BOT_TOKEN: "xoxb-1", SLACK_SIGNING_SECRET: "s" });
      expect(result.status).toBe(1);
      expect(result.stderr).toMatch(/teams: /);
      expect(result.stderr).toMatch(/1 setting needs attention\.\n {2}- PORT is missing/);
      expect(result.stderr).not.toMatch(/SLACK_APP_TOKEN/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
