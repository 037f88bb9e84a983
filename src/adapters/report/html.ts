// The HTML report of `prov sweep`: one self-contained HTML5 file (inline CSS and script,
// nothing fetched: a strict Content-Security-Policy says so) that a post supervisor opens
// in a browser, prints, or sends on to the studio.
//
// Order: title and production, verdict, a plain-language summary a producer reads
// ("3 files are GenAI material not approved for delivery and must not ship: ..."), counts
// and how the sweep ran, violations, errors, the GenAI disclosure list, warnings (each
// flagged file with a thumbnail: thumbnail.ts), the sign-off lines, then every file with a
// filter. It fits a 1280 px window (long values wrap; a path's full text is also its
// title) and prints cleanly (print.ts: paper, landscape tables, page numbers, repeated
// table headers, rows never split). Rows arrive one at a time (100,000+ of them)
// and wait in spools (temporary files, see sink.ts), not in memory; end() writes the head
// and summary, then copies each spool into the sink. The all-files table is complete and
// readable without JavaScript; the inline script only adds the filter, which also reads
// its state from the URL: report.html#finding=violation,error&q=text.

import path from "node:path";
import { InternalError } from "../../domain/errors.js";
import { humanBytes } from "../../cli/output.js";
import { isGenAI } from "../../domain/types.js";
import { FINDINGS, type Disclosure, type Finding, type MhlOutcome, type ReportWriter, type SweepRow, type SweepSummary } from "../../domain/sweep-types.js";
import { Spool, type Sink } from "./sink.js";
import { describeUse } from "./disclosure.js";
import { printCss, type Paper } from "./print.js";
import { makeThumbnail, type Thumbnail } from "./thumbnail.js";

/** Who the report is for and who signs it (prov.config.json `report`). */
export interface HtmlReportOptions {
  /** The swept folder, absolute: thumbnails are made from it and each row's path. Absent: no thumbnails. */
  root?: string | null | undefined;
  project?: string | null | undefined;
  episode?: string | null | undefined;
  reel?: string | null | undefined;
  /** The lines a person signs ("Post supervisor", ...). */
  signoff?: readonly string[] | undefined;
  paper?: Paper | undefined;
  /** How long one thumbnail may take to decode (budgets.decodeSeconds). */
  decodeSeconds?: number | undefined;
  /** Paths and names were redacted (--redact): the footer says so. */
  redacted?: boolean | undefined;
}

/** Flagged files that get a thumbnail; past this many, a placeholder says why not (the report stays openable). */
export const MAX_THUMBNAILS = 2000;
/** Thumbnails decoded side by side while rows stream in (order is kept). */
const THUMB_CONCURRENCY = 2;

/** A ReportWriter that can also give up: removes its spools and aborts the sink. */
export interface HtmlReportWriter extends ReportWriter {
  abort(): Promise<void>;
}

export function htmlReport(sink: Sink, opts: HtmlReportOptions = {}): HtmlReportWriter {
  const all = new SpooledTable();
  const violations = new SpooledTable();
  const errors = new SpooledTable();
  const disclosures = new SpooledTable();
  const warnings = new SpooledTable();
  const tables = [all, violations, errors, disclosures, warnings];
  let ended = false;
  const plain = new PlainSummary();
  // Rows wait here, in order, while their thumbnails are made (a few at a time).
  const queue: Array<{ r: SweepRow; thumb: Promise<Thumbnail | null> }> = [];
  let thumbs = 0;

  const dispose = async (): Promise<void> => {
    await Promise.allSettled(tables.map((t) => t.dispose()));
  };

  const thumbnailOf = (r: SweepRow): Promise<Thumbnail | null> => {
    if (!flagged(r)) return Promise.resolve(null);
    if (!opts.root) return Promise.resolve({ reason: "no preview made" });
    if (++thumbs > MAX_THUMBNAILS) return Promise.resolve({ reason: `not made: the report shows the first ${group(MAX_THUMBNAILS)} flagged files` });
    return makeThumbnail(path.join(opts.root, r.path), { seconds: opts.decodeSeconds ?? 60 });
  };

  const emit = (r: SweepRow, thumb: Thumbnail | null): Promise<void> | undefined => {
    const pending: Promise<void>[] = [];
    const add = (t: SpooledTable, html: string): void => {
      const p = t.add(html);
      if (p) pending.push(p);
    };
    const pic = thumbCell(r.path, thumb);
    add(all, allFilesRow(r));
    if (r.finding === "violation") add(violations, problemRow(r, pic));
    else if (r.finding === "error") add(errors, errorRow(r, pic));
    else if (r.finding === "warning") add(warnings, warningRow(r, pic));
    // Every approved GenAI asset is on the disclosure list, whatever its finding (as in
    // summary.disclosures: a stripped label, say, makes one a warning).
    if (r.disclosure) add(disclosures, disclosureRow(r, r.disclosure, pic));
    return pending.length > 0 ? Promise.all(pending).then(() => {}) : undefined;
  };

  const drain = async (keep: number): Promise<void> => {
    while (queue.length > keep) {
      const { r, thumb } = queue.shift()!;
      const p = emit(r, await thumb);
      if (p) await p;
    }
  };

  return {
    row(r: SweepRow): void | Promise<void> {
      if (ended) throw new InternalError("HTML report: row() after end()");
      plain.add(r);
      if (queue.length === 0 && !flagged(r)) return emit(r, null);
      queue.push({ r, thumb: thumbnailOf(r) });
      return queue.length > THUMB_CONCURRENCY ? drain(THUMB_CONCURRENCY) : undefined;
    },

    async end(summary: SweepSummary): Promise<void> {
      if (ended) throw new InternalError("HTML report: end() called twice");
      ended = true;
      try {
        await drain(0);
        for (const t of tables) await t.finish();
        await sink.write(head(summary, opts) + verdictAndSummary(summary, opts, plain) + nav(tables.map((t) => t.rows)));
        await section(sink, {
          id: "violations",
          title: "Violations",
          intro: "Must not be delivered as they are: temporary GenAI, symbolic links, revoked approvals.",
          columns: ["Picture", "Path", "Reasons", "SHA-256"],
          table: violations,
          none: "No violations.",
        });
        await section(sink, {
          id: "errors",
          title: "Errors",
          intro: "Could not be read or checked: these files are neither cleared nor flagged.",
          columns: ["Picture", "Path", "Reasons", "Size", "SHA-256"],
          table: errors,
          none: "No errors.",
        });
        await section(sink, {
          id: "disclosures",
          title: "GenAI disclosures",
          intro: "Approved GenAI assets in this delivery: the disclosure list for the studio.",
          columns: ["Picture", "Path", "Origin", "Tool", "Model", "Approved by", "Approval reference", "Scope", "Date", "SHA-256"],
          table: disclosures,
          none: "No approved GenAI assets.",
        });
        await section(sink, {
          id: "warnings",
          title: "Warnings",
          intro: "Need a look before delivery: possibly GenAI, provenance lost, C2PA only remote.",
          columns: ["Picture", "Path", "Reasons", "Labels", "SHA-256"],
          table: warnings,
          none: "No warnings.",
        });
        await sink.write(signoff(opts.signoff ?? []));
        await sink.write(filesStart(summary.counts, all.rows));
        if (all.rows > 0) await sink.append(all.spool);
        await sink.write(filesEnd(summary, opts));
        await sink.close();
      } finally {
        await dispose();
      }
    },

    async abort(): Promise<void> {
      ended = true;
      await Promise.allSettled(queue.splice(0).map((q) => q.thumb));
      await dispose();
      await sink.abort();
    },
  };
}

