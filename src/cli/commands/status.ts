import { hostname } from "node:os";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath } from "../output.js";
import { holderName, holdsLease, pidAlive, STALE_MS } from "../../../watchers/lock.js";
import { watcherSnapshot } from "../../app/watcher-status.js";
import { readWithoutStore } from "../../app/quarantine.js";

export async function statusCommand(ctx: Context): Promise<number> {
  const config = ctx.config();
  const store = await ctx.store({ readonly: true });
  const snap = await watcherSnapshot(store, (r) => holdsLease(r));
  const { row, live, state } = snap;
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
    roots: (state["roots"] as unknown[] | undefined) ?? [],
    queue: state["queue"] ?? null,
    /** The notify hook's deliveries (config notify.command): sent, failed, dropped, the last failure. */
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
  };
  if (ctx.globals.json) {
    printJson(out);
    return ExitCode.ok;
  }
  if (sideLive)
    println(
      `watcher: running (pid ${sideLive.pid} on ${sideLive.host}), but its DATABASE REFUSES WRITES (${sideLive.storeError}; last heartbeat in the quarantine ${sideLive.at}): it gates each file on its own labels and holds what it cannot judge; ${side.unrecorded} move(s) made without the database are recorded once it takes writes again`,
    );
  else if (!row) println("watcher: never started on this database");
  else if (!live && stale && row.host === hostname() && pidAlive(row.pid))
    println(`watcher: not responding (${holderName(row)}, last heartbeat ${row.heartbeat_at}, over ${STALE_MS / 1000} s ago): its lease may be taken over by another prov watch`);
  else if (!live) println(`watcher: not running (last heartbeat ${row.heartbeat_at}${row.stopped_at ? `, stopped ${row.stopped_at}` : ", did not stop cleanly"})`);
  else println(`watcher: running, ${out.ready ? (out.reconciled ? "watching, reconciled" : "watching, reconciling (catching up with what changed while stopped)") : "starting"} (lease held by ${holderName(row)}, since ${row.started_at})`);
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
  const nt = out.notify as { sent: number; failed: number; dropped: number; lastFailure: { at: string; event: string; error: string } | null } | null;
  if (nt) println(`notify hook: ${nt.sent} sent, ${nt.failed} failed${nt.dropped ? `, ${nt.dropped} dropped (queue full)` : ""}${nt.lastFailure ? `; last failure ${nt.lastFailure.at} (${nt.lastFailure.event}): ${nt.lastFailure.error}` : ""}`);
  println(`blocked ${out.counts.blocked}, held ${out.counts.held}, blocked but still present ${out.counts.blockedStillPresent}, released ${out.counts.released}, recorded assets ${out.counts.recorded}`);
  if (side.unrecorded > 0 && !sideLive) println(`${side.unrecorded} move(s) made while the database refused writes are in the quarantine's journal; the next prov watch records them`);
  for (const s of out.stuck) {
    const what = s.stillPresent ? "still present" : "receipt pending";
    println(`  ${what} (${s.id !== null ? `#${s.id}, ` : ""}${s.attempts} attempts, next try ${s.nextTryAt ?? "now"}): ${showPath(s.path)}: ${s.reason ?? s.fault ?? ""}`);
  }
  return ExitCode.ok;
}
