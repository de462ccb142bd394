/**
 * SSRF prevention for webhook URLs (PROTOCOL §6.2, §12.8): address classification, the
 * allow-list, the checks at creation, and the DNS check every delivery connects through.
 */
import type { LookupAddress } from "node:dns";
import { describe, expect, test } from "vitest";
import { isNonPublicAddress } from "../../src/features/subscriptions/ssrf/addresses.js";
import { parseAllowList } from "../../src/features/subscriptions/ssrf/allow-list.js";
import {
  allowedAddresses,
  guardedLookup,
  type Resolver,
  TargetRefusedError,
} from "../../src/features/subscriptions/ssrf/target.js";
import { checkWebhookUrl } from "../../src/features/subscriptions/ssrf/webhook-url.js";

describe("non-public addresses", () => {
  test.each([
    "127.0.0.1",
    "127.255.0.9",
    "10.0.0.1",
    "172.16.5.4",
    "172.31.255.255",
    "192.168.1.1",
    "169.254.169.254",
    "100.64.0.1",
    "0.0.0.0",
    "224.0.0.1",
    "255.255.255.255",
    "::1",
    "::",
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "ff02::1",
    "::ffff:127.0.0.1",
    "::ffff:10.0.0.1",
    "::ffff:169.254.169.254",
  ])("%s is refused", (address) => {
    expect(isNonPublicAddress(address)).toBe(true);
  });

  test.each(["93.184.216.34", "8.8.8.8", "172.32.0.1", "192.169.0.1", "2606:4700::1111", "::ffff:8.8.8.8"])(
    "%s is public",
    (address) => {
      expect(isNonPublicAddress(address)).toBe(false);
    },
  );
});

describe("the allow-list", () => {
  test("host names, wildcard subdomains, addresses and CIDR ranges", () => {
    const allow = parseAllowList([
      "localhost",
      "*.dev.example",
      "127.0.0.1",
      "10.1.0.0/16",
      "fd00::/8",
      " Hooks.Test. ",
    ]);
    expect(allow.allowsHost("localhost")).toBe(true);
    expect(allow.allowsHost("a.dev.example")).toBe(true);
    expect(allow.allowsHost("dev.example")).toBe(false);
    expect(allow.allowsHost("hooks.test")).toBe(true);
    expect(allow.allowsHost("127.0.0.1")).toBe(true);
    expect(allow.allowsHost("127.0.0.2")).toBe(false);
    expect(allow.allowsAddress("10.1.200.3")).toBe(true);
    expect(allow.allowsAddress("10.2.0.1")).toBe(false);
    expect(allow.allowsAddress("fd00::5")).toBe(true);
    expect(allow.allowsAddress("not-an-ip")).toBe(false);
  });

  test.each(["exa mple", "10.0.0.0/33", "10.0.0.0/x", "::/129", "-bad.example", "a/b"])(
    "%j is refused at startup",
    (entry) => {
      expect(() => parseAllowList([entry])).toThrow(/webhook allow-list/);
    },
  );

  test("an empty list allows nothing", () => {
    const allow = parseAllowList([]);
    expect(allow.empty).toBe(true);
    expect(allow.allowsHost("localhost")).toBe(false);
  });
});