// ------------------------------------------------------------------ spooled tables

const FLUSH_AT = 64 * 1024;

/** Table rows in a spool, written in 64 KiB batches, strictly in order. */
class SpooledTable {
  readonly spool = new Spool();
  rows = 0;
  private buf = "";
  private chain: Promise<void> = Promise.resolve();
  private failure: { error: unknown } | null = null;

  add(html: string): Promise<void> | undefined {
    this.rows++;
    this.buf += html;
    return this.buf.length >= FLUSH_AT ? this.flushBuffer() : undefined;
  }

  private flushBuffer(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.error);
    const text = this.buf;
    this.buf = "";
    const p = this.chain.then(() => this.spool.write(text));
    // Later batches wait for this one; a failure is kept and reported by finish().
    this.chain = p.catch((error: unknown) => {
      this.failure ??= { error };
    });
    return p;
  }

  /** Everything written to the spool (or the first write error). */
  async finish(): Promise<void> {
    if (this.buf.length > 0) this.flushBuffer().catch(() => {});
    await this.chain;
    if (this.failure) throw this.failure.error;
  }

  dispose(): Promise<void> {
    return this.spool.dispose();
  }
}

interface SectionSpec {
  id: string;
  title: string;
  intro: string;
  columns: string[];
  table: SpooledTable;
  none: string;
}

async function section(sink: Sink, s: SectionSpec): Promise<void> {
  let html = `<section id="${s.id}">\n<h2>${esc(s.title)} <span class="count">(${group(s.table.rows)})</span></h2>\n`;
  if (s.table.rows === 0) {
    await sink.write(html + `<p class="none">${esc(s.none)}</p>\n</section>\n`);
    return;
  }
  html += `<p class="intro">${esc(s.intro)}</p>\n<table id="${s.id}-table">\n<thead><tr>${s.columns.map((c) => `<th scope="col">${esc(c)}</th>`).join("")}</tr></thead>\n<tbody>\n`;
  await sink.write(html);
  await sink.append(s.table.spool);
  await sink.write(`</tbody>\n</table>\n</section>\n`);
}

// ------------------------------------------------------------------ escaping

const ENTITIES: Record<string, string> = { "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" };

/** Escape for element content and quoted attribute values. */
function esc(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}

/**
 * Characters that would be invisible, collapsed or misleading in a file name: C0 and C1
 * controls (newline, tab, ...), DEL, soft hyphen, zero-width space, bidirectional
 * overrides and isolates, line/paragraph separators, BOM, and lone surrogates.
 * (ZWJ and ZWNJ are left alone: emoji and Persian, Indic scripts use them.)
 */
