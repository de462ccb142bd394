import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { configDefaults, defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

const TESTS = ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"];

/**
 * Files that change what the process holds for every file after them, so each gets a fresh one:
 * the client's cluster run swaps the server its helpers start and imports other test files; the
 * tracing tests install a global tracer provider (OpenTelemetry takes one per process); one
 * file mocks a module; the subscriptions management file replaces the global Response with
 * Hono's and needs the process's own beforehand (the webhook receiver's file, run before it in
 * a shared worker, had already replaced it).
 */
const ISOLATED = [
  "packages/client/test/cluster.test.ts",
  "packages/server/test/ops/tracing.test.ts",
  "packages/server/test/ops/feature-spans.test.ts",
  "packages/kafka/test/observability.test.ts",
  "packages/client/test/subscriptions/management.test.ts",
  "packages/server/test/handlers/compression-failure.test.ts",
];

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not the build output.
    alias: {
      "@rivulet/protocol": src("protocol"),
      "@rivulet/server": src("server"),
      "@rivulet/client/node": fileURLToPath(new URL("./packages/client/src/node.ts", import.meta.url)),
      "@rivulet/client/producer": fileURLToPath(new URL("./packages/client/src/producer.ts", import.meta.url)),
      "@rivulet/client/consumer": fileURLToPath(new URL("./packages/client/src/consumer.ts", import.meta.url)),
      "@rivulet/client/subscriptions": fileURLToPath(
        new URL("./packages/client/src/subscriptions.ts", import.meta.url),
      ),
      "@rivulet/client/admin": fileURLToPath(new URL("./packages/client/src/admin.ts", import.meta.url)),
      "@rivulet/client": src("client"),
      "@rivulet/load": src("load"),
      "@rivulet/kafka/errors": fileURLToPath(new URL("./packages/kafka/src/errors.ts", import.meta.url)),
      "@rivulet/kafka/testing": fileURLToPath(new URL("./packages/kafka/src/testing/index.ts", import.meta.url)),
      "@rivulet/kafka": src("kafka"),
    },
  },
  test: {
    // Hooks of support modules, which run once per worker in the shared project (see the file).
    setupFiles: ["packages/server/test/support/cleanups-setup.ts"],
    projects: [
      // Most files share their worker's loaded modules with the files before them: loading the
      // TypeScript sources again for every file was half the suite's CPU time.
      {
        extends: true,
        test: { name: "shared", include: TESTS, exclude: [...configDefaults.exclude, ...ISOLATED], isolate: false },
      },
      { extends: true, test: { name: "isolated", include: ISOLATED, isolate: true } },
    ],
    // Vitest's default is one worker fewer than CPUs: on 2 vCPUs, one test file at a time. Most
    // files spend their time waiting on child processes, sockets and timers, not computing, so
    // one worker more than CPUs keeps the machine busy (2 vCPUs: 3 workers took 108 s, 2 took
    // 138 s, 4 took 116 s: a fourth only adds contention).
    maxWorkers: availableParallelism() + 1,
    // Generous: a test that spawns processes can take ten times longer on a busy machine (measured:
    // the CLI and 64-client tests took over 30 s at a load average of 22 on 2 vCPUs). A test that
    // hangs still fails, just later.
    testTimeout: 90_000,
    hookTimeout: 90_000,
  },
});
