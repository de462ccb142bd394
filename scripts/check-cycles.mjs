#!/usr/bin/env node
// No import cycles in any package (type-only imports included): each package's sources are
// checked on their own, so a cycle is always named by the files of the package that has it.
import { readdirSync } from "node:fs";
import { join } from "node:path";
import madge from "madge";

const root = new URL("..", import.meta.url).pathname;
let failed = false;
for (const name of readdirSync(join(root, "packages"))) {
  const src = join(root, "packages", name, "src");
  const result = await madge(src, {
    fileExtensions: ["ts", "tsx"],
    tsConfig: join(root, "packages", name, "tsconfig.json"),
    // Other packages are checked on their own; their build output is not this package's cycle.
    excludeRegExp: [/node_modules/, /\/dist\//],
  });
  const cycles = result.circular();
  if (cycles.length === 0) continue;
  failed = true;
  console.error(`packages/${name}: ${cycles.length} import cycle(s)`);
  for (const cycle of cycles) console.error(`  ${cycle.join(" > ")}`);
}
if (failed) process.exit(1);
console.log("no import cycles");
