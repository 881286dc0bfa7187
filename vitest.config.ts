import { defineConfig } from "vitest/config";

export default defineConfig({
  test: {
    include: ["test/**/*.test.ts"],
    // The bins run the build in dist/: build it from this tree first.
    globalSetup: ["test/support/build-programs.ts"],
    testTimeout: 30_000,
    hookTimeout: 60_000,
    // Each file starts its own service on loopback; two cores, so keep it modest.
    maxWorkers: 2,
  },
});
