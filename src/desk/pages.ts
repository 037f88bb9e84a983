// The desk's pages as HTML strings: plain markup, every value escaped, no inline script or
// style (the page's one script and stylesheet are files: src/desk/assets.ts). Rendering
// only: the data comes from the use cases (src/desk/server.ts asks them).

import path from "node:path";
import type { Answer } from "../app/frame.js";
import type { AssetReport } from "../app/queries.js";
import type { TimelineReport } from "../app/timeline-report.js";
import { notifyStatusLines } from "../app/notify-status.js";
import type { WatcherSnapshot } from "../app/watcher-status.js";
import { ESCALATIONS } from "../domain/approval-terms.js";
import type { EventRow, QuarantineRow } from "../ports.js";
import { decides, type Session } from "./auth.js";

export const esc = (v: unknown): string =>
  String(v ?? "").replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]!);

const short = (sha: string | null | undefined): string => (sha ? sha.slice(0, 12) : "");
const when = (iso: string | null | undefined): string => (iso ? esc(iso.replace("T", " ").replace(/\.\d+Z$/, "Z")) : "");

export type Tab = "now" | "quarantine" | "ask" | "sweeps";

/** A whole page for a signed-in person: header, tabs, the content. */
export function page(title: string, s: Session, tab: Tab | null, body: string, notice?: { kind: "ok" | "error"; text: string }): string {
  const nav = (["now", "quarantine", "ask", "sweeps"] as const)
    .map((t) => `<a href="${t === "now" ? "/" : `/${t}`}"${t === tab ? ' aria-current="page"' : ""}>${t[0]!.toUpperCase() + t.slice(1)}</a>`)
    .join("");
  const logout = s.via === "proxy" ? "" : `<form method="post" action="/logout" class="inline"><input type="hidden" name="csrf" value="${esc(s.csrf)}"><button type="submit">Sign out</button></form>`;
  return shell(
    title,
    `<header id="top"><div class="brand">prov desk</div><nav>${nav}</nav><div class="who"><span id="who">${esc(s.user)}</span> <span class="role">${esc(s.role)}</span>${logout}</div></header>
<main>${notice ? `<p class="notice ${notice.kind}" role="${notice.kind === "error" ? "alert" : "status"}" id="notice">${esc(notice.text)}</p>` : ""}${body}</main>`,
  );
}

function shell(title: string, inner: string): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>${esc(title)} · prov desk</title><link rel="stylesheet" href="/desk.css"><script src="/desk.js" defer></script></head>
<body>${inner}</body></html>`;
}

export function loginPage(error: string | null): string {
  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sign in · prov desk</title><link rel="stylesheet" href="/desk.css"></head>
<body><main class="login"><section class="panel"><h1>prov desk</h1>
${error ? `<p class="notice error" role="alert">${esc(error)}</p>` : ""}
<form method="post" action="/login"><label>Account <input name="name" autocomplete="username" required></label>
<label>Password <input name="password" type="password" autocomplete="current-password" required></label>
<button type="submit">Sign in</button></form>
<p class="hint">Or open the one-time link <code>prov desk</code> printed.</p></section></main></body></html>`;
}

// ------------------------------------------------------------------ now

export interface NowData {
  snap: WatcherSnapshot;
  recent: QuarantineRow[];
  at: string;
}

export function nowPage(s: Session, d: NowData): string {
  return page("Now", s, "now", `<section class="panel" id="now"><h1>Now</h1><div id="now-live" data-live="/events">${nowFragment(d)}</div></section>`);
}

