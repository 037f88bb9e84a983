// Which `prov watch` holds a database: its row in the store, fresh heartbeats, and a live
// process on this host. Small on purpose: `prov status` loads this, not the whole service.

import { hostname } from "node:os";
import type { Store } from "../src/ports.js";
import { errnoCode } from "../src/errors.js";

/** A heartbeat older than this is a watcher that stopped without saying so. */
export const STALE_MS = 10_000;

export function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return errnoCode(err) === "EPERM";
  }
}

/** Is another `prov watch` holding this database? */
export async function liveWatcher(store: Store): Promise<{ pid: number; host: string } | null> {
  const row = await store.watcher.row();
  if (!row || row.stopped_at) return null;
  const fresh = Date.now() - Date.parse(row.heartbeat_at) < STALE_MS;
  if (!fresh) return null;
  if (row.host === hostname() && !pidAlive(row.pid)) return null;
  return { pid: row.pid, host: row.host };
}