describe("webhook URLs at creation", () => {
  const none = parseAllowList([]);
  const local = parseAllowList(["127.0.0.1", "localhost"]);
  const check = (url: unknown, allow = none) => checkWebhookUrl(url, allow, 2048);
  const code = (url: unknown, allow = none) => {
    try {
      check(url, allow);
      return "accepted";
    } catch (error) {
      return (error as { code: string }).code;
    }
  };

  test("public https URLs are accepted and normalised", () => {
    expect(check("https://Hooks.Example.com:443/a?b=1").href).toBe("https://hooks.example.com/a?b=1");
    expect(check("https://[2606:4700::1111]/x").host).toBe("2606:4700::1111");
  });

  test.each([
    ["http://hooks.example.com/x", "WEBHOOK_URL_REJECTED"], // https only
    ["ftp://hooks.example.com/x", "WEBHOOK_URL_REJECTED"],
    ["https://user:pw@hooks.example.com/x", "WEBHOOK_URL_REJECTED"],
    ["not a url", "WEBHOOK_URL_REJECTED"],
    ["https://10.0.0.1/hook", "WEBHOOK_URL_REJECTED"],
    ["http://10.0.0.1/hook", "WEBHOOK_URL_REJECTED"],
    ["https://127.0.0.1/hook", "WEBHOOK_URL_REJECTED"],
    ["https://2130706433/hook", "WEBHOOK_URL_REJECTED"], // 127.0.0.1 spelled as a number
    ["https://0x7f.1/hook", "WEBHOOK_URL_REJECTED"],
    ["https://169.254.169.254/latest/meta-data", "WEBHOOK_URL_REJECTED"],
    ["https://[::1]/hook", "WEBHOOK_URL_REJECTED"],
    ["https://[::ffff:127.0.0.1]/hook", "WEBHOOK_URL_REJECTED"],
    ["https://[fd00::1]/hook", "WEBHOOK_URL_REJECTED"],
    ["https://localhost/hook", "WEBHOOK_URL_REJECTED"],
    ["https://api.localhost/hook", "WEBHOOK_URL_REJECTED"],
    ["https://intranet/hook", "WEBHOOK_URL_REJECTED"],
    ["https://printer.local/hook", "WEBHOOK_URL_REJECTED"],
    ["https://metadata.google.internal/x", "WEBHOOK_URL_REJECTED"],
    ["", "INVALID_SUBSCRIPTION"],
    [42, "INVALID_SUBSCRIPTION"],
    [`https://hooks.example.com/${"x".repeat(2048)}`, "WEBHOOK_URL_TOO_LONG"],
  ])("%s is %s", (url, expected) => {
    expect(code(url)).toBe(expected);
  });

  test("the allow-list admits local targets, over http too", () => {
    expect(code("http://127.0.0.1:8080/webhook", local)).toBe("accepted");
    expect(code("http://localhost:8080/webhook", local)).toBe("accepted");
    expect(code("http://127.0.0.2:8080/webhook", local)).toBe("WEBHOOK_URL_REJECTED");
    expect(code("http://10.0.0.1/hook", local)).toBe("WEBHOOK_URL_REJECTED");
    expect(code("https://10.1.2.3/hook", parseAllowList(["10.1.0.0/16"]))).toBe("accepted");
  });
});

describe("the DNS check at delivery", () => {
  const resolver =
    (table: Record<string, string[]>): Resolver =>
    async (host) => {
      const addresses = table[host];
      if (!addresses) throw Object.assign(new Error(`ENOTFOUND ${host}`), { code: "ENOTFOUND" });
      return addresses.map((address): LookupAddress => ({ address, family: address.includes(":") ? 6 : 4 }));
    };
  const dns = resolver({
    "public.example": ["93.184.216.34"],
    "rebind.example": ["127.0.0.1"],
    "mixed.example": ["10.0.0.7", "93.184.216.34"],
    "dev.example": ["127.0.0.1"],
    "v6.example": ["2606:4700::1111"],
  });

  test("names resolving only to non-public addresses are refused; mixed ones keep only public addresses", async () => {
    const policy = { allow: parseAllowList([]), resolve: dns };
    expect(await allowedAddresses(policy, "public.example")).toEqual([{ address: "93.184.216.34", family: 4 }]);
    await expect(allowedAddresses(policy, "rebind.example")).rejects.toBeInstanceOf(TargetRefusedError);
    expect(await allowedAddresses(policy, "mixed.example")).toEqual([{ address: "93.184.216.34", family: 4 }]);
    await expect(allowedAddresses(policy, "169.254.169.254")).rejects.toBeInstanceOf(TargetRefusedError);
    await expect(allowedAddresses(policy, "nowhere.example")).rejects.toMatchObject({ code: "ENOTFOUND" });
  });

  test("allow-listed names and ranges pass", async () => {
    expect(await allowedAddresses({ allow: parseAllowList(["dev.example"]), resolve: dns }, "dev.example")).toEqual([
      { address: "127.0.0.1", family: 4 },
    ]);
    expect(
      await allowedAddresses({ allow: parseAllowList(["127.0.0.0/8"]), resolve: dns }, "rebind.example"),
    ).toHaveLength(1);
  });

  test("the guarded lookup hands the socket only a checked address", async () => {
    const lookup = guardedLookup({ allow: parseAllowList([]), resolve: dns });
    const one = await new Promise<[Error | null, string, number]>((resolve) =>
      lookup("mixed.example", {}, (error, address, family) => resolve([error, address as string, family as number])),
    );
    expect(one).toEqual([null, "93.184.216.34", 4]);
    const all = await new Promise<unknown>((resolve) =>
      lookup("mixed.example", { all: true }, (_error, addresses) => resolve(addresses)),
    );
    expect(all).toEqual([{ address: "93.184.216.34", family: 4 }]);
    const refused = await new Promise<Error | null>((resolve) =>
      lookup("rebind.example", {}, (error) => resolve(error)),
    );
    expect(refused).toBeInstanceOf(TargetRefusedError);
    const noV6 = await new Promise<Error | null>((resolve) =>
      lookup("public.example", { family: 6 }, (error) => resolve(error)),
    );
    expect(noV6).toBeInstanceOf(TargetRefusedError);
  });
});
