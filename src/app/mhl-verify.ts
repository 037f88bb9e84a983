// `prov mhl verify|diff|info`: the reading half of ASC MHL (ascmitc/mhl's verify, diff and
// info), for folders with a history written by `prov sweep --mhl`, ascmhl or another tool.
//
// verify hashes every file and compares it with the history, as ascmhl does: with the
// file's first "original" entry (so a changed file stays changed even after a later
// generation recorded its new hash as "failed"). Files in the history and not on disk are
// missing, files on disk and not in the history are new ("extra"), and the ignore patterns
// are the latest generation's. diff does the same walk without hashing: missing and new
// files, and files whose size differs from the recorded one (a certain change, found
// without reading them). Exit codes are ascmhl's (errors.py), most serious first:
//   16 the history itself was modified (a generation's C4 ID differs from the chain's, or
//      a generation is missing from the chain or gone)
//   12 verification failed (a hash mismatch; here also a file that could not be read or
//      whose recorded formats cannot be computed)
//   13 new files not in the history
//   15 files in the history are missing
//   11 no ASC MHL history at the path
// and 0 when everything matches. prov's own codes stay for the rest (2: bad input such as
// a corrupt MHL file, which names the file and what is wrong).

import type { Dirent, Stats } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { InputError } from "../domain/errors.js";
import { hashFileMhl, isMhlAlgorithm, mhlIgnoreMatcher, MHL_ALGORITHMS, type HashEntry, type MhlAlgorithm } from "../adapters/mhl/index.js";
import { DEFAULT_MHL_IGNORE } from "../adapters/mhl/ignore.js";
import { allHistories, loadHistory, type FileRecord, type HistoryProblem, type LoadedHistory } from "../adapters/mhl/history.js";

/** ascmhl's exit codes (ascmhl/errors.py), mirrored. */
export const MHL_EXIT = {
  ok: 0,
  /** NoMHLHistoryException */
  noHistory: 11,
  /** VerificationFailedException */
  verificationFailed: 12,
  /** NewFilesFoundException */
  newFiles: 13,
  /** CompletenessCheckFailedException */
  missingFiles: 15,
  /** ModifiedMHLHistoryFile */
  historyModified: 16,
} as const;

export type MhlStatus = "ok" | "no-history" | "history-modified" | "verification-failed" | "new-files" | "missing-files";

export interface ChangedFile {
  path: string;
  /** "hash": the content hash differs; "size" (diff): the size differs from the recorded one. */
  reason: "hash" | "size";
  format?: string | undefined;
  expected?: string | undefined;
  actual?: string | undefined;
  expectedSize?: number | undefined;
  actualSize?: number | undefined;
  /** The generation the expected value comes from. */
  generation: number;
}

