import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    globalSetup: ["test/setup/global.ts"],
    // Hang guards, not speed checks: tests wait on what prov reports, and on a loaded
    // 2-core machine ExifTool, ffmpeg and the watcher take several times longer.
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: "forks",
    // Integration tests spawn ExifTool and the CLI; two workers suit a 2-core runner.
    maxWorkers: 2,
    // The CLI tests run the build in dist/; `npm test` builds first.
  },
});
