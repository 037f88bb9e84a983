// Open the store a configuration names. SQLite (a file path) is the embedded default for
// one host; a facility's PostgreSQL adapter plugs in here.

import type { Store } from "../src/ports.js";
import { SqliteStore, type OpenOptions } from "./sqlite/store.js";

export type { OpenOptions } from "./sqlite/store.js";

export function openStore(location: string, opts: OpenOptions = {}): Promise<Store> {
  return SqliteStore.open(location, opts);
}
