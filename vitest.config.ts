import { availableParallelism } from "node:os";
import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests bind loopback ports and SQLite files; files run in parallel, tests inside a file in order.
    pool: "forks",
    // vitest's default (one file per core but one): at least two files at a time, so two cores run two, not one.
    // Much of the suite waits on timers, sockets and child processes rather than computing.
    maxWorkers: Math.max(2, availableParallelism() - 1),
  },
});