export interface MhlCheckReport {
  root: string;
  mode: "verify" | "diff";
  /** The top history's latest generation number (0 when there is none). */
  generation: number;
  histories: { root: string; generations: number; latest: string | null }[];
  counts: { checked: number; ok: number; changed: number; missing: number; extra: number; renamed: number; unverifiable: number; unreadable: number; touched: number; historyProblems: number };
  changed: ChangedFile[];
  missing: { path: string; renamedTo?: string | undefined }[];
  extra: { path: string; size: number; renamedFrom?: string | undefined }[];
  /** diff: the modification date differs from the recorded one (content not checked). */
  touched: { path: string; recorded: string; now: string }[];
  /** In the history only in formats this tool cannot compute. */
  unverifiable: { path: string; formats: string[] }[];
  unreadable: { path: string; error: string }[];
  history: (Omit<HistoryProblem, "file"> & { file: string })[];
  status: MhlStatus;
  exitCode: number;
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function checkRoot(root: string): Promise<string> {
  const abs = path.resolve(root);
  let st: Stats;
  try {
    st = await fs.stat(abs);
  } catch (e) {
    throw new InputError(`${root}: ${(e as { code?: string }).code === "ENOENT" ? "no such folder" : message(e)}`, { cause: e });
  }
  if (!st.isDirectory()) throw new InputError(`${root} is not a folder (ASC MHL histories belong to folders)`);
  return abs;
}

function join(a: string, b: string): string {
  return a === "" ? b : `${a}/${b}`;
}

function byCodePoint(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** xs:dateTime to whole seconds since the epoch; NaN when it does not parse. */
function seconds(date: string): number {
  return Math.floor(Date.parse(date) / 1000);
}

function sameHash(format: string, a: string, b: string): boolean {
  return format === "c4" ? a === b : a.toLowerCase() === b.toLowerCase();
}

/** The entry to verify a file against: its original entry, else the first in a format we compute. */
function expectedOf(r: FileRecord): { entry: HashEntry; generation: number } | { unverifiable: string[] } {
  if (r.original && isMhlAlgorithm(r.original.entry.format)) return { entry: r.original.entry, generation: r.original.generation };
  for (const [format, first] of r.first) {
    if (isMhlAlgorithm(format)) return { entry: { format, hash: first.hash, action: undefined }, generation: first.generation };
  }
  return { unverifiable: [...r.first.keys()] };
}

interface Located {
  history: LoadedHistory;
  rel: string;
  record: FileRecord;
}

function relFrom(top: LoadedHistory, abs: string): string {
  return path.relative(top.root, abs).split(path.sep).join("/");
}

function problemsOf(top: LoadedHistory): MhlCheckReport["history"] {
  const out: MhlCheckReport["history"] = [];
  for (const h of allHistories(top)) for (const p of h.problems) out.push({ ...p, file: relFrom(top, p.file) });
  return out;
}

/** The exit code and status a set of findings gives, most serious first (as ascmhl raises them). */
export function mhlOutcome(f: { historyProblems: number; changed: number; unverifiable: number; unreadable: number; extra: number; missing: number }): { status: MhlStatus; exitCode: number } {
  if (f.historyProblems > 0) return { status: "history-modified", exitCode: MHL_EXIT.historyModified };
  if (f.changed + f.unverifiable + f.unreadable > 0) return { status: "verification-failed", exitCode: MHL_EXIT.verificationFailed };
  if (f.extra > 0) return { status: "new-files", exitCode: MHL_EXIT.newFiles };
  if (f.missing > 0) return { status: "missing-files", exitCode: MHL_EXIT.missingFiles };
  return { status: "ok", exitCode: MHL_EXIT.ok };
}

function emptyReport(root: string, mode: "verify" | "diff"): MhlCheckReport {
  return {
    root, mode, generation: 0, histories: [],
    counts: { checked: 0, ok: 0, changed: 0, missing: 0, extra: 0, renamed: 0, unverifiable: 0, unreadable: 0, touched: 0, historyProblems: 0 },
    changed: [], missing: [], extra: [], touched: [], unverifiable: [], unreadable: [], history: [],
    status: "no-history", exitCode: MHL_EXIT.noHistory,
  };
}

export interface CheckOptions {
  /** Called before each file is looked at (relative path), for progress. */
  onFile?: ((rel: string) => void) | undefined;
  /** Patterns ignored on top of the latest generation's. */
  ignore?: readonly string[] | undefined;
}

/** `prov mhl verify` (hash every file) or `prov mhl diff` (no hashing). Writes nothing. */
export async function checkMhl(root: string, mode: "verify" | "diff", opts: CheckOptions = {}): Promise<MhlCheckReport> {
  const abs = await checkRoot(root);
  const report = emptyReport(abs, mode);
  const top = await loadHistory(abs);
  if (!top || top.generations.length === 0) {
    if (top) report.history = problemsOf(top);
    return report;
  }
  const histories = [...allHistories(top)];
  report.generation = top.generations.at(-1)!.n;
  report.histories = histories.map((h) => ({ root: h.rel === "" ? "." : h.rel, generations: h.generations.length, latest: h.generations.at(-1)?.name ?? null }));
  report.history = problemsOf(top);

  const patterns = [...(top.ignore && top.ignore.length > 0 ? top.ignore : DEFAULT_MHL_IGNORE), ...(opts.ignore ?? [])];
  const ignored = mhlIgnoreMatcher(patterns);
  const mhlDirs = new Set(histories.map((h) => h.mhlDir));
  // Deepest history first: a child history keeps the records of its folder.
  const byDepth = [...histories].sort((a, b) => b.rel.length - a.rel.length);

  const locate = (rel: string): Located | null => {
    for (const h of byDepth) {
      if (h.rel !== "" && rel !== h.rel && !rel.startsWith(h.rel + "/")) continue;
      const inner = h.rel === "" ? rel : rel.slice(h.rel.length + 1);
      const record = h.files.get(inner);
      if (record) return { history: h, rel: inner, record };
    }
    return null;
  };

  const seen = new Set<string>();
  const extraFiles: { rel: string; abs: string; size: number }[] = [];

  const onFile = async (rel: string, file: string, st: Stats): Promise<void> => {
    opts.onFile?.(rel);
    report.counts.checked++;
    const loc = locate(rel);
    if (!loc) {
      extraFiles.push({ rel, abs: file, size: st.size });
      return;
    }
    // Seen by top-relative path: a parent's record of the same file is accounted for too.
    seen.add(rel);
    const r = loc.record;
    if (mode === "diff") {
      const recorded = r.records.at(-1)!;
      const expectedSize = r.original?.size ?? recorded.size;
      if (expectedSize !== undefined && expectedSize !== st.size) {
        report.changed.push({ path: rel, reason: "size", expectedSize, actualSize: st.size, generation: r.original?.generation ?? recorded.generation });
        return;
      }
      const lm = recorded.lastModified;
      if (lm !== undefined && Number.isFinite(seconds(lm)) && seconds(lm) !== Math.floor(st.mtimeMs / 1000)) {
        report.touched.push({ path: rel, recorded: lm, now: st.mtime.toISOString().replace(/\.\d{3}Z$/, "+00:00") });
      }
      report.counts.ok++;
      return;
    }
    const exp = expectedOf(r);
    if ("unverifiable" in exp) {
      report.unverifiable.push({ path: rel, formats: exp.unverifiable });
      return;
    }
    let actual: string;
    try {
      actual = await hashFileMhl(file, exp.entry.format as MhlAlgorithm);
    } catch (e) {
      report.unreadable.push({ path: rel, error: message(e) });
      return;
    }
    if (sameHash(exp.entry.format, exp.entry.hash, actual)) report.counts.ok++;
    else report.changed.push({ path: rel, reason: "hash", format: exp.entry.format, expected: exp.entry.hash, actual, generation: exp.generation });
  };

  await walk(abs, (rel, isDir, dirAbs) => (isDir && mhlDirs.has(dirAbs)) || ignored(rel, isDir), onFile, (rel, e) => report.unreadable.push({ path: rel, error: message(e) }));

  // Missing: every path any history recorded that was not found and is not ignored now.
  const missing = new Map<string, FileRecord>();
  for (const h of histories) {
    for (const [p, r] of h.files) {
      const rel = join(h.rel, p);
      if (!seen.has(rel) && !missing.has(rel) && !ignored(rel, false)) missing.set(rel, r);
    }
  }

  // A missing file whose content turns up under a new name: a rename (verify only, by hash).
  const renamedFrom = new Map<string, string>();
  const renamedTo = new Map<string, string>();
  if (mode === "verify" && missing.size > 0 && extraFiles.length > 0) {
    const wanted = new Map<string, string>(); // format + "\0" + hash → missing path
    const formats = new Set<MhlAlgorithm>();
    for (const [rel, r] of missing) {
      const exp = expectedOf(r);
      if ("unverifiable" in exp) continue;
      const f = exp.entry.format as MhlAlgorithm;
      formats.add(f);
      const key = `${f}\0${f === "c4" ? exp.entry.hash : exp.entry.hash.toLowerCase()}`;
      if (!wanted.has(key)) wanted.set(key, rel);
    }
    for (const x of extraFiles) {
      for (const f of formats) {
        let h: string;
        try {
          h = await hashFileMhl(x.abs, f);
        } catch {
          break; // reported as a new file; its content cannot be compared
        }
        const from = wanted.get(`${f}\0${h}`);
        if (from !== undefined && !renamedTo.has(from)) {
          renamedTo.set(from, x.rel);
          renamedFrom.set(x.rel, from);
          break;
        }
      }
    }
  }

  report.missing = [...missing.keys()].sort(byCodePoint).map((p) => (renamedTo.has(p) ? { path: p, renamedTo: renamedTo.get(p) } : { path: p }));
  report.extra = extraFiles.map((x) => (renamedFrom.has(x.rel) ? { path: x.rel, size: x.size, renamedFrom: renamedFrom.get(x.rel) } : { path: x.rel, size: x.size }));
  Object.assign(report.counts, {
    changed: report.changed.length, missing: report.missing.length, extra: report.extra.length, renamed: renamedTo.size,
    unverifiable: report.unverifiable.length, unreadable: report.unreadable.length, touched: report.touched.length, historyProblems: report.history.length,
  });
  Object.assign(report, mhlOutcome(report.counts));
  return report;
}

/**
 * Walk the folder in code-point order of names, as ascmhl does: regular files (and
 * symlinks to files); folders are entered unless skipped; anything else is left alone.
 */
async function walk(
  root: string,
  skip: (rel: string, isDir: boolean, abs: string) => boolean,
  onFile: (rel: string, abs: string, st: Stats) => Promise<void>,
  onError: (rel: string, e: unknown) => void,
): Promise<void> {
  const visit = async (dirAbs: string, dirRel: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(dirAbs, { withFileTypes: true });
    } catch (e) {
      onError(dirRel === "" ? "." : dirRel, e);
      return;
    }
    entries.sort((a, b) => byCodePoint(a.name, b.name));
    for (const d of entries) {
      const abs = path.join(dirAbs, d.name);
      const rel = join(dirRel, d.name);
      let st: Stats;
      try {
        st = d.isSymbolicLink() ? await fs.stat(abs) : await fs.lstat(abs);
      } catch (e) {
        if (d.isSymbolicLink()) continue; // a dangling link is not a file
        onError(rel, e);
        continue;
      }
      if (st.isDirectory()) {
        if (d.isSymbolicLink()) continue; // not followed, as os.walk does not
        if (!skip(rel, true, abs)) await visit(abs, rel);
      } else if (st.isFile()) {
        if (!skip(rel, false, abs)) await onFile(rel, abs, st);
      }
    }
  };
  await visit(root, "");
}

// ------------------------------------------------------------------ info

export interface MhlInfoGeneration {
  generation: number;
  file: string;
  creationDate: string | null;
  hostname: string | null;
  tool: string | null;
  toolVersion: string | null;
  authors: { name: string; email: string | null; phone: string | null; role: string | null }[];
  location: string | null;
  comment: string | null;
  process: string | null;
  formats: string[];
  counts: { files: number; directories: number; original: number; verified: number; failed: number; other: number };
  rootHash: { format: string; content: string | null; structure: string | null }[];
  references: number;
  chain: "ok" | "tampered" | "unchained";
  c4: string;
}

export interface MhlInfoReport {
  root: string;
  histories: {
    root: string;
    chain: "ok" | "broken" | "none";
    ignore: string[];
    generations: MhlInfoGeneration[];
    files: number;
  }[];
  history: MhlCheckReport["history"];
  /** With files: every file in the history, per generation. */
  files?: { path: string; history: string; generations: { generation: number; size: number | null; lastModified: string | null; previousPath: string | null; hashes: { format: string; hash: string; action: string | null; hashdate: string | null }[] }[] }[];
  status: "ok" | "no-history" | "history-modified";
  exitCode: number;
}

/** `prov mhl info`: generations, creator info, hash formats and counts; every file with `files`. */
export async function mhlInfo(root: string, opts: { files?: boolean } = {}): Promise<MhlInfoReport> {
  const abs = await checkRoot(root);
  const top = await loadHistory(abs);
  if (!top || top.generations.length === 0) {
    return { root: abs, histories: [], history: top ? problemsOf(top) : [], status: "no-history", exitCode: MHL_EXIT.noHistory };
  }
  const n = <T>(v: T | undefined): T | null => (v === undefined ? null : v);
  const histories = [...allHistories(top)].map((h) => ({
    root: h.rel === "" ? "." : h.rel,
    chain: (h.chain === null ? "none" : h.problems.length > 0 ? "broken" : "ok") as "ok" | "broken" | "none",
    ignore: h.ignore ?? [],
    files: h.files.size,
    generations: h.generations.map((g): MhlInfoGeneration => {
      const counts = { files: g.doc.files.length, directories: g.doc.directories.length, original: 0, verified: 0, failed: 0, other: 0 };
      const formats = new Set<string>();
      for (const f of g.doc.files) {
        for (const e of f.entries) formats.add(e.format);
        const actions = f.entries.map((e) => e.action);
        if (actions.includes("failed")) counts.failed++;
        else if (actions.includes("original")) counts.original++;
        else if (actions.includes("verified")) counts.verified++;
        else counts.other++;
      }
      const rh = g.doc.rootHash;
      const rootFormats = [...new Set([...(rh?.content ?? []), ...(rh?.structure ?? [])].map((e) => e.format))];
      const c = g.doc.creator;
      return {
        generation: g.n, file: g.name,
        creationDate: n(c.creationDate), hostname: n(c.hostname), tool: n(c.tool), toolVersion: n(c.toolVersion),
        authors: c.authors.map((a) => ({ name: a.name, email: n(a.email), phone: n(a.phone), role: n(a.role) })),
        location: n(c.location), comment: n(c.comment), process: n(g.doc.process),
        formats: [...MHL_ALGORITHMS.filter((a) => formats.has(a)), ...[...formats].filter((f) => !isMhlAlgorithm(f)).sort()],
        counts,
        rootHash: rootFormats.map((format) => ({
          format,
          content: rh?.content.find((e) => e.format === format)?.hash ?? null,
          structure: rh?.structure.find((e) => e.format === format)?.hash ?? null,
        })),
        references: g.doc.references.length,
        chain: g.chain,
        c4: g.c4,
      };
    }),
  }));
  const report: MhlInfoReport = { root: abs, histories, history: problemsOf(top), status: "ok", exitCode: MHL_EXIT.ok };
  if (report.history.length > 0) Object.assign(report, { status: "history-modified", exitCode: MHL_EXIT.historyModified });
  if (opts.files) {
    report.files = [];
    for (const h of allHistories(top)) {
      for (const [p, r] of [...h.files].sort((a, b) => byCodePoint(a[0], b[0]))) {
        report.files.push({
          path: join(h.rel, p),
          history: h.rel === "" ? "." : h.rel,
          generations: r.records.map((x) => ({
            generation: x.generation, size: n(x.size), lastModified: n(x.lastModified), previousPath: n(x.previousPath),
            hashes: x.entries.map((e) => ({ format: e.format, hash: e.hash, action: n(e.action), hashdate: n(e.hashdate) })),
          })),
        });
      }
    }
  }
  return report;
}
