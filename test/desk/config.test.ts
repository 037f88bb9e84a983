// The desk's keys in prov.config.json: defaults, paths from the config's folder, and
// refusals that name the file and the key.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { defaultConfig, parseConfig } from "../../src/config.js";
import { deskPaths } from "../../src/cli/commands/desk.js";

const FILE = "/srv/show/prov.config.json";
const parse = (desk: unknown) => parseConfig(FILE, JSON.stringify({ desk }));

describe("config desk", () => {
  it("defaults to loopback, with its accounts and documents beside the config", () => {
    expect(defaultConfig().desk).toEqual({ listen: "127.0.0.1:7420", accounts: null, data: null, trustedHeader: null, trustedProxies: [] });
    expect(deskPaths(parseConfig(FILE, "{}"))).toEqual({ data: "/srv/show/prov-desk", accounts: "/srv/show/prov-desk/accounts.json" });
  });

  it("reads listen, accounts, data (from the config's folder) and a trusted proxy", () => {
    const c = parse({ listen: "10.0.0.5:8080", accounts: "secret/desk.json", data: "/var/lib/prov-desk", trustedHeader: "X-Forwarded-User", trustedProxies: ["10.0.0.1"] });
    expect(c.desk).toEqual({ listen: "10.0.0.5:8080", accounts: path.join("/srv/show/secret/desk.json"), data: "/var/lib/prov-desk", trustedHeader: "x-forwarded-user", trustedProxies: ["10.0.0.1"] });
    expect(deskPaths(c)).toEqual({ data: "/var/lib/prov-desk", accounts: "/srv/show/secret/desk.json" });
  });

  it("refuses a header without the proxies it is believed from, and unknown keys", () => {
    expect(() => parse({ trustedHeader: "X-Forwarded-User" })).toThrow(`${FILE}: desk.trustedProxies: desk.trustedHeader needs the proxy addresses it is believed from`);
    expect(() => parse({ port: 7420 })).toThrow(`${FILE}: desk.port: unknown key`);
    expect(() => parse({ listen: "" })).toThrow(`${FILE}: desk.listen: must be a non-empty string`);
  });
});