/** The live part of Now: the server renders it, the page's script swaps it in from each server-sent event. */
export function nowFragment(d: NowData): string {
  const { snap } = d;
  const w = snap.row;
  const state = !w ? "never started on this database" : snap.running ? (snap.ready ? (snap.reconciled ? "watching, reconciled" : "watching, reconciling") : "starting") : snap.stale ? `not responding (last heartbeat ${when(w.heartbeat_at)})` : `not running (last heartbeat ${when(w.heartbeat_at)})`;
  const roots = snap.roots
    .map(
      (r) =>
        `<tr><td>${esc(r.role)}</td><td class="path">${esc(r.root)}</td><td>${esc(r.mode)}</td><td>${r.reconciling ? "reconciling" : snap.running ? "ready" : "—"}${r.unmounted ? ` <strong>not mounted</strong>` : ""}</td><td>${esc(r.queue ?? 0)}</td><td>${when(r.lastReconcile ?? null) || "never"}</td></tr>`,
    )
    .join("");
  const c = snap.counts;
  const RECENT_MAX = 100;
  const more = d.recent.length - RECENT_MAX;
  const recent = d.recent
    .slice(0, RECENT_MAX)
    .map(
      (r) =>
        `<li class="recent ${esc(r.kind)}" data-id="${r.id}"><a href="/quarantine/${r.id}">${esc(path.basename(r.original_path))}</a> <span class="tag ${esc(r.kind)}">${esc(r.kind)}</span> <span class="state">${esc(r.state)}</span> <span class="time">${when(r.moved_at ?? r.planned_at)}</span><div class="why">${esc(r.reason)}</div></li>`,
    )
    .join("");
  // A facility: every volume's watcher, as `prov status` lists them.
  const others = snap.rows.length > 1
    ? `<table class="watchers" id="watchers"><thead><tr><th>Volume</th><th>Host</th><th>Pid</th><th>State</th><th>Heartbeat</th></tr></thead><tbody>${snap.rows
        .map((r) => `<tr><td>${esc(r.volume || "(no volume)")}</td><td>${esc(r.host)}</td><td>${esc(r.pid)}</td><td>${r.stopped_at ? "stopped" : r.ready === 1 ? "ready" : "starting"}</td><td>${when(r.heartbeat_at)}</td></tr>`)
        .join("")}</tbody></table>`
    : "";
  // Notices the watcher could not deliver (webhook, mail, command hook), as `prov status` says them.
  const notify = notifyStatusLines(snap.state["notify"]);
  const notices = notify.length > 0 ? `<h2>Notifications</h2><ul class="notify" id="notify">${notify.map((l) => `<li class="${/ [1-9]\d* failed/.test(l) ? "failed" : ""}">${esc(l)}</li>`).join("")}</ul>` : "";
  return `<p class="watcher" id="watcher-state">Watcher: <strong>${esc(state)}</strong>${w && snap.running ? ` (pid ${esc(w.pid)} on ${esc(w.host)}${w.volume ? `, volume ${esc(w.volume)}` : ""}, since ${when(w.started_at)})` : ""}</p>
${others}
<table class="roots"><thead><tr><th>Role</th><th>Root</th><th>Mode</th><th>State</th><th>Queue</th><th>Last reconcile</th></tr></thead><tbody>${roots || '<tr><td colspan="6">no roots reported</td></tr>'}</tbody></table>
<ul class="counts" id="counts"><li><b>${c.blocked}</b> blocked</li><li><b>${c.held}</b> held</li><li><b>${c.blockedStillPresent}</b> still present</li><li><b>${c.released}</b> released</li><li><b>${c.recorded}</b> recorded assets</li></ul>
<h2>Blocked or held in the last hour</h2>
${recent ? `<ul class="recent-list" id="recent">${recent}</ul>${more > 0 ? `<p id="recent-more">and ${more} more (<a href="/quarantine">Quarantine</a> lists them all)</p>` : ""}` : '<p id="recent-none">nothing in the last hour</p>'}
${notices}
<p class="hint">as of ${when(d.at)}</p>`;
}

// ------------------------------------------------------------------ quarantine

function evidenceList(evidence: unknown): string {
  const list = Array.isArray(evidence) ? (evidence as Array<Record<string, unknown>>) : [];
  if (list.length === 0) return "<p>no evidence recorded with the move</p>";
  return `<ul class="evidence">${list.map((e) => `<li><b>${esc(e["source"])}</b> ${esc(e["field"])} = <span class="val">${esc(String(e["value"] ?? "").slice(0, 300))}</span> <span class="sig">${esc(e["signal"])}</span></li>`).join("")}</ul>`;
}

