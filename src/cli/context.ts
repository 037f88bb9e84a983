// What a command needs, opened lazily and closed once: config, store, ExifTool. The store
// and ExifTool are loaded when first asked for, so a command that needs neither starts fast.

import { loadConfig, type Config } from "../config.js";
import { folderMatcher, type FolderMatcher } from "../domain/folders.js";
import { InputError } from "../domain/errors.js";
import { fingerprintOptions, matchingOf, type FingerprintOptions, type Matching } from "../domain/likeness.js";
import { systemClock, type Clock, type MetadataReader, type Store } from "../ports.js";
import { withVolumes } from "../app/volume-paths.js";

export interface GlobalOptions {
  db?: string | undefined;
  logFormat?: "text" | "json" | undefined;
  config?: string | undefined;
  json?: boolean | undefined;
  quiet?: boolean | undefined;
  verbose?: boolean | undefined;
}

export class Context {
  private cfg: Config | undefined;
  private st: Promise<Store> | undefined;
  private rd: MetadataReader | undefined;
  readonly clock: Clock = systemClock;

  private signalWaiter: ((s: NodeJS.Signals) => void) | null = null;

  constructor(readonly globals: GlobalOptions) {}

  /** A long-running command takes SIGINT/SIGTERM to stop gracefully instead of exiting at once. */
  takeSignals(): Promise<NodeJS.Signals> {
    return new Promise((resolve) => (this.signalWaiter = resolve));
  }

  /** Returns false when no command took signals (the CLI then closes and exits). */
  deliverSignal(signal: NodeJS.Signals): boolean {
    const waiter = this.signalWaiter;
    if (!waiter) return false;
    this.signalWaiter = null;
    waiter(signal);
    return true;
  }

  config(): Config {
    this.cfg ??= loadConfig({ configPath: this.globals.config, dbPath: this.globals.db });
    return this.cfg;
  }

  databasePath(): string {
    const db = this.config().database;
    if (!db) {
      throw new InputError(
        "no database configured: run `prov init` here (writes prov.config.json and prov.db), or pass --db PATH, or set PROV_DB (PostgreSQL: PROV_DATABASE_URL)",
      );
    }
    return db;
  }

  /**
   * Writers create the database on first use; readers need it to exist. Readers still open
   * it read-write, so a database from an older prov is migrated rather than refused.
   */
  store(opts: { create?: boolean; readonly?: boolean } = {}): Promise<Store> {
    this.st ??= import("../../db/index.js")
      .then(({ openStore }) => openStore(this.databasePath(), { create: (opts.create ?? false) && !opts.readonly, postgres: this.postgresOptions() }))
      // Locations on a configured volume are stored as volume + path (src/app/volume-paths.ts).
      .then((store) => withVolumes(store, this.config().volumes));
    return this.st;
  }

  /** PostgreSQL's password file and TLS files from the config (a SQLite store ignores them). */
  postgresOptions(): { passwordFile: string | null; tls: Config["databaseTls"] } {
    const c = this.config();
    return { passwordFile: c.databasePasswordFile, tls: c.databaseTls };
  }

  async reader(): Promise<MetadataReader> {
    if (!this.rd) {
      const { MetadataReader } = await import("../adapters/exiftool.js");
      const { exiftool: e, budgets: b } = this.config();
      this.rd ??= new MetadataReader({ maxProcs: e.maxProcs, timeoutMs: b.metadataSeconds * 1000, mediaHashMaxBytes: e.mediaHashMaxBytes, maxTagBytes: b.maxTagBytes });
    }
    return this.rd;
  }

  /** How new pictures are fingerprinted at ingest; undefined when fingerprint.enabled is false. */
  fingerprint(): FingerprintOptions | undefined {
    return fingerprintOptions(this.config().fingerprint, this.config().budgets.decodeSeconds);
  }

  /** How the gate and the sweep judge perceptual matches; undefined when fingerprints are off. */
  perceptual(): Matching | undefined {
    const f = this.config().fingerprint;
    return f.enabled ? matchingOf(f) : undefined;
  }

  folderMatcher(): FolderMatcher {
    return folderMatcher(this.config().folderRules);
  }

  async close(): Promise<void> {
    const rd = this.rd;
    this.rd = undefined;
    const st = this.st;
    this.st = undefined;
    try {
      if (rd) await rd.end();
    } finally {
      if (st) await st.then((s) => s.close(), () => undefined);
    }
  }
}
