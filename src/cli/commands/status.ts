import { hostname } from "node:os";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { StoreError } from "../../domain/errors.js";
import { printJson, println, showPath, table } from "../output.js";
import { holderName, holdsLease, pidAlive, STALE_MS } from "../../../watchers/lock.js";
import type { WatcherRow } from "../../ports.js";
import { toHost, type Volume } from "../../domain/volumes.js";
import { watcherSnapshot } from "../../app/watcher-status.js";
import { readWithoutStore } from "../../app/quarantine.js";
import { notifyStatusLines } from "../../app/notify-status.js";

export async function statusCommand(ctx: Context): Promise<number> {
  const config = ctx.config();
  let store;
  try {
    store = await ctx.store({ readonly: true });
  } catch (err) {
    // The database is unreachable (a server restarting, a network cut) or unreadable: say
    // what the quarantine knows (a watcher gating without it keeps its heartbeat there), then
    // fail with the database's error.
    if (err instanceof StoreError) await statusWithoutStore(ctx, err);
    throw err;
  }
  // Every watcher in the facility (one per volume); the fields below describe the watcher
  // without --volume, else the first one running (a facility of volume watchers only).
  const snap = await watcherSnapshot(store, (r) => holdsLease(r));
  const { row, live, state, rows } = snap;
  /** Not stopped, but its heartbeat is older than STALE_MS: paused, hung or killed; another watcher may take its lease over. */
  const stale = snap.stale;
  // A watcher whose database refuses writes keeps its heartbeat in the quarantine.
  const side = config.roots.quarantine ? await readWithoutStore(config.roots.quarantine) : { heartbeat: null, unrecorded: 0 };
  const hb = side.heartbeat;
  const sideLive = live === null && hb !== null && Date.now() - Date.parse(hb.at) < STALE_MS && (hb.host !== hostname() || pidAlive(hb.pid)) ? hb : null;
  const out = {
    running: live !== null || sideLive !== null,
    /** The running watcher cannot write its database (read-only, full, failing): it gates on each file's own labels and keeps what it moves in the quarantine's journal. */
    databaseRefusesWrites: sideLive ? { since: sideLive.at, error: sideLive.storeError } : null,
    /** Moves made without the database, recorded in it once it takes writes again. */
    movedWithoutDatabase: side.unrecorded,
    ready: live !== null && row?.ready === 1,
    /** Every root walked and compared with the database since the watcher started (watching starts before that). */
    reconciled: live !== null && state["reconciled"] === true,
    gate: state["gate"] ?? null,
    pid: row?.pid ?? null,
    host: row?.host ?? null,
    /** Who holds the watcher lease now (null: nobody; a new `prov watch` would get it). */
    leaseHolder: live ? { pid: live.pid, host: live.host } : null,
    stale,
    startedAt: row?.started_at ?? null,
    heartbeatAt: row?.heartbeat_at ?? null,
    stoppedAt: row?.stopped_at ?? null,
    unknownPolicy: config.gate.unknown,
    // Heartbeats name a root on a volume in stored form: shown at this host's mount, if it mounts it.
    roots: ((state["roots"] as Array<Record<string, unknown>> | undefined) ?? []).map((r) => ({ ...r, root: toHost(String(r["root"]), config.volumes) })),
    queue: state["queue"] ?? null,
    /** Notices per channel (command, webhook, smtp; null: not configured): sent, failed, pending, dropped, the last failure. */
    notify: state["notify"] ?? null,
    counts: snap.counts,
    stillPresent: (await store.quarantine.rows(["stuck"])).map((r) => ({ id: r.id, path: r.original_path, kind: r.kind, error: r.error, attempts: r.attempts })),
    /**
     * What is stuck and why: moves that cannot be done yet (the file is still in
     * deliverables) and moved files whose receipt is not written yet, each with its reason,
     * attempts and next try; plus files whose move could not even be recorded (gateFaults,
     * as of the last heartbeat).
     */
    stuck: [
      ...(await store.quarantine.faulted()).map((r) => ({
        id: r.id,
        path: r.original_path,
        kind: r.kind,
        state: r.state,
        stillPresent: r.state === "stuck",
        quarantinePath: r.quarantine_path,
        fault: r.fault,
        reason: r.error,
        attempts: r.attempts,
        nextTryAt: r.next_try_at,
      })),
      ...((sideLive?.gateFaults ?? (state["gateFaults"] as Array<{ path: string; reason: string; attempts: number; nextTryAt: string }> | undefined)) ?? []).map((f) => ({
        id: null,
        path: f.path,
        kind: null,
        state: "not-planned",
        stillPresent: true,
        quarantinePath: null,
        fault: "store",
        reason: `its move could not be recorded: ${f.reason}`,
        attempts: f.attempts,
        nextTryAt: f.nextTryAt,
      })),
    ],
    database: store.location,
    /** Every watcher that ever ran on this database, one per volume ('' : without --volume). */
    watchers: rows.map((r) => watcherSummary(r, config.volumes)),
  };
  if (ctx.globals.json) {
    printJson("prov.status", out);
    return ExitCode.ok;
  }
  /** The watcher the lines below describe: "watcher", or with volumes "watcher of volume EDIT-A". */
  const who = row && row.volume !== "" ? `watcher of volume ${row.volume}` : "watcher";
  if (sideLive)
    println(
      `watcher: running (pid ${sideLive.pid} on ${sideLive.host}), but its DATABASE REFUSES WRITES (${sideLive.storeError}; last heartbeat in the quarantine ${sideLive.at}): it gates each file on its own labels and holds what it cannot judge; ${side.unrecorded} move(s) made without the database are recorded once it takes writes again`,
    );
  else if (!row) println("watcher: never started on this database");
  else if (!live && stale && row.host === hostname() && pidAlive(row.pid))
    println(`${who}: not responding (${holderName(row)}, last heartbeat ${row.heartbeat_at}, over ${STALE_MS / 1000} s ago): its lease may be taken over by another prov watch`);
  else if (!live) println(`${who}: not running (last heartbeat ${row.heartbeat_at}${row.stopped_at ? `, stopped ${row.stopped_at}` : ", did not stop cleanly"})`);
  else println(`${who}: running, ${out.ready ? (out.reconciled ? "watching, reconciled" : "watching, reconciling (catching up with what changed while stopped)") : "starting"} (lease held by ${holderName(row)}, since ${row.started_at})`);
  if (rows.some((r) => r.volume !== "")) {
    println("watchers:");
    println(
      table(
        out.watchers.map((w) => [
          w.volume || "(none)",
          w.host,
          String(w.pid),
          w.running ? (w.ready ? "ready" : "starting") : w.stale ? "NOT RESPONDING" : "stopped",
          String(w.queue ?? 0),
          w.heartbeatAgeSeconds === null ? "?" : `${w.heartbeatAgeSeconds}s`,
          w.roots.map((r) => showPath(r.root)).join(", "),
        ]),
        ["volume", "host", "pid", "state", "queue", "heartbeat", "roots"],
      )
        .split("\n")
        .map((l) => `  ${l}`)
        .join("\n"),
    );
  }
  println(`unknown provenance in deliverables: ${config.gate.unknown}`);
  for (const r of out.roots as Array<Record<string, unknown>>) {
    const flags = [
      r["reconciling"] ? "reconciling" : null,
      r["unmounted"] ? `NOT MOUNTED: ${showPath(String(r["unmounted"]))}; files not marked missing` : r["suspectedUnmount"] ? "SUSPECTED UNMOUNT: files vanished at once" : null,
    ].filter(Boolean);
    println(`  ${String(r["role"]).padEnd(12)} ${String(r["mode"]).padEnd(7)} ${showPath(String(r["root"]))}  (${r["fsType"] ?? "?"}, ${r["backend"]}; queue ${r["queue"] ?? 0}; last reconcile ${r["lastReconcile"] ?? "never"})${flags.length ? "  " + flags.join(", ") : ""}`);
    if (r["note"]) println(`               ${String(r["note"])}`);
  }
  if (out.queue) println(`queue: ${JSON.stringify(out.queue)}`);
  for (const line of notifyStatusLines(out.notify)) println(line);
  println(`blocked ${out.counts.blocked}, held ${out.counts.held}, blocked but still present ${out.counts.blockedStillPresent}, released ${out.counts.released}, recorded assets ${out.counts.recorded}`);
  if (side.unrecorded > 0 && !sideLive) println(`${side.unrecorded} move(s) made while the database refused writes are in the quarantine's journal; the next prov watch records them`);
  for (const s of out.stuck) {
    const what = s.stillPresent ? "still present" : "receipt pending";
    println(`  ${what} (${s.id !== null ? `#${s.id}, ` : ""}${s.attempts} attempts, next try ${s.nextTryAt ?? "now"}): ${showPath(s.path)}: ${s.reason ?? s.fault ?? ""}`);
  }
  return ExitCode.ok;
}

/** One watcher's line in `prov status` (text and --json `watchers`). */
function watcherSummary(r: WatcherRow, volumes: readonly Volume[], now = Date.now()) {
  const state = JSON.parse(r.state) as Record<string, unknown>;
  const running = holdsLease(r, now);
  const roots = ((state["roots"] as Array<Record<string, unknown>> | undefined) ?? []).map((x) => ({ root: toHost(String(x["root"]), volumes), role: String(x["role"]), queue: Number(x["queue"] ?? 0), unmounted: (x["unmounted"] as string | null | undefined) ?? null }));
  const q = state["queue"] as { gate?: number; ingest?: number } | undefined;
  return {
    volume: r.volume,
    host: r.host,
    pid: r.pid,
    running,
    ready: running && r.ready === 1,
    /** Not stopped, but its heartbeat is too old: paused, hung or killed; its lease may be taken over. */
    stale: !running && !r.stopped_at,
    roots,
    queue: q ? (q.gate ?? 0) + (q.ingest ?? 0) : null,
    startedAt: r.started_at,
    heartbeatAt: r.heartbeat_at,
    heartbeatAgeSeconds: Number.isNaN(Date.parse(r.heartbeat_at)) ? null : Math.max(0, Math.round((now - Date.parse(r.heartbeat_at)) / 1000)),
    stoppedAt: r.stopped_at,
  };
}

/** What `prov status` can say while the database cannot be opened: the quarantine's side heartbeat and journal. */
async function statusWithoutStore(ctx: Context, err: StoreError): Promise<void> {
  const quarantine = ctx.config().roots.quarantine;
  const side = quarantine ? await readWithoutStore(quarantine) : { heartbeat: null, unrecorded: 0 };
  const hb = side.heartbeat;
  const live = hb !== null && Date.now() - Date.parse(hb.at) < STALE_MS && (hb.host !== hostname() || pidAlive(hb.pid)) ? hb : null;
  if (ctx.globals.json) {
    printJson("prov.status", {
      running: live !== null,
      databaseError: err.message,
      databaseRefusesWrites: live ? { since: live.at, error: live.storeError } : null,
      movedWithoutDatabase: side.unrecorded,
      pid: live?.pid ?? null,
      host: live?.host ?? null,
    });
    return;
  }
  println(`database: CANNOT BE OPENED: ${err.message}`);
  if (live)
    println(
      `watcher: running (pid ${live.pid} on ${live.host}) without its database (${live.storeError}; last heartbeat in the quarantine ${live.at}): it gates each file on its own labels and holds what it cannot judge; ${side.unrecorded} move(s) made without the database are recorded once it is back`,
    );
  else if (quarantine) println(`watcher: no heartbeat in the quarantine ${showPath(quarantine)}: not running, or not on this host's quarantine`);
  if (!live && side.unrecorded > 0) println(`${side.unrecorded} move(s) made while the database refused writes are in the quarantine's journal; the next prov watch records them`);
}