export function quarantineList(s: Session, rows: QuarantineRow[], released: QuarantineRow[]): string {
  const card = (r: QuarantineRow) =>
    `<li class="card" data-id="${r.id}"><a href="/quarantine/${r.id}"><img class="thumb" src="/thumb/q/${r.id}" alt="" width="128" height="128" loading="lazy"></a>
<div><a href="/quarantine/${r.id}" class="name">#${r.id} ${esc(path.basename(r.original_path))}</a> <span class="tag ${esc(r.kind)}">${esc(r.kind)}</span> ${r.state === "stuck" ? '<span class="tag blocked">still present</span>' : ""}
<div class="why">${esc(r.reason)}</div><div class="path">${esc(r.original_path)}</div><div class="time">${when(r.moved_at ?? r.planned_at)}</div></div></li>`;
  const rel = released
    .map((r) => `<tr><td><a href="/quarantine/${r.id}">#${r.id}</a></td><td class="path">${esc(r.released_to ?? r.original_path)}</td><td>${esc(r.released_by)}</td><td>${when(r.released_at)}</td></tr>`)
    .join("");
  return page(
    "Quarantine",
    s,
    "quarantine",
    `<section class="panel" id="quarantine"><h1>Quarantine</h1>${rows.length ? `<ul class="cards">${rows.map(card).join("")}</ul>` : "<p>nothing in quarantine</p>"}</section>
<section class="panel" id="released"><h2>Released</h2>${rel ? `<table><thead><tr><th>Entry</th><th>Put back at</th><th>By</th><th>When</th></tr></thead><tbody>${rel}</tbody></table>` : "<p>nothing released yet</p>"}</section>`,
  );
}

export interface DetailData {
  row: QuarantineRow;
  report: AssetReport | null;
  /** What the gate would do if it were back now. */
  gate: { action: string; reason: string } | null;
  /** The GenAI original the entry's recorded reason names (what it was blocked on), and that original now. */
  blockedFrom: {
    sha256Prefix: string;
    distance: number;
    /** Null when the store holds no single asset with that prefix (gone, or ambiguous). */
    original: { sha256: string; origin: string; status: string | null } | null;
  } | null;
}

