import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    pool: "forks",
    // Integration tests spawn ExifTool and the CLI; two workers suit a 2-core runner.
    maxWorkers: 2,
    // The CLI tests run the build in dist/; `npm test` builds first.
  },
});
