/** deploy/nginx/rivulet-cluster.conf is the generated configuration, rendered for three nodes: docs and code cannot drift. */
import { readFile } from "node:fs/promises";
import { describe, expect, test } from "vitest";
import { renderNginxConfig } from "../../src/cluster/nginx-config.js";

const EXAMPLE = {
  listen: "0.0.0.0:80",
  nodes: ["10.0.0.11:4437", "10.0.0.12:4437", "10.0.0.13:4437"],
  cacheDir: "/var/cache/nginx/rivulet",
  tempDir: "/var/lib/nginx",
  pidFile: "/run/nginx.pid",
};

describe("the documented nginx configuration", () => {
  test("is what cluster up generates, for three nodes", async () => {
    const committed = await readFile(new URL("../../../../deploy/nginx/rivulet-cluster.conf", import.meta.url), "utf8");
    expect(committed).toBe(renderNginxConfig(EXAMPLE));
  });

  test("hashes by path, collapses catch-up reads, and never caches live reads or credentialed ones", () => {
    const config = renderNginxConfig(EXAMPLE);
    expect(config).toMatch(/hash \$uri consistent;/);
    expect(config).toMatch(/proxy_cache_lock on;/);
    expect(config).toMatch(/proxy_no_cache \$rivulet_live \$http_authorization;/);
    expect(config.match(/max_fails=2 fail_timeout=5s;/g)).toHaveLength(3);
  });
});