export function quarantineDetail(s: Session, d: DetailData, notice?: { kind: "ok" | "error"; text: string }): string {
  const { row: r, report } = d;
  // The side-by-side: first the original the entry was blocked as derived from (its recorded
  // reason: what was decided on, whatever the file is classified as since), then any other
  // GenAI original it looks derived from now.
  const now = (report?.genaiLookalikes ?? []).filter((g) => g.way !== "source");
  const b = d.blockedFrom;
  const current = now.find((g) => b && g.sha256.startsWith(b.sha256Prefix));
  const figure = (sha: string | null, caption: string) =>
    sha
      ? `<figure><img src="/thumb/a/${esc(sha)}" alt="its GenAI original" width="256" height="256"><figcaption>${caption}</figcaption></figure>`
      : `<figure><div class="thumb big missing">not in the store now</div><figcaption>${caption}</figcaption></figure>`;
  const self = `<figure><img src="/thumb/q/${r.id}" alt="the quarantined file" width="256" height="256"><figcaption>this file${report ? ` (now ${esc(report.origin)}${report.status ? `, ${esc(report.status)}` : ""})` : ""}</figcaption></figure>`;
  const blocked = b
    ? `<div class="pair" id="blocked-from">${self}
${figure(b.original?.sha256 ?? null, `GenAI original ${esc(b.sha256Prefix)}${b.original ? ` (now ${esc(b.original.origin)}${b.original.status ? `, ${esc(b.original.status)}` : ""})` : ""}`)}
<p class="distance">distance <b>${esc(b.distance)}</b> of 64 bits when it was ${r.kind === "held" ? "held" : "blocked"}${current ? `; now ${esc(current.distance)}: ${esc(current.verdict)}; ${esc(current.why)}` : ""}</p></div>`
    : "";
  const others = now
    .filter((g) => g !== current)
    .map(
      (g) => `<div class="pair">${self}
${figure(g.sha256, `GenAI original ${esc(short(g.sha256))} (${esc(g.origin)}${g.status ? `, ${esc(g.status)}` : ""})`)}
<p class="distance">distance <b>${esc(g.distance)}</b> of 64 bits: ${esc(g.verdict)}; ${esc(g.why)}</p></div>`,
    )
    .join("");
  const side = blocked || others
    ? `<section class="panel" id="side-by-side"><h2>Derived from</h2>${blocked}${others ? `${blocked ? "<h3>Also looks derived from, now</h3>" : ""}${others}` : ""}</section>`
    : "";
  const approvals = (report?.approvals ?? []).map((a) => `<li>${esc(a.action)} by <b>${esc(a.by)}</b>${a.ref ? `, ref ${esc(a.ref)}` : ""}${a.scope ? `, scope ${esc(a.scope)}` : ""}${a.doc_sha256 ? `, document ${esc(short(a.doc_sha256))}` : ""}, ${when(a.at)}</li>`).join("");
  const csrf = `<input type="hidden" name="csrf" value="${esc(s.csrf)}">`;
  const canDecide = decides(s.role) && report !== null;
  const inQuarantine = r.state === "moved";
  const actions = canDecide
    ? `<section class="panel" id="actions"><h2>Decide</h2>
<form method="post" action="/quarantine/${r.id}/approve" enctype="multipart/form-data" id="approve-form" class="grid">${csrf}
<label>Reference <input name="ref" required placeholder="STUDIO-GENAI-0042"></label>
<label>Scope <input name="scope" placeholder="reel 1 titles"></label>
<fieldset><legend>Escalated for</legend>${ESCALATIONS.map((e) => `<label class="check"><input type="checkbox" name="escalate" value="${e}"> ${e}</label>`).join("")}</fieldset>
<label>Consents, one a line <textarea name="consent" rows="2" placeholder="performer=NAME,ref=CONSENT-REF,project=P,uses=U,expires=YYYY-MM-DD"></textarea></label>
<label>Approval expires <input name="expires" type="date"></label>
<label class="check"><input type="checkbox" name="deepfake" value="1"> a deepfake (EU AI Act Art. 50)</label>
<label>Signed approval document <input type="file" name="doc" id="approve-doc"></label>
<label>Note <input name="note"></label>
<button type="submit">Approve</button></form>
<form method="post" action="/quarantine/${r.id}/release" id="release-form">${csrf}<button type="submit"${inQuarantine ? "" : " disabled"}>Release to ${esc(r.original_path)}</button>
${inQuarantine && d.gate && d.gate.action !== "allow" ? `<p class="hint" id="release-hint">now it would be ${esc(d.gate.action === "block" ? "blocked" : "held")} again: ${esc(d.gate.reason)}</p>` : ""}</form>
<form method="post" action="/quarantine/${r.id}/revoke" id="revoke-form" class="row">${csrf}<label>Revoke, because <input name="note" required></label><button type="submit">Revoke</button></form>
<form method="post" action="/quarantine/${r.id}/tag" id="tag-form" class="row">${csrf}<select name="tag"><option value="genai">GenAI</option><option value="not-genai">not GenAI</option></select><label>Note <input name="note"></label><label>Tool <input name="tool"></label><button type="submit">Tag</button></form></section>`
    : "";
  return page(
    `#${r.id} ${path.basename(r.original_path)}`,
    s,
    "quarantine",
    `<section class="panel" id="entry"><h1>#${r.id} ${esc(path.basename(r.original_path))}</h1>
<div class="entry"><img class="thumb big" src="/thumb/q/${r.id}" alt="" width="256" height="256">
<dl><dt>State</dt><dd id="entry-state">${esc(r.state)}${r.state === "released" ? ` to ${esc(r.released_to)} by ${esc(r.released_by)}, ${when(r.released_at)}` : ""}</dd>
<dt>Why</dt><dd>${esc(r.kind)}: ${esc(r.reason)}</dd><dt>Was at</dt><dd class="path">${esc(r.original_path)}</dd>
<dt>Moved</dt><dd>${when(r.moved_at ?? r.planned_at)}</dd><dt>Content</dt><dd><code>${esc(r.sha256 ?? "a symbolic link")}</code></dd>
${report ? `<dt>Now</dt><dd id="asset-status">${esc(report.origin)}${report.status ? ` / ${esc(report.status)}` : ""}</dd>` : ""}</dl></div>
<h2>Evidence</h2>${evidenceList(r.evidence ? JSON.parse(r.evidence) : [])}
${approvals ? `<h2>Decisions</h2><ul id="approvals">${approvals}</ul>` : ""}</section>${side}${actions}`,
    notice,
  );
}

