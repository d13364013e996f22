import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests bind loopback ports and SQLite files; files run in parallel, tests inside a file in order.
    pool: "forks",
    // Two files at a time even on two cores (vitest's default there is one): much of the suite waits on timers,
    // sockets and child processes rather than computing.
    maxWorkers: 2,
  },
});
