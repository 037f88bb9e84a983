// prov frame: where did this picture come from? The question is answered by the use case
// (src/app/frame.ts); this prints the answer.

import path from "node:path";
import type { Context } from "../context.js";
import { matchingOf } from "../../domain/likeness.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath, table } from "../output.js";
import { frameQuestion, mediaRoots, type Answer, type FrameOptions } from "../../app/frame.js";
import { timelineReport, type TimelineReport } from "../../app/timeline-report.js";
import { cell } from "../../adapters/report/csv.js";
import { InputError } from "../../domain/errors.js";

export type { FrameOptions };

export async function frameCommand(ctx: Context, file: string | undefined, opts: FrameOptions & { format?: string }): Promise<number> {
  const format = opts.format ?? (ctx.globals.json ? "json" : "text");
  if (!["text", "json", "csv"].includes(format)) throw new InputError(`--format ${format}: give text, json or csv`);
  if (opts.format !== undefined && !(opts.timeline && opts.at === undefined)) throw new InputError("--format goes with --timeline CUT without --at (the whole cut's report)");
  const store = await ctx.store({ readonly: true });
  const { roots } = ctx.config();
  const deps = {
    store,
    matching: matchingOf(ctx.config().fingerprint),
    clock: ctx.clock,
    roots: mediaRoots([...roots.working, ...roots.deliverables, ...(roots.quarantine ? [roots.quarantine] : [])], opts.mediaRoot, opts.timeline),
  };
  if (opts.timeline && opts.at === undefined && file === undefined && opts.frame === undefined && opts.seconds === undefined) {
    const report = await timelineReport(deps, opts.timeline, opts);
    if (format === "json") printJson("prov.frame.timeline", report);
    else if (format === "csv") printTimelineCsv(report);
    else printTimeline(report);
    return ExitCode.ok;
  }
  const answer = await frameQuestion(deps, file, opts);
  if (format === "json") printJson("prov.frame", answer);
  else printAnswer(answer);
  return ExitCode.ok;
}

function printTimeline(r: TimelineReport): void {
  println(`cut      ${showPath(r.cut)}${r.title ? ` (${r.title})` : ""}, ${r.rate} fps`);
  const byFlag = Object.entries(r.summary.byFlag).map(([f, n]) => `${n} ${f}`).join(", ");
  println(`summary  ${r.summary.events} events, ${r.summary.flagged} flagged${byFlag ? ` (${byFlag})` : ""}`);
  println("");
  const rows = r.events.map((e) => [
    e.flags.length > 0 ? e.flags.join(",") : "ok",
    e.track,
    String(e.event),
    `${e.recordIn}-${e.recordOut}`,
    e.clip ?? e.reel ?? "",
    e.media.path ? showPath(e.media.path) : e.sourceFile ?? "",
    e.note,
  ]);
  process.stdout.write(table(rows, ["FLAG", "TRACK", "EVENT", "RECORD", "CLIP", "MEDIA", "PROVENANCE"]) + "\n");
}

const TIMELINE_CSV_COLUMNS = ["flags", "track", "event", "record_in", "record_out", "source_in", "source_out", "clip", "reel", "source_file", "media", "sha256", "origin", "status", "approved_by", "approval_ref", "derived_from", "note"] as const;

function printTimelineCsv(r: TimelineReport): void {
  const lines = [TIMELINE_CSV_COLUMNS.join(",")];
  for (const e of r.events) {
    const a = e.lastApproval?.action === "approve" ? e.lastApproval : null;
    lines.push(
      [
        e.flags.join(" "), e.track, e.event, e.recordIn, e.recordOut, e.sourceIn, e.sourceOut, e.clip, e.reel, e.sourceFile, e.media.path, e.sha256, e.origin, e.status,
        a?.by, a?.ref, e.derivedFrom.map((g) => `${g.sha256} (${g.way}, distance ${g.distance})`).join("; "), e.note,
      ].map(cell).join(","),
    );
  }
  process.stdout.write(lines.join("\r\n") + "\r\n");
}

function printAnswer(a: Answer): void {
  const tl = a.timeline;
  if (tl) {
    println(`cut      ${showPath(String(tl["file"]))} at ${String(tl["recordTimecode"])}`);
    println(`answer   track ${String(tl["track"])}, event ${String(tl["event"])}${tl["clipName"] ? `, clip ${String(tl["clipName"])}` : ""}${tl["reel"] ? `, reel ${String(tl["reel"])}` : ""}, source ${String(tl["sourceTimecode"])}`);
    if (tl["transition"]) println(`         in a transition: ${JSON.stringify(tl["transition"])}`);
    const below = tl["alsoOnTracks"] as Array<Record<string, unknown>>;
    for (const b of below) println(`         also on ${String(b["track"])}: event ${String(b["event"])}${b["clipName"] ? ` (${String(b["clipName"])})` : ""}, covered`);
  }
  if (a.source) println(`source   ${a.source.path ? `${showPath(a.source.path)} (${a.source.how})` : `not found (tried ${a.source.tried.join("; ")})`}`);
  if (a.file) println(`file     ${showPath(a.file.path)}`);
  if (a.frame) println(`frame    ${a.frame.frame} at ${a.frame.timecode} (${a.frame.rate} fps, starts ${a.frame.start})`);
  for (const q of a.sequences) {
    println(`sequence frame ${q.frame} of ${showPath(path.join(q.dir, q.pattern))}, frames ${q.range} (${q.frames} files)`);
    if (q.gaps.length > 0) println(`         missing frames: ${q.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(", ")}`);
    for (const d of q.duplicates) println(`         frame ${d.frame} written twice: ${d.names.join(", ")}`);
  }
  if (a.file) println(`sha256   ${a.file.sha256}`);
  const p = a.provenance;
  if (p) {
    println(`origin   ${p.origin}${p.status ? `   status ${p.status}` : ""}`);
    const decided = p.decidedBy[0];
    if (decided) println(`because  ${decided.source}: ${decided.field} = ${decided.value.slice(0, 120)}`);
    const last = p.approvals.at(-1);
    if (last) println(`approval ${last.action} by ${last.by}${last.ref ? `, ref ${last.ref}` : ""}, ${last.at}`);
    println(`seen at  ${p.locations.filter((l) => l.state === "present").map((l) => showPath(l.path)).slice(0, 3).join(", ") || "(no present location)"}`);
  } else if (a.file) {
    println("origin   not recorded (run `prov scan` on it to record it)");
  }
  if ("error" in a.fingerprint) println(`picture  ${a.fingerprint.error}`);
  if (a.matches.length > 0) {
    println("looks like:");
    for (const m of a.matches) {
      const where = m.inVideo ? ` at ${m.inVideo.from === m.inVideo.to ? m.inVideo.from : `${m.inVideo.from}–${m.inVideo.to}`}` : "";
      const ap = m.lastApproval ? `, ${m.lastApproval.action}d by ${m.lastApproval.by}` : "";
      println(`  ${m.verdict.padEnd(8)} distance ${String(m.distance).padStart(2)}  ${m.sha256.slice(0, 12)}  ${m.origin}${m.status ? ` (${m.status}${ap})` : ""}${where}  ${m.paths[0] ? showPath(m.paths[0]) : "(no present location)"}`);
    }
  }
  println(`summary  ${a.summary}`);
}