// ------------------------------------------------------------------ ask

export interface VideoChoice {
  sha256: string;
  name: string;
}

export function askPage(s: Session, videos: VideoChoice[], result: string, notice?: { kind: "ok" | "error"; text: string }): string {
  const csrf = `<input type="hidden" name="csrf" value="${esc(s.csrf)}">`;
  return page(
    "Ask",
    s,
    "ask",
    `${result}<section class="panel" id="ask-still"><h1>Ask</h1><h2>Where did this picture come from?</h2>
<form method="post" action="/ask/still" enctype="multipart/form-data" id="still-form">${csrf}
<label class="drop" id="drop" data-autosubmit="1">Drop a still or a frame grab here, or choose one <input type="file" name="file" id="drop-input" accept="image/*"></label><noscript><button type="submit">Ask</button></noscript></form></section>
<section class="panel" id="ask-video"><h2>A frame of a recorded video</h2>
<form method="post" action="/ask/video" class="row" id="video-form">${csrf}<label>Video <select name="video">${videos.map((v) => `<option value="${esc(v.sha256)}">${esc(v.name)} (${esc(short(v.sha256))})</option>`).join("") || "<option value=\"\">no video recorded</option>"}</select></label>
<label>Timecode <input name="at" required placeholder="00:00:01:00"></label><button type="submit">Ask</button></form></section>
<section class="panel" id="ask-cut"><h2>A cut (EDL or OTIO)</h2>
<form method="post" action="/ask/cut" enctype="multipart/form-data" class="grid" id="cut-form">${csrf}<label>Upload a cut <input type="file" name="cut" accept=".edl,.otio"></label>
<label>or a cut's path under the roots <input name="path"></label><label>Record timecode (empty: the whole timeline) <input name="at" placeholder="01:00:00:00"></label>
<label>Frame rate <input name="fps" value="24"></label><button type="submit">Ask</button></form></section>`,
    notice,
  );
}

const matchRows = (a: Answer): string =>
  a.matches
    .map(
      (m) => `<li class="card match"><img class="thumb" src="/thumb/a/${esc(m.sha256)}" alt="" width="128" height="128"><div><b>${esc(m.verdict)}</b>, distance ${esc(m.distance)}: <code>${esc(short(m.sha256))}</code> ${esc(m.origin)}${m.status ? ` (${esc(m.status)})` : ""}
${m.lastApproval ? `<div>${esc(m.lastApproval.action)}d by ${esc(m.lastApproval.by)}</div>` : ""}${m.inVideo ? `<div>at ${esc(m.inVideo.from)}–${esc(m.inVideo.to)}</div>` : ""}<div class="path">${esc(m.paths[0] ?? "(no present location)")}</div></div></li>`,
    )
    .join("");

export function answerSection(a: Answer, picture: string | null): string {
  const p = a.provenance;
  return `<section class="panel" id="answer"><h2>Answer</h2><div class="entry">${picture ? `<img class="thumb big" src="${esc(picture)}" alt="the picture asked about">` : ""}
<dl>${a.timeline ? `<dt>Cut</dt><dd>track ${esc(a.timeline["track"])}, event ${esc(a.timeline["event"])}${a.timeline["clipName"] ? `, clip ${esc(a.timeline["clipName"])}` : ""}, source ${esc(a.timeline["sourceTimecode"])}</dd>` : ""}
${a.source ? `<dt>Source</dt><dd class="path">${a.source.path ? esc(a.source.path) + ` (${esc(a.source.how)})` : `not found (${esc(a.source.how)})`}</dd>` : ""}
${a.frame ? `<dt>Frame</dt><dd>${esc(a.frame.frame)} at ${esc(a.frame.timecode)} (${esc(a.frame.rate)} fps)</dd>` : ""}
${a.file ? `<dt>Content</dt><dd><code>${esc(a.file.sha256)}</code></dd>` : ""}
<dt>Origin</dt><dd id="answer-origin">${p ? `${esc(p.origin)}${p.status ? ` / ${esc(p.status)}` : ""}` : a.file ? "not recorded" : "—"}</dd>
<dt>Summary</dt><dd id="answer-summary">${esc(a.summary)}</dd></dl></div>
${a.matches.length ? `<h3>Looks like</h3><ul class="cards" id="matches">${matchRows(a)}</ul>` : "<p>no look-alikes recorded</p>"}</section>`;
}

