import { defineConfig } from "vitest/config";

/**
 * Two tiers, both run by `npm test` (and so by CI): `fast` (unit and store-level tests on the shared
 * fixtures) and `e2e` (`*.e2e.test.ts`: the CLI in child processes, whole pipelines, kill -9). Run one
 * with `npm run test:fast` or `npm run test:e2e`.
 */
export default defineConfig({
  test: {
    globalSetup: ["test/global-setup.ts"],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // DuckDB work is CPU-bound and the CI machine has two cores.
    maxWorkers: 2,
    projects: [
      {
        extends: true,
        test: {
          name: "fast",
          include: ["src/**/*.test.ts", "test/**/*.test.ts"],
          exclude: ["**/*.e2e.test.ts", "**/node_modules/**"],
        },
      },
      { extends: true, test: { name: "e2e", include: ["test/**/*.e2e.test.ts"] } },
    ],
  },
});
