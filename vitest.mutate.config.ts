import { defineConfig } from "vitest/config";

/**
 * The suite as Stryker runs it: the fast tier only. The e2e tier runs the CLI in child processes,
 * which execute dist/ without the active mutant, so it could only slow mutation runs down.
 */
export default defineConfig({
  test: {
    // EHR_R1_MUTATE_TESTS (comma-separated globs) narrows a run to the tests that matter for one file,
    // when the whole fast tier per mutant would take hours; fewer tests can only lower the score.
    include: process.env.EHR_R1_MUTATE_TESTS?.split(",") ?? ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: ["**/*.e2e.test.ts", "**/node_modules/**"],
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    maxWorkers: 2,
  },
});
