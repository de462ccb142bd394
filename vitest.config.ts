import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = (pkg: string) => fileURLToPath(new URL(`./packages/${pkg}/src/index.ts`, import.meta.url));

export default defineConfig({
  resolve: {
    // Tests run against the TypeScript sources, not the build output.
    alias: {
      "@rivulet/protocol": src("protocol"),
      "@rivulet/server": src("server"),
      "@rivulet/client/node": fileURLToPath(new URL("./packages/client/src/node.ts", import.meta.url)),
      "@rivulet/client/consumer": fileURLToPath(new URL("./packages/client/src/consumer.ts", import.meta.url)),
      "@rivulet/client": src("client"),
    },
  },
  test: {
    include: ["packages/*/test/**/*.test.ts", "bench/test/**/*.test.ts"],
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
