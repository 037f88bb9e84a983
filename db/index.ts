// Open the store a configuration names: a file path is SQLite, the embedded default for one
// host; a postgres:// or postgresql:// URL is PostgreSQL, for a facility (many hosts, one
// provenance).

import { isDatabaseUrl } from "../src/domain/database-url.js";
import type { Store } from "../src/ports.js";
import type { PgTls } from "./postgres/store.js";
import { SqliteStore, type OpenOptions as SqliteOpenOptions } from "./sqlite/store.js";

export interface OpenOptions extends SqliteOpenOptions {
  /** PostgreSQL only: a password file (mode 0600 or stricter), and TLS files. */
  postgres?: { passwordFile?: string | null | undefined; tls?: PgTls | null | undefined } | undefined;
}

export function openStore(location: string, opts: OpenOptions = {}): Promise<Store> {
  if (isDatabaseUrl(location)) return openPostgres(location, opts);
  const { postgres: _pg, ...sqlite } = opts;
  return SqliteStore.open(location, sqlite);
}

async function openPostgres(url: string, opts: OpenOptions): Promise<Store> {
  // Loaded only when asked for: a single-host install never loads node-postgres.
  const { PgStore } = await import("./postgres/store.js");
  return PgStore.open(url, { create: opts.create ?? false, readonly: opts.readonly ?? false, passwordFile: opts.postgres?.passwordFile, tls: opts.postgres?.tls });
}

/**
 * `prov migrate`: the schema version the database has and the one this prov needs, and
 * (unless `check`) the database brought to it. Either engine; a newer schema is a StoreError.
 */
export async function migrateStore(location: string, opts: OpenOptions & { check?: boolean }): Promise<{ from: number; to: number; latest: number; location: string }> {
  if (isDatabaseUrl(location)) {
    const { PgStore } = await import("./postgres/store.js");
    const pgOpts = { passwordFile: opts.postgres?.passwordFile, tls: opts.postgres?.tls };
    const latest = PgStore.latestVersion();
    if (opts.check) {
      const v = (await PgStore.versionOf(location, pgOpts)) ?? 0;
      if (v > latest) await PgStore.open(location, { ...pgOpts, readonly: true }); // throws the newer-schema StoreError
      const { redactDatabaseUrl } = await import("../src/domain/database-url.js");
      return { from: v, to: v, latest, location: redactDatabaseUrl(location) };
    }
    const r = await PgStore.migrateTo(location, pgOpts);
    return { ...r, latest };
  }
  const { SqliteDb, loadMigrations } = await import("./sqlite/sql.js");
  const latest = loadMigrations().length;
  if (opts.check) {
    const v = SqliteDb.versionOf(location);
    if (v > latest) await (await SqliteStore.open(location, { readonly: true })).close(); // throws the newer-schema StoreError
    return { from: v, to: v, latest, location };
  }
  const before = SqliteDb.versionOf(location, true);
  const store = await SqliteStore.open(location, { create: true });
  const to = await store.schemaVersion();
  await store.close();
  return { from: before, to, latest, location: store.location };
}
