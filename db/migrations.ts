// The numbered migrations of one dialect (db/sqlite/migrations, db/postgres/migrations):
// NNNN_name.sql, applied in order, numbered 0001, 0002, ... without gaps. Both adapters read
// them here; each keeps its own folder and its own version record.

import { readdirSync, readFileSync } from "node:fs";
import path from "node:path";
import { StoreError } from "../src/domain/errors.js";

export interface Migration {
  version: number;
  name: string;
  sql: string;
}

/** `dir` undefined: the installation lacks the folder (named by `what` in the error). */
export function readMigrations(dir: string | undefined, what: string): Migration[] {
  if (!dir) throw new StoreError(`database migrations folder (${what}) is missing from this installation`);
  const out: Migration[] = [];
  for (const file of readdirSync(dir).sort()) {
    const m = /^(\d{4})_([\w-]+)\.sql$/.exec(file);
    if (!m) continue;
    out.push({ version: Number(m[1]), name: m[2] ?? file, sql: readFileSync(path.join(dir, file), "utf8") });
  }
  out.forEach((mig, i) => {
    if (mig.version !== i + 1) throw new StoreError(`database migrations must be numbered 0001, 0002, ... without gaps; found ${mig.version} at position ${i + 1}`);
  });
  return out;
}
