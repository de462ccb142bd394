/**
 * The browser bundle budget. Everything `@rivulet/client` exports, bundled for browsers and
 * minified by esbuild (as `npx esbuild packages/client/src/index.ts --bundle --minify
 * --format=esm` does), stays under 50 KB. The idempotent producer (`@rivulet/client/producer`),
 * the consumer (`@rivulet/client/consumer`) and subscriptions (`@rivulet/client/subscriptions`)
 * are entry points of their own: an app that uses one loads it with the main entry, and each
 * pair is checked to stay free of Node too.
 */
import { fileURLToPath } from "node:url";
import { build } from "esbuild";
import { describe, expect, it } from "vitest";

const LIMIT_BYTES = 50 * 1024;
const source = (path: string) => fileURLToPath(new URL(`../../${path}`, import.meta.url));

/** Minified bytes of a browser bundle of the given client entry points. */
async function minifiedSize(...entries: string[]): Promise<number> {
  const result = await build({
    stdin: {
      contents: entries.map((entry) => `export * from ${JSON.stringify(source(`client/src/${entry}.ts`))};`).join("\n"),
      resolveDir: source("client"),
      loader: "ts",
    },
    alias: { "@rivulet/protocol": source("protocol/src/index.ts") },
    bundle: true,
    minify: true,
    format: "esm",
    // A Node built-in in these entries fails the build here.
    platform: "browser",
    write: false,
    logLevel: "silent",
  });
  return result.outputFiles[0]!.contents.length;
}

describe("browser bundle", () => {
  it("the main entry stays under 50 KB minified", async () => {
    expect(await minifiedSize("index")).toBeLessThan(LIMIT_BYTES);
  });

  it.each(["producer", "consumer"])("the main and %s entries together build for browsers", async (entry) => {
    const both = await minifiedSize("index", entry);
    expect(both).toBeGreaterThan(await minifiedSize("index"));
  });

  it("the main and subscriptions entries together build for browsers", async () => {
    const both = await minifiedSize("index", "subscriptions");
    expect(both).toBeGreaterThan(await minifiedSize("index"));
  });
});
