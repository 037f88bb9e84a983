import { hostname } from "node:os";
import type { Context } from "../context.js";
import { ExitCode } from "../errors.js";
import { printJson, println, showPath } from "../output.js";
import { liveWatcher } from "../../watchers/runtime.js";

export async function statusCommand(ctx: Context): Promise<number> {
  const config = ctx.config();
  const store = ctx.store({ readonly: true });
  const row = store.watcherRow();
  const live = liveWatcher(store);
  const state = row ? (JSON.parse(row.state) as Record<string, unknown>) : {};
  const q = store.quarantineCounts();
  const out = {
    running: live !== null,
    ready: live !== null && row?.ready === 1,
    pid: row?.pid ?? null,
    host: row?.host ?? null,
    startedAt: row?.started_at ?? null,
    heartbeatAt: row?.heartbeat_at ?? null,
    stoppedAt: row?.stopped_at ?? null,
    unknownPolicy: config.gate.unknown,
    roots: (state["roots"] as unknown[] | undefined) ?? [],
    queue: state["queue"] ?? null,
    counts: {
      blocked: q["blocked/moved"] ?? 0,
      held: q["held/moved"] ?? 0,
      blockedStillPresent: (q["blocked/stuck"] ?? 0) + (q["held/stuck"] ?? 0),
      released: (q["blocked/released"] ?? 0) + (q["held/released"] ?? 0),
      recorded: store.assetCount(),
    },
    stillPresent: store.quarantineRows(["stuck"]).map((r) => ({ id: r.id, path: r.original_path, kind: r.kind, error: r.error, attempts: r.attempts })),
    database: store.file,
  };
  if (ctx.globals.json) {
    printJson(out);
    return ExitCode.ok;
  }
  if (!row) println("watcher: never started on this database");
  else if (!live) println(`watcher: not running (last heartbeat ${row.heartbeat_at}${row.stopped_at ? `, stopped ${row.stopped_at}` : ", did not stop cleanly"})`);
  else println(`watcher: running, ${out.ready ? "ready" : "starting"} (pid ${row.pid}${row.host !== hostname() ? ` on ${row.host}` : ""}, since ${row.started_at})`);
  println(`unknown provenance in deliverables: ${config.gate.unknown}`);
  for (const r of out.roots as Array<Record<string, unknown>>) {
    const flags = [r["reconciling"] ? "reconciling" : null, r["suspectedUnmount"] ? "SUSPECTED UNMOUNT: files vanished at once" : null].filter(Boolean);
    println(`  ${String(r["role"]).padEnd(12)} ${String(r["mode"]).padEnd(7)} ${showPath(String(r["root"]))}  (${r["fsType"] ?? "?"}, ${r["backend"]}; queue ${r["queue"] ?? 0}; last reconcile ${r["lastReconcile"] ?? "never"})${flags.length ? "  " + flags.join(", ") : ""}`);
    if (r["note"]) println(`               ${String(r["note"])}`);
  }
  if (out.queue) println(`queue: ${JSON.stringify(out.queue)}`);
  println(`blocked ${out.counts.blocked}, held ${out.counts.held}, blocked but still present ${out.counts.blockedStillPresent}, released ${out.counts.released}, recorded assets ${out.counts.recorded}`);
  for (const s of out.stillPresent) println(`  still present (#${s.id}, ${s.attempts} attempts): ${showPath(s.path)}: ${s.error ?? ""}`);
  return ExitCode.ok;
}
