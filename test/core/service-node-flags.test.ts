import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { missingServiceNodeFlags, SERVICE_NODE_FLAGS, YOUNG_GENERATION_MB } from "../../src/cli/service-heap.js";
import { PACKAGE_ROOT } from "../../src/paths.js";

/** The young generation's size in a fresh `node` started with `flags`. */
function newSpaceBytes(flags: readonly string[]): number {
  const script = `console.log(require("node:v8").getHeapSpaceStatistics().find((s) => s.space_name === "new_space").space_size)`;
  const result = spawnSync(process.execPath, [...flags, "-e", script], { encoding: "utf8" });
  expect(result.stderr).toBe("");
  return Number(result.stdout.trim());
}

describe("the service's Node flags", () => {
  it("are on both command lines that start the service: npm start, and the warmline bin's first line", () => {
    const start = (JSON.parse(readFileSync(join(PACKAGE_ROOT, "package.json"), "utf8")) as { scripts: { start: string } }).scripts.start;
    const shebang = readFileSync(join(PACKAGE_ROOT, "bin", "warmline.js"), "utf8").split("\n")[0]!;
    for (const flag of SERVICE_NODE_FLAGS) {
      expect(start.split(" ")).toContain(flag);
      expect(shebang.split(" ")).toContain(flag);
    }
  });

  it("hold this Node's young generation at its working size from the start (V8's default starts it at 1 MB)", () => {
    expect(newSpaceBytes(SERVICE_NODE_FLAGS)).toBeGreaterThanOrEqual(YOUNG_GENERATION_MB * 1024 * 1024);
    expect(newSpaceBytes([])).toBeLessThan(YOUNG_GENERATION_MB * 1024 * 1024);
  });

  it("name what a process started without them is missing", () => {
    expect(missingServiceNodeFlags([])).toEqual([...SERVICE_NODE_FLAGS]);
    expect(missingServiceNodeFlags(["--import", "tsx", ...SERVICE_NODE_FLAGS])).toEqual([]);
  });
});