export function timelineSection(r: TimelineReport): string {
  const rows = r.events
    .map(
      (e) =>
        `<tr class="${e.flags.length ? "flagged" : ""}"><td>${esc(e.flags.join(", ") || "ok")}</td><td>${esc(e.track)}</td><td>${esc(e.event)}</td><td>${esc(e.recordIn)}–${esc(e.recordOut)}</td><td>${esc(e.clip ?? e.reel ?? "")}</td>
<td>${e.sha256 ? `<img class="thumb small" src="/thumb/a/${esc(e.sha256)}" alt="" width="64" height="64">` : ""}</td><td class="path">${esc(e.media.path ?? e.sourceFile ?? "")}</td><td>${esc(e.note)}</td></tr>`,
    )
    .join("");
  const by = Object.entries(r.summary.byFlag).map(([f, n]) => `${n} ${f}`).join(", ");
  return `<section class="panel" id="timeline"><h2>${esc(path.basename(r.cut))}${r.title ? ` (${esc(r.title)})` : ""}</h2>
<p id="timeline-summary">${r.summary.events} events, ${r.summary.flagged} flagged${by ? ` (${esc(by)})` : ""}, ${esc(r.rate)} fps</p>
<table class="timeline"><colgroup><col class="w-flag"><col class="w-track"><col class="w-ev"><col class="w-rec"><col><col class="w-thumb"><col><col></colgroup>
<thead><tr><th>Flag</th><th>Track</th><th>Event</th><th>Record</th><th>Clip</th><th></th><th>Media</th><th>Provenance</th></tr></thead><tbody>${rows}</tbody></table></section>`;
}

// ------------------------------------------------------------------ sweeps

export function sweepsPage(s: Session, events: EventRow[], reports: ReadonlyMap<number, readonly string[]>): string {
  const rows = events
    .map((e) => {
      const d = (e.detail ? JSON.parse(e.detail) : {}) as Record<string, unknown>;
      const formats = reports.get(e.id) ?? [];
      return `<tr data-id="${e.id}"><td><a href="/sweeps/${e.id}">${when(e.at)}</a></td><td class="path">${esc(e.path)}</td><td>${esc(d["mode"])}</td><td>${esc(d["files"])}</td><td class="verdict ${d["exitCode"] === 0 ? "ok" : "bad"}">${esc(d["verdict"])}</td><td class="formats">${formats.map(esc).join(", ") || "—"}</td></tr>`;
    })
    .join("");
  return page("Sweeps", s, "sweeps", `<section class="panel" id="sweeps"><h1>Sweeps</h1>${rows ? `<table><colgroup><col class="w-when"><col><col class="w-mode"><col class="w-files"><col><col class="w-formats"></colgroup><thead><tr><th>Finished</th><th>Folder</th><th>Mode</th><th>Files</th><th>Verdict</th><th>Reports</th></tr></thead><tbody>${rows}</tbody></table>` : "<p>no sweep recorded yet (prov sweep DIR)</p>"}</section>`);
}

/** A report file a sweep recorded, and whether it is still there as written. */
export type SweepReportShown = { path: string; format: string; redacted: boolean; size: number | null; sha256: string | null; state: string };
export interface SweepReports {
  host: string;
  reports: SweepReportShown[];
}

