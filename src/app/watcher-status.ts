// What the watcher's last heartbeat says (prov status and the desk's "Now"): is it running,
// ready, reconciled, each root with its mode, queue and last reconcile, and the quarantine's
// counts. Read-only. Whether the row's holder still holds the lease is the caller's rule
// (watchers/lock.ts holdsLease), passed in: the app does not import the watcher.

import type { Store, WatcherRow } from "../ports.js";

export interface RootState {
  role: string;
  root: string;
  mode: string;
  fsType?: string | null;
  backend?: string;
  queue?: number;
  lastReconcile?: string | null;
  reconciling?: boolean;
  unmounted?: string | null;
  suspectedUnmount?: boolean;
  note?: string | null;
  [k: string]: unknown;
}

export interface WatcherSnapshot {
  /** Every watcher's row (one per volume; '' is the watcher without --volume). */
  rows: WatcherRow[];
  /** The one described below: the watcher without --volume, else the first holding its lease, else the first. */
  row: WatcherRow | undefined;
  /** The row, when its holder still holds the lease. */
  live: WatcherRow | null;
  state: Record<string, unknown>;
  /** Not stopped, but its heartbeat is too old: paused, hung or killed. */
  stale: boolean;
  running: boolean;
  ready: boolean;
  reconciled: boolean;
  roots: RootState[];
  queue: Record<string, number> | null;
  counts: { blocked: number; held: number; blockedStillPresent: number; released: number; recorded: number };
}

export async function watcherSnapshot(store: Store, holds: (row: WatcherRow) => boolean): Promise<WatcherSnapshot> {
  const rows = await store.watcher.rows();
  const row = rows.find((r) => r.volume === "") ?? rows.find((r) => holds(r)) ?? rows[0];
  const live = row && holds(row) ? row : null;
  const state = row ? (JSON.parse(row.state) as Record<string, unknown>) : {};
  const q = await store.quarantine.counts();
  return {
    rows,
    row,
    live,
    state,
    stale: row !== undefined && !row.stopped_at && live === null,
    running: live !== null,
    ready: live !== null && row?.ready === 1,
    reconciled: live !== null && state["reconciled"] === true,
    roots: (state["roots"] as RootState[] | undefined) ?? [],
    queue: (state["queue"] as Record<string, number> | undefined) ?? null,
    counts: {
      blocked: q["blocked/moved"] ?? 0,
      held: q["held/moved"] ?? 0,
      blockedStillPresent: (q["blocked/stuck"] ?? 0) + (q["held/stuck"] ?? 0),
      released: (q["blocked/released"] ?? 0) + (q["held/released"] ?? 0),
      recorded: await store.assets.count(),
    },
  };
}
