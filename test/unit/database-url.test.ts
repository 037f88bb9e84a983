// A database URL is recognised, and shown without its password wherever prov shows it;
// a password on the command line or in a config file is refused (src/config.ts).

import fs from "node:fs";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { isDatabaseUrl, redactDatabaseUrl, urlHasPassword } from "../../src/domain/database-url.js";
import { loadConfig, parseConfig } from "../../src/config.js";
import { ConfigError } from "../../src/domain/errors.js";
import { tempDir } from "../helpers/index.js";

describe("database URLs", () => {
  it("postgres:// and postgresql:// are URLs; paths are not", () => {
    expect(isDatabaseUrl("postgres://prov@db/prov")).toBe(true);
    expect(isDatabaseUrl("POSTGRESQL://prov@db/prov")).toBe(true);
    expect(isDatabaseUrl("prov.db")).toBe(false);
    expect(isDatabaseUrl("/var/prov/postgres://x")).toBe(false);
  });

  it("a password in the user part or in the query is found and removed from what is shown", () => {
    expect(urlHasPassword("postgres://prov:s3cret@db:5432/prov")).toBe(true);
    expect(urlHasPassword("postgres://prov@db/prov?password=s3cret")).toBe(true);
    expect(urlHasPassword("postgres://prov@db/prov?sslmode=require")).toBe(false);
    expect(redactDatabaseUrl("postgres://prov:s3cret@db:5432/prov?sslmode=require&password=x")).toBe("postgres://prov@db:5432/prov?sslmode=require");
    expect(redactDatabaseUrl("postgres://prov@db/prov")).toBe("postgres://prov@db/prov");
    // Not parsable as a URL: still no password shown.
    expect(redactDatabaseUrl("postgres://prov:s3 cr%et@db/prov")).not.toContain("s3");
  });

  it("config: a URL is kept as given (not resolved as a path), from the file, PROV_DATABASE_URL or --db", () => {
    const dir = tempDir();
    const file = path.join(dir, "prov.config.json");
    fs.writeFileSync(file, JSON.stringify({ database: "postgres://prov@db/prov", databasePasswordFile: "secret/pw", databaseTls: { ca: "ca.pem" } }));
    const c = loadConfig({ cwd: dir, env: {} });
    expect(c.database).toBe("postgres://prov@db/prov");
    expect(c.databasePasswordFile).toBe(path.join(dir, "secret/pw"));
    expect(c.databaseTls).toEqual({ ca: path.join(dir, "ca.pem"), cert: null, key: null });
    expect(loadConfig({ cwd: dir, env: { PROV_DATABASE_URL: "postgres://other@db2/p", PROV_DATABASE_PASSWORD_FILE: "pw2" } })).toMatchObject({
      database: "postgres://other@db2/p",
      databasePasswordFile: path.join(dir, "pw2"),
    });
    expect(loadConfig({ cwd: dir, env: { PROV_DATABASE_URL: "postgres://other@db2/p" }, dbPath: "local.db" }).database).toBe(path.join(dir, "local.db"));
  });

  it("a password on the command line or in the config file is refused, and not repeated", () => {
    const dir = tempDir();
    expect(() => loadConfig({ cwd: dir, env: {}, dbPath: "postgres://prov:s3cret@db/prov" })).toThrow(ConfigError);
    try {
      loadConfig({ cwd: dir, env: {}, dbPath: "postgres://prov:s3cret@db/prov" });
    } catch (err) {
      expect((err as Error).message).toMatch(/PGPASSWORD.*PROV_DATABASE_PASSWORD_FILE.*databasePasswordFile/);
      expect((err as Error).message).not.toContain("s3cret");
    }
    expect(() => parseConfig("/x/prov.config.json", JSON.stringify({ database: "postgres://prov:s3cret@db/prov" }))).toThrow(/database: postgres:\/\/prov@db\/prov carries a password/);
    expect(() => parseConfig("/x/prov.config.json", JSON.stringify({ database: "postgres://prov@db/prov", databaseTls: { cert: "c.pem" } }))).toThrow(/needs its key/);
    // The environment is the service account's own: a password there is accepted.
    expect(loadConfig({ cwd: dir, env: { PROV_DATABASE_URL: "postgres://prov:s3cret@db/prov" } }).database).toBe("postgres://prov:s3cret@db/prov");
  });
});