const FORMAT_NAMES: Record<string, string> = { text: "Text", json: "JSON", csv: "CSV", html: "HTML", junit: "JUnit XML", pdf: "PDF", "disclosure-json": "Disclosure list (JSON)", "disclosure-csv": "Disclosure list (CSV)" };

const bytes = (n: number): string => (n < 1024 ? `${n} B` : n < 1024 ** 2 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1024 ** 2).toFixed(1)} MiB`);

export function sweepPage(s: Session, e: EventRow, recorded: SweepReports | null): string {
  const d = (e.detail ? JSON.parse(e.detail) : {}) as Record<string, unknown>;
  const counts = (d["counts"] ?? {}) as Record<string, number>;
  const reports = (recorded?.reports ?? [])
    .map((r) => {
      // A redacted report is named by its file name only: its folder is what redaction keeps in.
      const where = r.redacted ? path.basename(r.path) : r.path;
      const name = FORMAT_NAMES[r.format] ?? r.format;
      const link = r.state === "ok" ? `<a href="/sweeps/${e.id}/reports/${esc(r.format)}" download>${esc(name)}</a>` : esc(name);
      return `<tr class="report" data-format="${esc(r.format)}"><td>${link}${r.redacted ? ' <span class="tag">redacted</span>' : ""}</td><td class="path">${esc(where)}</td><td>${r.size !== null ? esc(bytes(r.size)) : ""}</td><td><code title="${esc(r.sha256)}">${esc(short(r.sha256))}</code></td><td class="state ${r.state === "ok" ? "ok" : "bad"}">${r.state === "ok" ? "as written" : esc(r.state)}</td></tr>`;
    })
    .join("");
  const reportsHtml = reports
    ? `<table id="sweep-reports"><colgroup><col class="w-report"><col><col class="w-size"><col class="w-sha"><col class="w-state"></colgroup><thead><tr><th>Report</th><th>Written to${recorded ? ` (on ${esc(recorded.host)})` : ""}</th><th>Size</th><th>SHA-256</th><th>Now</th></tr></thead><tbody>${reports}</tbody></table>
<p class="hint">Served only as written: the desk checks each file's SHA-256 against the one recorded when the sweep finished.</p>`
    : `<p class="hint" id="no-reports">This sweep wrote no report file the desk can offer (it printed its report, or ran before prov recorded reports): run <code>prov sweep --out FILE</code> to keep one.</p>`;
  return page(
    "Sweep",
    s,
    "sweeps",
    `<section class="panel" id="sweep"><h1>Sweep of ${esc(e.path)}</h1><p class="verdict ${d["exitCode"] === 0 ? "ok" : "bad"}" id="sweep-verdict">${esc(d["verdict"])}</p>
<dl><dt>Mode</dt><dd>${esc(d["mode"])}</dd><dt>Started</dt><dd>${when(String(d["startedAt"] ?? ""))}</dd><dt>Finished</dt><dd>${when(e.at)}</dd><dt>Files</dt><dd>${esc(d["files"])}</dd>
<dt>Disclosures</dt><dd>${esc(d["disclosures"])}</dd><dt>Exit code</dt><dd>${esc(d["exitCode"])}</dd>${d["title"] ? `<dt>Title</dt><dd>${esc(d["title"])}</dd>` : ""}</dl>
<h2>Findings</h2><table><thead><tr><th>Finding</th><th>Files</th></tr></thead><tbody>${Object.entries(counts).map(([k, n]) => `<tr><td>${esc(k)}</td><td>${esc(n)}</td></tr>`).join("")}</tbody></table>
<h2>Reports</h2>${reportsHtml}
<p><a href="/sweeps/${e.id}.json" id="sweep-download" download>Download the summary (JSON)</a></p></section>`,
  );
}

export function messagePage(s: Session | null, status: number, text: string): string {
  const body = `<section class="panel" id="message"><h1>${status === 403 ? "Not allowed" : status === 404 ? "Not found" : "Cannot do that"}</h1><p class="notice error" role="alert">${esc(text)}</p><p><a href="/">Back to the desk</a></p></section>`;
  return s ? page("Error", s, null, body) : shell("Error", `<main>${body}</main>`);
}
