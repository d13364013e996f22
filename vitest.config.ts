import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    // Integration tests bind loopback ports and SQLite files; files run in parallel, tests inside a file in order.
    pool: "forks",
  },
});