const INVISIBLE =
  /[\u0000-\u001f\u007f-\u009f\u00ad\u061c\u180e\u200b\u200e\u200f\u2028\u2029\u202a-\u202e\u2060-\u2064\u2066-\u2069\ufeff\ufff9-\ufffb]|[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/g;

function codePoint(c: string): string {
  return "U+" + c.charCodeAt(0).toString(16).toUpperCase().padStart(4, "0");
}

/** Escape a value for display, showing invisible characters as marked symbols. */
function text(s: string): string {
  let out = "";
  let last = 0;
  for (const m of s.matchAll(INVISIBLE)) {
    const c = m[0];
    const at = m.index;
    const code = c.charCodeAt(0);
    // Control Pictures (U+2400..) for C0 and DEL; the code point for the rest.
    const shown = code < 0x20 ? String.fromCharCode(0x2400 + code) : code === 0x7f ? "\u2421" : `<${codePoint(c)}>`;
    out += esc(s.slice(last, at)) + `<span class="cc" title="${codePoint(c)} (invisible or control character)">${esc(shown)}</span>`;
    last = at + c.length;
  }
  return out + esc(s.slice(last));
}

/** A text value, or a dash for none. */
function val(s: string | null | undefined): string {
  return s === null || s === undefined || s === "" ? `<span class="none">—</span>` : text(s);
}

// ------------------------------------------------------------------ formatting

function group(n: number): string {
  return String(n).replace(/\B(?=(\d{3})+(?!\d))/g, ",");
}

function humanSeconds(s: number): string {
  if (!Number.isFinite(s) || s < 0) return String(s);
  if (s < 10) return `${s.toFixed(1)} s`;
  const t = Math.round(s);
  if (t < 60) return `${t} s`;
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = t % 60;
  return h > 0 ? `${h} h ${String(m).padStart(2, "0")} min` : `${m} min ${String(sec).padStart(2, "0")} s`;
}

// ------------------------------------------------------------------ cells and rows

/** A path wraps anywhere (never a sideways scroll); its full text is also its title. */
function pathCell(p: string): string {
  return `<td class="p" title="${esc(p)}">${text(p)}</td>`;
}

/** A time in a table: "2026-12-06 18:42:32Z" (it wraps between date and time); the exact ISO time is its title. */
function stamp(iso: string | null | undefined): string {
  if (!iso) return `<span class="none">—</span>`;
  const m = /^(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)(?:\.\d+)?Z$/.exec(iso);
  if (!m) return text(iso);
  return `<time datetime="${esc(iso)}" title="${esc(iso)}">${m[1]} ${m[2]}Z</time>`;
}

/** Violations, errors, warnings and approved GenAI get a picture. */
function flagged(r: SweepRow): boolean {
  return r.finding === "violation" || r.finding === "error" || r.finding === "warning" || r.disclosure !== null;
}

/** The thumbnail (a data: URI: nothing is fetched), or a placeholder that says why there is none. */
function thumbCell(p: string, t: Thumbnail | null): string {
  if (!t) return `<td class="pic"></td>`;
  if ("reason" in t) return `<td class="pic"><div class="nopic" role="img" aria-label="no preview: ${esc(t.reason)}">no preview<br><span>${esc(t.reason)}</span></div></td>`;
  // Shown at half size: sharp on a 2x screen and on paper.
  const w = Math.max(1, Math.round(t.width / 2));
  const h = Math.max(1, Math.round(t.height / 2));
  return `<td class="pic"><img class="thumb" src="${t.dataUri}" width="${w}" height="${h}" alt="preview of ${esc(p)}"></td>`;
}


function shaCell(sha: string | null): string {
  return sha ? `<td class="h"><code title="${esc(sha)}">${esc(sha)}</code></td>` : `<td class="h none">—</td>`;
}

function sizeCell(size: number | null): string {
  return size === null ? `<td class="n none">—</td>` : `<td class="n" title="${group(size)} bytes">${humanBytes(size)}</td>`;
}

function reasonsCell(reasons: string[], c2pa?: SweepRow["c2pa"]): string {
  const manifests = c2paList(c2pa);
  if (reasons.length === 0) return manifests ? `<td class="r">${manifests}</td>` : `<td class="r none">—</td>`;
  if (reasons.length === 1) return `<td class="r">${text(reasons[0] ?? "")}${manifests}</td>`;
  return `<td class="r"><ul>${reasons.map((r) => `<li>${text(r)}</li>`).join("")}</ul>${manifests}</td>`;
}

/** Each C2PA manifest's status, worded as in the text report; "" when the file has none. */
function c2paList(c2pa: SweepRow["c2pa"]): string {
  if (!c2pa || c2pa.length === 0) return "";
  return `<ul class="sub c2pa">${c2pa.map((m) => `<li>C2PA ${text(m.label)}: ${text(m.status)}</li>`).join("")}</ul>`;
}

/** Where the file is used in the cuts (--timeline) and a video's own timecode; "" when neither is known. */
function timecodeList(d: Disclosure): string {
  const lines = (d.timecodes ?? []).map((u) => text(describeUse(u)));
  if (d.sourceTimecode) lines.push(`own timecode ${text(d.sourceTimecode.in)}-${text(d.sourceTimecode.out)} @ ${text(d.sourceTimecode.rate)}`);
  return lines.length > 0 ? `<ul class="sub tc">${lines.map((l) => `<li>${l}</li>`).join("")}</ul>` : "";
}

function badge(f: string): string {
  return `<span class="f f-${esc(f)}">${esc(f)}</span>`;
}

function problemRow(r: SweepRow, pic: string): string {
  return `<tr>${pic}${pathCell(r.path)}${reasonsCell(r.reasons, r.c2pa)}${shaCell(r.sha256)}</tr>\n`;
}

function errorRow(r: SweepRow, pic: string): string {
  return `<tr>${pic}${pathCell(r.path)}${reasonsCell(r.reasons, r.c2pa)}${sizeCell(r.size)}${shaCell(r.sha256)}</tr>\n`;
}

function warningRow(r: SweepRow, pic: string): string {
  const evidence = r.labelEvidence.length > 0 ? `<ul class="sub">${r.labelEvidence.map((e) => `<li>${text(e)}</li>`).join("")}</ul>` : "";
  return `<tr>${pic}${pathCell(r.path)}${reasonsCell(r.reasons, r.c2pa)}<td class="w">${val(r.labels)}${evidence}</td>${shaCell(r.sha256)}</tr>\n`;
}

function disclosureRow(r: SweepRow, d: Disclosure, pic: string): string {
  // A listed file whose finding is not "disclosed" (a warning, say) shows it beside its path.
  const note = r.finding === "disclosed" ? "" : ` ${badge(r.finding)}`;
  const path = `${pic}<td class="p" title="${esc(r.path)}">${text(r.path)}${note}${timecodeList(d)}</td>`;
  const doc = d.approvalDocSha256 ? `<div class="sub">document <code class="h" title="${esc(d.approvalDocSha256)}">${esc(d.approvalDocSha256)}</code></div>` : "";
  return (
    `<tr>${path}<td class="w">${val(d.origin)}${c2paList(r.c2pa)}</td><td class="w">${val(d.tool)}</td><td class="w">${val(d.model)}</td><td class="w">${val(d.approvedBy)}</td>` +
    `<td class="w">${val(d.approvalRef)}${doc}</td><td class="w">${val(d.scope)}</td><td class="d">${stamp(d.approvedAt)}</td>${shaCell(r.sha256)}</tr>\n`
  );
}

/** A plain cell: a value, or a muted dash. */
function cell(s: string | null, cls = ""): string {
  if (s === null || s === "") return `<td class="none${cls ? " " + cls : ""}">—</td>`;
  return `<td${cls ? ` class="${cls}"` : ""}>${text(s)}</td>`;
}

// The all-files table is the bulk of a large report (100,000+ rows), so its markup is
// lean: the finding cell is styled from the row's data-finding, not with a badge.
function allFilesRow(r: SweepRow): string {
  const labels = r.labelEvidence.length > 0 ? `<td class="w" title="${esc(r.labelEvidence.join("\n"))}">${val(r.labels)}</td>` : cell(r.labels, "w");
  const firstSeen = r.firstSeen ? `<td class="d">${stamp(r.firstSeen)}${r.knownBefore ? "" : ` <span class="sub">new in this sweep</span>`}</td>` : cell(null, "d");
  return (
    `<tr data-finding="${esc(r.finding)}">${pathCell(r.path)}<td>${esc(r.finding)}</td>${sizeCell(r.size)}` +
    `${cell(r.origin, "w")}${cell(r.status, "w")}${labels}${firstSeen}${reasonsCell(r.reasons, r.c2pa)}${shaCell(r.sha256)}</tr>\n`
  );
}

// ------------------------------------------------------------------ the page

const MEANING: Record<Finding, string> = {
  violation: "must not be delivered: temporary GenAI, a symbolic link, or a revoked approval",
  error: "could not be read or checked",
  warning: "needs a look: possibly GenAI, provenance lost, or C2PA only remote",
  disclosed: "approved GenAI: on the disclosure list",
  unknown: "no provenance: no labels, no tag, not first seen in a working root",
  ok: "checked, nothing to report",
  skipped: "not checked (e.g. .DS_Store)",
};

const SECTION_OF: Partial<Record<Finding, string>> = {
  violation: "violations",
  error: "errors",
  disclosed: "disclosures",
  warning: "warnings",
};

const VERDICT_TAG = { 0: "PASS", 1: "FAIL", 2: "INCOMPLETE" } as const;

/** Nothing is loaded from anywhere: pictures are data: URIs inside the file. */
const CSP = "default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:";

const CSS = `
:root{color-scheme:light;--line:#d0d7de;--muted:#57606a;--head:#f6f8fa}
*{box-sizing:border-box}
[hidden]{display:none!important}
body{font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"Noto Sans","Noto Sans CJK JP","Hiragino Sans",sans-serif;color:#1f2328;background:#fff;margin:0 auto;padding:1.5rem;max-width:120rem}
h1{font-size:1.5rem;margin:0 0 .75rem;overflow-wrap:anywhere}
h2{font-size:1.2rem;margin:2rem 0 .5rem;padding-bottom:.25rem;border-bottom:1px solid var(--line)}
h2 .count{color:var(--muted);font-weight:normal}
a{color:#0969da}
code,.h{font-family:ui-monospace,SFMono-Regular,Menlo,Consolas,"Liberation Mono",monospace;font-size:.9em}
.verdict{font-size:1.1rem;font-weight:600;padding:.6rem .9rem;border:2px solid;border-radius:6px;margin:0 0 1rem}
.verdict .tag{display:inline-block;margin-right:.6em;padding:0 .45em;border-radius:4px;color:#fff}
.x0{background:#dafbe1;border-color:#1a7f37}.x0 .tag{background:#1a7f37}
.x1{background:#ffebe9;border-color:#cf222e}.x1 .tag{background:#cf222e}
.x2{background:#fff8c5;border-color:#9a6700}.x2 .tag{background:#9a6700}
.grid{display:flex;flex-wrap:wrap;gap:1rem 2.5rem;align-items:flex-start}
dl.meta{display:grid;grid-template-columns:max-content minmax(0,1fr);gap:.2rem 1rem;margin:0;min-width:20rem;flex:1}
dl.meta dt{color:var(--muted)}
dl.meta dd{margin:0;overflow-wrap:anywhere}
table{border-collapse:collapse;width:100%;margin:.25rem 0 1rem}
table.counts{width:auto}
th,td{border:1px solid var(--line);padding:.25rem .45rem;text-align:left;vertical-align:top;overflow-wrap:anywhere}
thead th{background:var(--head);position:sticky;top:0;z-index:1}
tbody tr:nth-child(even){background:#fbfcfd}
td.p{overflow-wrap:anywhere;unicode-bidi:isolate;min-width:9rem}
td.n,th.n{text-align:right;white-space:nowrap;font-variant-numeric:tabular-nums;overflow-wrap:normal}
td.d{min-width:6.5em}
td.w{min-width:7.5em}
td.r{min-width:10rem}
td.pic{width:88px;min-width:88px;padding:.2rem}
img.thumb{display:block;max-width:80px;height:auto;border:1px solid var(--line);background:#fff}
.nopic{width:80px;min-height:45px;padding:.2rem;border:1px dashed #8c959f;border-radius:3px;background:#f6f8fa;color:var(--muted);font-size:.72em;line-height:1.25;text-align:center;overflow-wrap:anywhere}
.nopic span{font-size:.95em}
header .production{display:flex;flex-wrap:wrap;gap:.2rem 1.5rem;margin:0 0 .75rem;color:var(--muted)}
header .production b{color:#1f2328}
#plain{border:1px solid var(--line);border-radius:6px;padding:.2rem 1rem .6rem;margin:0 0 1rem}
#plain h2{margin-top:.6rem;border:0}
#plain .lead{font-size:1.1rem;font-weight:600;margin:.2rem 0 .6rem}
#plain h3{font-size:1rem;margin:.7rem 0 .2rem}
#plain ul{padding-left:1.2rem}
#plain li{margin:.15rem 0;overflow-wrap:anywhere}
#plain .must h3{color:#a40e26}
#plain .decide h3{color:#7d4e00}
#plain .passed h3{color:#116329}
table.signoff td{height:2.6rem}
table.signoff th:first-child{width:28%}
td.h code,code.h{display:inline-block;max-width:13ch;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;vertical-align:bottom;user-select:all;cursor:text}
ul{margin:0;padding-left:1.1rem}
.bad{color:#a40e26}
details ul{color:#1f2328}
li.p{overflow-wrap:anywhere}
.none,.intro,.sub,footer{color:var(--muted)}
.sub{font-size:.85em}
.cc{font-family:ui-monospace,monospace;font-size:.85em;color:#cf222e;background:#ffebe9;border:1px solid #ff8182;border-radius:3px;padding:0 .15em;margin:0 .05em}
.f{display:inline-block;padding:0 .5em;border:1px solid;border-radius:1em;font-size:.85em;font-weight:600;white-space:nowrap}
.f-violation{color:#a40e26;background:#ffebe9;border-color:#cf222e}
.f-error{color:#8c1c73;background:#ffeff7;border-color:#bf3989}
.f-warning{color:#7d4e00;background:#fff8c5;border-color:#bf8700}
.f-disclosed{color:#0550ae;background:#ddf4ff;border-color:#218bff}
.f-unknown{color:#424a53;background:#f6f8fa;border-color:#8c959f}
.f-ok{color:#116329;background:#dafbe1;border-color:#2da44e}
.f-skipped{color:#6e7781;background:#fff;border-color:#d0d7de}
#files-table td:nth-child(2){font-weight:600;white-space:nowrap}
#files-table tr[data-finding=violation]>td:nth-child(2){color:#a40e26;background:#ffebe9}
#files-table tr[data-finding=error]>td:nth-child(2){color:#8c1c73;background:#ffeff7}
#files-table tr[data-finding=warning]>td:nth-child(2){color:#7d4e00;background:#fff8c5}
#files-table tr[data-finding=disclosed]>td:nth-child(2){color:#0550ae;background:#ddf4ff}
#files-table tr[data-finding=unknown]>td:nth-child(2){color:#424a53}
#files-table tr[data-finding=ok]>td:nth-child(2){color:#116329}
#files-table tr[data-finding=skipped]>td:nth-child(2){color:#6e7781;font-weight:normal}
nav{margin:1rem 0;padding:.4rem .6rem;background:var(--head);border:1px solid var(--line);border-radius:6px}
nav a{margin-right:1.2rem;white-space:nowrap}
#filter{display:flex;flex-wrap:wrap;gap:.4rem 1rem;align-items:center;margin:.5rem 0;padding:.5rem .6rem;background:var(--head);border:1px solid var(--line);border-radius:6px}
#filter input[type=search]{font:inherit;padding:.2rem .4rem;min-width:18rem}
#filter label{white-space:nowrap}
#filter output{color:var(--muted);margin-left:auto}
footer{margin-top:2rem;font-size:.85em}
`;

function head(s: SweepSummary, opts: HtmlReportOptions): string {
  const footer = [opts.project, s.title, opts.episode && `episode ${opts.episode}`, opts.reel && `reel ${opts.reel}`].filter(Boolean).join(" · ") || `prov sweep: ${s.root}`;
  return (
    `<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n` +
    `<meta http-equiv="Content-Security-Policy" content="${CSP}">\n` +
    `<meta name="referrer" content="no-referrer">\n` +
    `<meta name="viewport" content="width=device-width, initial-scale=1">\n` +
    `<meta name="generator" content="${esc(`${s.tool.name} ${s.tool.version}`)}">\n` +
    `<title>prov sweep: ${esc(s.root)}</title>\n<style>${CSS}${printCss(opts.paper ?? "a4", footer)}</style>\n</head>\n<body>\n`
  );
}

/** Project, title, episode and reel, when any is known. */
function production(s: SweepSummary, opts: HtmlReportOptions): string {
  const fields: Array<[string, string | null | undefined]> = [["Project", opts.project], ["Title", s.title], ["Episode", opts.episode], ["Reel", opts.reel]];
  const shown = fields.filter(([, v]) => v);
  if (shown.length === 0) return "";
  return `<p class="production" id="production">${shown.map(([k, v]) => `<span>${k}: <b>${text(v!)}</b></span>`).join("")}</p>\n`;
}

/** The lines a person signs (prov.config.json report.signoff). */
function signoff(lines: readonly string[]): string {
  if (lines.length === 0) return "";
  let html = `<section id="signoff">\n<h2>Sign-off</h2>\n<table class="signoff">\n<thead><tr><th scope="col">Role</th><th scope="col">Name</th><th scope="col">Signature</th><th scope="col">Date</th></tr></thead>\n<tbody>\n`;
  for (const l of lines) html += `<tr><th scope="row">${text(l)}</th><td></td><td></td><td></td></tr>\n`;
  return html + `</tbody>\n</table>\n</section>\n`;
}

// ------------------------------------------------------------------ the summary in plain words

/** What a producer reads first: what must not ship, what needs a decision, what passed. */
type Kind = "genai" | "revoked" | "lapsed" | "derived" | "link" | "other" | "error" | "warning" | "unknown" | "disclosed" | "ok" | "skipped";

const WORDS: Record<Kind, { group: "must" | "decide" | "passed"; say: (n: string, one: boolean) => string }> = {
  genai: { group: "must", say: (n, one) => `${n} ${one ? "file is" : "files are"} GenAI material not approved for delivery and must not ship` },
  derived: { group: "must", say: (n, one) => `${n} ${one ? "file was" : "files were"} made from GenAI material that is not approved, and must not ship` },
  revoked: { group: "must", say: (n, one) => `${n} GenAI ${one ? "file's approval was" : "files' approvals were"} withdrawn: ${one ? "it" : "they"} must not ship` },
  lapsed: { group: "must", say: (n, one) => `${n} approved GenAI ${one ? "file's approval (or a performer's consent) has" : "files' approvals (or performers' consents) have"} ended: renew ${one ? "it" : "them"} or take ${one ? "it" : "them"} out` },
  link: { group: "must", say: (n, one) => `${n} ${one ? "entry is a shortcut" : "entries are shortcuts"} (symbolic ${one ? "link" : "links"}), not ${one ? "a real file" : "real files"}, and must not ship` },
  other: { group: "must", say: (n, one) => `${n} other ${one ? "file" : "files"} must not ship as ${one ? "it is" : "they are"}` },
  error: { group: "decide", say: (n, one) => `${n} ${one ? "file" : "files"} could not be checked (unreadable or damaged): nobody can yet say ${one ? "it" : "they"} may ship` },
  warning: { group: "decide", say: (n, one) => `${n} ${one ? "file needs" : "files need"} a person's decision before delivery: possibly GenAI, possibly made from GenAI, or ${one ? "its" : "their"} provenance is unclear` },
  unknown: { group: "decide", say: (n, one) => `${n} ${one ? "file has" : "files have"} no recorded origin (no labels, not first seen in a working folder): nothing says ${one ? "it is" : "they are"} GenAI, nothing says where ${one ? "it" : "they"} came from` },
  disclosed: { group: "passed", say: (n, one) => `${n} approved GenAI ${one ? "file may" : "files may"} ship, and ${one ? "is" : "are"} on the disclosure list for the studio` },
  ok: { group: "passed", say: (n, one) => `${n} ${one ? "file was" : "files were"} checked with nothing to report` },
  skipped: { group: "passed", say: (n, one) => `${n} system ${one ? "file was" : "files were"} ignored (not media)` },
};

const EXAMPLES = 5;

class PlainSummary {
  private readonly kinds = new Map<Kind, { n: number; examples: string[] }>();

  add(r: SweepRow): void {
    const k = kindOf(r);
    if (k) this.bump(k, r.path);
    if (r.disclosure && r.finding !== "violation") this.bump("disclosed", r.path);
  }

  private bump(k: Kind, p: string): void {
    let e = this.kinds.get(k);
    if (!e) this.kinds.set(k, (e = { n: 0, examples: [] }));
    e.n++;
    if (e.examples.length < EXAMPLES) e.examples.push(p);
  }

  html(s: SweepSummary): string {
    const lead =
      s.exitCode === 1 ? "Do not deliver this folder as it is." : s.exitCode === 2 ? "This delivery is not fully checked yet." : "Nothing found that stops this delivery.";
    let html = `<section id="plain">\n<h2>In plain words</h2>\n<p class="lead">${esc(lead)} ${esc(`${group(s.files)} ${s.files === 1 ? "file was" : "files were"} looked at.`)}</p>\n`;
    const heads = { must: "Must not ship", decide: "Needs a decision", passed: "Passed" } as const;
    for (const g of ["must", "decide", "passed"] as const) {
      const items = (Object.keys(WORDS) as Kind[]).filter((k) => WORDS[k].group === g && (this.kinds.get(k)?.n ?? 0) > 0);
      if (items.length === 0) continue;
      html += `<div class="${g}">\n<h3>${heads[g]}</h3>\n<ul>\n`;
      for (const k of items) {
        const { n, examples } = this.kinds.get(k)!;
        // OK and skipped files are counted, not listed.
        const list = k === "ok" || k === "skipped" ? "" : `: ${examples.map((p) => `<span class="p">${text(p)}</span>`).join(", ")}${n > examples.length ? `, and ${group(n - examples.length)} more` : ""}`;
        html += `<li data-kind="${k}">${esc(WORDS[k].say(group(n), n === 1))}${list}.</li>\n`;
      }
      html += `</ul>\n</div>\n`;
    }
    if (s.files === 0) html += `<p>The folder is empty.</p>\n`;
    return html + `</section>\n`;
  }
}

function kindOf(r: SweepRow): Kind | null {
  const first = r.reasons[0] ?? "";
  switch (r.finding) {
    case "violation":
      if (/^symbolic link/.test(first)) return "link";
      if (/approval was revoked/.test(first)) return "revoked";
      if (r.reasons.some((x) => /approval no longer holds/.test(x))) return "lapsed";
      if (/^derived from|temporary GenAI: .*derived/.test(first)) return "derived";
      if (r.origin !== null && isGenAI(r.origin)) return "genai";
      return "other";
    case "error":
    case "warning":
    case "unknown":
    case "ok":
    case "skipped":
      return r.finding;
    case "disclosed":
      return null; // counted from its disclosure
  }
}

function verdictAndSummary(s: SweepSummary, opts: HtmlReportOptions, plain: PlainSummary): string {
  // The verdict usually starts with its own "FAIL: "; that becomes the coloured tag.
  const own = /^(PASS|FAIL|INCOMPLETE):\s*/.exec(s.verdict);
  const tag = own?.[1] ?? VERDICT_TAG[s.exitCode] ?? `EXIT ${s.exitCode}`;
  const verdict = own ? s.verdict.slice(own[0].length) : s.verdict;
  let html = `<header>\n<h1>prov sweep: <span class="root">${text(s.root)}</span></h1>\n${production(s, opts)}`;
  html += `<p class="verdict x${s.exitCode}" id="verdict"><span class="tag">${esc(tag)}</span> ${text(verdict)}</p>\n</header>\n`;
  html += plain.html(s);

  html += `<section id="summary">\n<h2>Summary</h2>\n<div class="grid">\n`;
  html += `<table class="counts">\n<thead><tr><th scope="col">Finding</th><th scope="col" class="n">Files</th><th scope="col">Meaning</th></tr></thead>\n<tbody>\n`;
  for (const f of FINDINGS) {
    const n = s.counts[f] ?? 0;
    const target = SECTION_OF[f];
    const name = target && n > 0 ? `<a href="#${target}">${badge(f)}</a>` : badge(f);
    html += `<tr data-count="${f}"><th scope="row">${name}</th><td class="n">${group(n)}</td><td>${esc(MEANING[f])}</td></tr>\n`;
  }
  const disclosed = s.disclosures > 0 ? `<a href="#disclosures">GenAI disclosures</a>` : "GenAI disclosures";
  html += `<tr data-count="disclosures"><th scope="row">${disclosed}</th><td class="n">${group(s.disclosures)}</td><td>approved GenAI on the disclosure list, whatever its finding</td></tr>\n`;
  html += `<tr data-count="files"><th scope="row">all files</th><td class="n">${group(s.files)}</td><td>every file in the tree, skipped ones included</td></tr>\n`;
  html += `</tbody>\n</table>\n`;

  const failOn = ["violations (always)", ...s.failOn].join(", ");
  const mhl = mhlHtml(s.mhl);
  const meta: [string, string][] = [
    ["Folder", text(s.root)],
    ["Mode", esc(s.mode)],
    ["Started", `<time datetime="${esc(s.startedAt)}">${text(s.startedAt)}</time>`],
    ["Finished", `<time datetime="${esc(s.finishedAt)}">${text(s.finishedAt)}</time>`],
    ["Duration", `<span title="${esc(String(s.seconds))} s">${humanSeconds(s.seconds)}</span>`],
    ["Tool", esc(`${s.tool.name} ${s.tool.version}`)],
    ["Database", text(s.database)],
    ["History head", s.history ? `row ${s.history.row} <code>${esc(s.history.hash)}</code>` : "not recorded"],
    ["<code>--fail-on</code>", esc(failOn)],
    ["Exit code", `${s.exitCode} <span class="sub">(0 clean, 1 violations or a --fail-on finding, 2 some files could not be checked)</span>`],
    ["MHL", mhl],
  ];
  html += `<dl class="meta">\n${meta.map(([k, v]) => `<dt>${k}</dt><dd>${v}</dd>`).join("\n")}\n</dl>\n`;
  return html + `</div>\n</section>\n`;
}

function mhlHtml(m: MhlOutcome | null): string {
  if (!m) return `<span class="none">none written</span>`;
  if ("error" in m) return `<span class="bad">not written: ${text(m.error)}</span>`;
  let html = `generation ${group(m.generation)}: <span class="p">${text(m.file)}</span><br><span class="sub">chain <span class="p">${text(m.chain)}</span></span>`;
  const list = (paths: string[], what: string): string =>
    paths.length === 0
      ? ""
      : `<details class="bad"${paths.length <= 10 ? " open" : ""}><summary>${group(paths.length)} ${what}</summary><ul>` +
        paths.map((p) => `<li class="p">${text(p)}</li>`).join("") +
        `</ul></details>`;
  html += list(m.failed, m.failed.length === 1 ? "file no longer matches an earlier generation" : "files no longer match an earlier generation");
  html += list(m.missing, m.missing.length === 1 ? "file of an earlier generation is gone" : "files of an earlier generation are gone");
  return html;
}

function nav(rows: number[]): string {
  const [all = 0, v = 0, e = 0, d = 0, w = 0] = rows;
  const links: [string, string, number][] = [
    ["violations", "Violations", v],
    ["errors", "Errors", e],
    ["disclosures", "GenAI disclosures", d],
    ["warnings", "Warnings", w],
    ["files", "All files", all],
  ];
  return `<nav>${links.map(([id, name, n]) => `<a href="#${id}">${esc(name)} (${group(n)})</a>`).join("")}</nav>\n`;
}

function filesStart(counts: Readonly<Record<Finding, number>>, rows: number): string {
  let html = `<section id="files">\n<h2>All files <span class="count">(${group(rows)})</span></h2>\n`;
  html += `<noscript><p class="none">Filtering needs JavaScript; every file is listed below.</p></noscript>\n`;
  // Hidden until the script runs: without JavaScript the controls would do nothing.
  html += `<form id="filter" hidden>\n<input type="search" id="q" name="q" placeholder="Filter by path, reason, origin…" aria-label="Filter files by text" autocomplete="off">\n`;
  for (const f of FINDINGS) {
    html += `<label><input type="checkbox" name="finding" value="${f}" checked> ${badge(f)} ${group(counts[f])}</label>\n`;
  }
  html += `<button type="button" data-set="all">All</button><button type="button" data-set="violation,error,warning">Problems only</button>\n`;
  html += `<output id="shown" aria-live="polite"></output>\n</form>\n`;
  html += `<table id="files-table">\n<thead><tr>${["Path", "Finding", "Size", "Origin", "Status", "Labels", "First seen", "Reasons", "SHA-256"].map((c) => `<th scope="col">${c}</th>`).join("")}</tr></thead>\n<tbody>\n`;
  return html;
}

function filesEnd(s: SweepSummary, opts: HtmlReportOptions): string {
  const redacted = opts.redacted ? " Redacted: paths are relative to the swept folder; no database path, host or account names." : "";
  return (
    `</tbody>\n</table>\n</section>\n` +
    `<footer>Written by ${esc(`${s.tool.name} ${s.tool.version}`)} at ${text(s.finishedAt)}. This file is self-contained: it loads nothing from anywhere.${redacted}</footer>\n` +
    `<script>${SCRIPT}</script>\n</body>\n</html>\n`
  );
}

/**
 * The filter: a text box and one checkbox per finding. Its state is read from the URL
 * (#finding=violation,error&q=text, or the same as a ?query) and written back to the
 * hash, so a filtered view can be linked. Rows that do not match get the hidden attribute.
 */
const SCRIPT = `
(function () {
  "use strict";
  var form = document.getElementById("filter");
  var table = document.getElementById("files-table");
  if (!form || !table || !table.tBodies[0]) return;
  var rows = table.tBodies[0].rows;
  var q = document.getElementById("q");
  var shown = document.getElementById("shown");
  var boxes = Array.prototype.slice.call(form.querySelectorAll('input[name="finding"]'));
  var texts = null;
  var timer = 0;

  function apply() {
    var want = {};
    boxes.forEach(function (b) { if (b.checked) want[b.value] = true; });
    var needle = q.value.trim().toLowerCase();
    if (needle && !texts) {
      texts = new Array(rows.length);
      for (var j = 0; j < rows.length; j++) texts[j] = rows[j].textContent.toLowerCase();
    }
    var n = 0;
    for (var i = 0; i < rows.length; i++) {
      var r = rows[i];
      var ok = want[r.getAttribute("data-finding")] === true && (!needle || texts[i].indexOf(needle) !== -1);
      if (r.hidden === ok) r.hidden = !ok;
      if (ok) n++;
    }
    shown.textContent = "Showing " + n.toLocaleString("en-US") + " of " + rows.length.toLocaleString("en-US") + " files";
  }

  function readLocation() {
    var hash = location.hash.replace(/^#/, "");
    var src = hash.indexOf("=") >= 0 ? hash : location.search.replace(/^\\?/, "");
    if (src.indexOf("=") < 0) return false;
    var p = new URLSearchParams(src);
    if (!p.has("finding") && !p.has("q")) return false;
    var set = {};
    p.getAll("finding").forEach(function (v) {
      v.split(",").forEach(function (f) { set[f.trim()] = true; });
    });
    var any = p.has("finding");
    boxes.forEach(function (b) { b.checked = !any || set.all === true || set[b.value] === true; });
    q.value = p.get("q") || "";
    return true;
  }

  function writeLocation() {
    var on = boxes.filter(function (b) { return b.checked; }).map(function (b) { return b.value; });
    var parts = [];
    if (on.length !== boxes.length) parts.push("finding=" + (on.length ? on.join(",") : "none"));
    var needle = q.value.trim();
    if (needle) parts.push("q=" + encodeURIComponent(needle));
    try {
      history.replaceState(null, "", parts.length ? "#" + parts.join("&") : location.pathname + location.search);
    } catch (e) { /* some browsers refuse on file: URLs; the filter still works */ }
  }

  function update() { apply(); writeLocation(); }

  form.addEventListener("submit", function (e) { e.preventDefault(); });
  form.addEventListener("change", function (e) { if (e.target !== q) update(); });
  q.addEventListener("input", function () {
    clearTimeout(timer);
    timer = setTimeout(update, rows.length > 5000 ? 250 : 60);
  });
  Array.prototype.forEach.call(form.querySelectorAll("button[data-set]"), function (btn) {
    btn.addEventListener("click", function () {
      var set = btn.getAttribute("data-set");
      boxes.forEach(function (b) { b.checked = set === "all" || set.split(",").indexOf(b.value) !== -1; });
      update();
    });
  });
  window.addEventListener("hashchange", function () {
    if (readLocation()) {
      apply();
      document.getElementById("files").scrollIntoView();
    }
  });

  readLocation();
  form.hidden = false;
  apply();
})();
`;
