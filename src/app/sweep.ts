// The pre-delivery sweep: every file in a deliverables tree is identified (the sweep is
// also an ingest), judged (src/policy/sweep.ts) and streamed to the report writers; the
// summary and exit code come last. Independent of whether the watcher ran.

import { realpathSync } from "node:fs";
import { realpath, stat } from "node:fs/promises";
import { hostname } from "node:os";
import path from "node:path";
import type { ContentType } from "../adapters/containers/sniff.js";
import type { TrailingReport } from "../adapters/containers/trailing.js";
import type { ApprovalRow, AssetFactsRow, AssetSummary, EvidenceRow, FingerprintedRow, FingerprintRow, MetadataReader, Store } from "../ports.js";
import { FFMPEG_MISSING } from "../adapters/decode/index.js";
import { inspectContainer, mayContain } from "./containers.js";
import { InputError } from "../domain/errors.js";
import { describeFsError, errnoCode } from "../errors.js";
import type { ExtraHasher } from "../adapters/fs/hash.js";
import { addToTally, exitCodeFor, FAIL_ON_RULES, judge, placeOf, type RecordFacts, type SweepFacts, type Tally } from "../domain/sweep-policy.js";
import { termsOf } from "../domain/approval-terms.js";
import { classify } from "../domain/classify.js";
import { VOLUME_MARKER } from "../domain/volumes.js";
import { isGenAI, type Evidence } from "../domain/types.js";
import { describeDerivationIn, loadGenAIFingerprints } from "./perceptual.js";
import { derivations, lookalikes, probesOf, type GenAIFingerprints, type Matching } from "../domain/likeness.js";
import { evidenceOf, labelsRead, shotEvidence, toEvidence, twinEvidence } from "../domain/lineage.js";
import { directionIn } from "./judge.js";
import { describeRange, parseFrameName, sequenceKey } from "../domain/sequence.js";
import { scan, type FileOutcome, type ScanDeps } from "./ingest/scan.js";
import { hashOne } from "./identify.js";
import { validateRecorded, type C2paChecker } from "./c2pa.js";
import { hasC2paManifest, type C2paValidation } from "../domain/c2pa-validation.js";
import type { IgnoreMatcher } from "../adapters/fs/walk.js";
import { FINDINGS, SWEEP_SCHEMA_VERSION, type Disclosure, type MhlOutcome, type FailOn, type Finding, type ReportWriter, type SweepRow, type SweepSummary } from "../domain/sweep-types.js";

export interface SweepOptions {
  /** Trust the stat cache (device, inode, size, mtime, ctime unchanged since the last full hash). */
  quick: boolean;
  failOn: readonly FailOn[];
  writers: readonly ReportWriter[];
  /** Files the sweep itself is writing inside the tree (the report): not part of the delivery. */
  exclude?: readonly string[];
  version: string;
  /** The production's title, for the report and the disclosure list. */
  title?: string | null;
  onProgress?: (counts: Readonly<Record<Finding, number>>, files: number, current: string) => void;
  /** After the rows, before the summary is written (the ASC MHL generation). */
  beforeSummary?: ((root: string, files: readonly SweptFile[]) => Promise<MhlOutcome>) | undefined;
  /** Right before the reports are finished (a terminal's progress line is cleared). */
  beforeReport?: () => void;
  /** Keep the list of files for beforeSummary (costs memory: one small entry per file). */
  keepFiles?: boolean;
  /** Another hash of every file read, in the same read (the ASC MHL hash for --mhl). */
  extraHash?: (() => Promise<ExtraHasher>) | undefined;
  /** Check files against temporary GenAI by perceptual fingerprint (absent: content and labels only). */
  perceptual?: Matching | undefined;
  /** The working roots (roots.working): content first seen there has provenance; content only recorded by prov has none. */
  workingRoots?: readonly string[];
  /** Validate C2PA manifest stores (src/app/c2pa.ts); absent: the recorded validation is reported, none is made. */
  c2pa?: C2paChecker | null | undefined;
  /** The timecode fields of a disclosed file (src/app/disclosure-timecodes.ts). */
  disclosureTimecodes?: ((abs: string, assetId: number | undefined) => Promise<Partial<Disclosure>>) | undefined;
  /** The files the writers write (--out, --disclosure): recorded once complete (SweepReportsDetail), for the desk to offer. */
  reportFiles?: readonly SweepReportFile[] | undefined;
}

/** A report file a sweep writes. */
export interface SweepReportFile {
  /** Absolute. */
  path: string;
  /** The report's format (text, json, csv, html, junit, pdf), or disclosure-json / disclosure-csv. */
  format: string;
  /** Written with --redact: no internal paths, hosts or accounts in it. */
  redacted: boolean;
}

/**
 * The detail of a "sweep-reports" event: the report files a sweep wrote, as they were once
 * complete (fsynced and renamed into place), each by its SHA-256, so the desk can serve the
 * very bytes the sweep wrote and say so when they moved or changed. A separate event after
 * the sweep's own: the reports carry the history head that includes the sweep's event, so
 * that event cannot also carry the reports' hashes, and history rows are never updated.
 */
export interface SweepReportsDetail {
  /** The id of the sweep's "sweep" event. */
  sweep: number;
  /** Where the files were written (in a facility, the desk may run on another host). */
  host: string;
  reports: Array<SweepReportFile & ({ size: number; sha256: string } | { error: string })>;
}

export const SWEEP_REPORTS_EVENT = "sweep-reports";

const ROW_BATCH = 256;
const MAX_UNWRITTEN = 4096;

export interface SweptFile {
  abs: string;
  rel: string;
  size: number;
  mtime: Date;
  /** Its ASC MHL hash when the sweep read it (extraHash); null when it was not read (--quick). */
  hash: string | null;
}

/**
 * What a delivery should not carry and a sweep does not judge: OS litter (by name; also
 * the ASC MHL ignore list, src/sweep/mhl.ts), besides AppleDouble `._*` files and the
 * folder's own MHL history.
 */
export const LITTER: ReadonlyMap<string, string> = new Map([
  [".DS_Store", "macOS Finder folder settings (.DS_Store), not media"],
  ["Thumbs.db", "Windows thumbnail cache (Thumbs.db), not media"],
  ["desktop.ini", "Windows folder settings (desktop.ini), not media"],
  [".Spotlight-V100", "macOS Spotlight index, not media"],
  [".Trashes", "macOS trash folder, not media"],
  [".fseventsd", "macOS file-event log, not media"],
  [".TemporaryItems", "macOS temporary items, not media"],
  [".AppleDouble", "netatalk AppleDouble folder, not media"],
  ["@eaDir", "Synology thumbnail folder, not media"],
  ["#recycle", "NAS recycle bin, not media"],
  ["$RECYCLE.BIN", "Windows recycle bin, not media"],
]);

/** The report this sweep is writing is not part of the delivery, and not listed in itself. */
const SELF = "the report this sweep is writing";

export function sweepIgnore(root: string, exclude: readonly string[]): { matcher: IgnoreMatcher; reason: (p: string) => string } {
  // Compared with walked paths, which are under the real path of the root.
  const real = (p: string): string => {
    try {
      return path.join(realpathSync(path.dirname(path.resolve(p))), path.basename(p));
    } catch {
      return path.resolve(p);
    }
  };
  const excluded = exclude.map(real);
  const mhlDir = path.join(root, "ascmhl");
  const why = (p: string): string | null => {
    const base = path.basename(p);
    if (p === mhlDir) return "ASC MHL history of this folder (ascmhl/)";
    if (excluded.some((e) => p === e || (path.dirname(e) === path.dirname(p) && base.startsWith(`.${path.basename(e)}.`)))) {
      return SELF;
    }
    const litter = LITTER.get(base);
    if (litter) return litter;
    if (base.startsWith("._")) return "macOS AppleDouble resource fork (._*), not media";
    if (base === VOLUME_MARKER) return `prov's volume marker (${VOLUME_MARKER}, written by \`prov volume init\`), not media`;
    return null;
  };
  return { matcher: (p) => why(p) !== null, reason: (p) => why(p) ?? "ignored" };
}

export async function sweep(rootArg: string, deps: ScanDeps, opts: SweepOptions): Promise<SweepSummary> {
  const root = await sweepRoot(rootArg);
  const { store } = deps;
  const startedAt = new Date().toISOString();
  const started = Date.now();
  const counts = Object.fromEntries(FINDINGS.map((f) => [f, 0])) as Record<Finding, number>;
  const tally: Tally = { violation: 0, error: 0, unknown: 0, possiblyGenai: 0, disclosed: 0 };
  const files: SweptFile[] = [];
  let total = 0;

  // Rows go to the writers in order, in batches; scan() calls back synchronously and
  // waits (backpressure) while too many rows are not yet written, so memory stays flat.
  // A writer's failure (disk full) stops the writing and fails the sweep once scan returns.
  let chain: Promise<void> = Promise.resolve();
  let writeError: { error: unknown } | null = null;
  let batch: SweepRow[] = [];
  let unwritten = 0;
  const flush = (): void => {
    if (batch.length === 0) return;
    const rows = batch;
    batch = [];
    unwritten += rows.length;
    chain = chain
      .then(async () => {
        if (writeError) return;
        for (const row of rows) {
          for (const w of opts.writers) {
            const p = w.row(row);
            if (p) await p;
          }
        }
      })
      .catch((error: unknown) => {
        writeError ??= { error };
      })
      .finally(() => {
        unwritten -= rows.length;
      });
  };
  const emit = (row: SweepRow): void => {
    counts[row.finding]++;
    total++;
    addToTally(tally, row);
    batch.push(row);
    if (batch.length >= ROW_BATCH) flush();
  };

  // Every walked path is under root (path.relative is slow by the 100,000).
  const prefix = root.endsWith(path.sep) ? root : root + path.sep;
  const rel = (p: string): string => {
    const r = p.startsWith(prefix) ? p.slice(prefix.length) : path.relative(root, p);
    return (path.sep === "/" ? r : r.split(path.sep).join("/")) || path.basename(p);
  };
  const { matcher, reason } = sweepIgnore(root, opts.exclude ?? []);
  const records = new Records(store, opts.perceptual ?? null, deps.reader, opts.workingRoots ?? []);
  if (opts.quick) await records.preload(root);
  await records.loadGenAIFingerprints();
  const shots = new Shots(store);

  // Each file is judged in walk order, one after another (its facts may need a query), and
  // its row goes to the writers; scan() waits while too many are not yet judged or written.
  let judging: Promise<void> = Promise.resolve();
  let unjudged = 0;
  // C2PA validations start when a file is reported (the worker pool runs them side by side)
  // and are awaited when it is judged, in walk order.
  const validations = new Map<string, Promise<{ validation: C2paValidation | undefined; changed: boolean }>>();
  const validationOf = async (o: FileOutcome): Promise<{ validation: C2paValidation | undefined; changed: boolean }> => {
    if (o.kind !== "recorded" && o.kind !== "unchanged") return { validation: undefined, changed: false };
    // Most files have no manifest store: say so from what is already in hand, without a query.
    const own = o.kind === "recorded" ? o.facts.evidence : records.preloaded(o.assetId);
    if (own && !hasC2paManifest(own)) return { validation: undefined, changed: false };
    if (opts.c2pa) return validateRecorded(store, opts.c2pa, o.assetId, o.path, () => new Date().toISOString());
    return { validation: await store.c2pa.latest(o.assetId), changed: false };
  };
  const judgeFile = async (o: FileOutcome): Promise<void> => {
    const pending = validations.get(o.path);
    validations.delete(o.path);
    const c2pa = pending ? await pending : { validation: undefined, changed: false };
    // A validation that re-weighed the evidence leaves the facts read with the file stale.
    if (c2pa.changed) o = await refreshed(store, records, o);
    const { facts, asset } = await factsOf(records, shots, o, startedAt);
    if (facts.kind === "file" && c2pa.validation) facts.record.c2pa = c2pa.validation;
    const j = judge(facts);
    if (opts.keepFiles && asset && (o.kind === "recorded" || o.kind === "unchanged")) {
      const mtime = new Date(Number(BigInt(o.stat.mtimeNs) / 1_000_000n));
      files.push({ abs: o.path, rel: rel(o.path), size: asset.size, mtime, hash: o.kind === "recorded" ? o.extraHash : null });
    }
    emit({
      path: rel(o.path),
      size: asset?.size ?? null,
      sha256: asset?.sha256 ?? null,
      finding: j.finding,
      reasons: j.reasons,
      origin: asset?.origin ?? null,
      status: asset?.status ?? null,
      labels: j.labels,
      labelEvidence: j.labelEvidence,
      firstSeen: asset?.first_seen ?? null,
      knownBefore: asset ? asset.first_seen < startedAt : false,
      disclosure: j.disclosure ? { ...j.disclosure, ...placeOf(rel(o.path)), ...(await opts.disclosureTimecodes?.(o.path, asset?.id)) } : null,
      noProvenance: j.noProvenance,
      ...(j.c2pa && j.c2pa.length > 0 ? { c2pa: j.c2pa } : {}),
    });
  };
  const onFile = (o: FileOutcome): void => {
    if (o.kind === "skipped" && o.reason === SELF) return;
    if (o.kind === "recorded" || o.kind === "unchanged") {
      const v = validationOf(o);
      v.catch(() => undefined); // awaited (and its failure reported) when the file is judged
      validations.set(o.path, v);
    }
    unjudged++;
    judging = judging
      .then(() => (writeError ? undefined : judgeFile(o)))
      .catch((error: unknown) => {
        writeError ??= { error };
      })
      .finally(() => {
        unjudged--;
      });
  };

  // Fingerprints are made when there is something to compare them with: with no GenAI
  // fingerprint recorded, a sweep of new pictures would decode each for nothing (about
  // 2.5 ms of CPU even for a thumbnail). Scans and the watcher make them regardless, and
  // the gate and prov frame make a missing one when they need it.
  await scan([root], records.comparesFingerprints() ? deps : { ...deps, fingerprint: undefined }, {
    rehash: !opts.quick,
    extensions: "all",
    ignore: matcher,
    ignoreReason: reason,
    touchUnchanged: false,
    ...(opts.extraHash ? { extraHash: opts.extraHash } : {}),
    backpressure: () => (unjudged > MAX_UNWRITTEN ? judging : unwritten > MAX_UNWRITTEN ? chain : undefined),
    onFile,
    onProgress: (_s, current) => opts.onProgress?.(counts, total, current),
  });
  await judging;
  flush();
  await chain;
  if (writeError) throw (writeError as { error: unknown }).error;

  const mhl = opts.beforeSummary ? await opts.beforeSummary(root, files) : null;
  // An MHL that was asked for and not written leaves the sweep incomplete.
  const judged = exitCodeFor(tally, opts.failOn);
  const exitCode = mhl && "error" in mhl && judged === 0 ? 2 : judged;
  const finishedAt = new Date().toISOString();
  const summary: SweepSummary = {
    schemaVersion: SWEEP_SCHEMA_VERSION,
    tool: { name: "prov", version: opts.version },
    root,
    mode: opts.quick ? "quick" : "full",
    startedAt,
    finishedAt,
    seconds: (Date.now() - started) / 1000,
    files: total,
    counts,
    disclosures: tally.disclosed,
    failOn: [...opts.failOn],
    exitCode,
    verdict: verdictOf(exitCode, counts, tally, opts.failOn) + (mhl && "error" in mhl ? `; ASC MHL not written: ${mhl.error}` : ""),
    database: store.location,
    ...(opts.title ? { title: opts.title } : {}),
    mhl,
  };
  const sweepEvent = await store.events.add("sweep", finishedAt, { path: root, detail: { ...summary, tool: undefined, schemaVersion: undefined } });
  const head = await store.history.head();
  summary.history = { row: head.seq, hash: head.hash };
  opts.beforeReport?.();
  for (const w of opts.writers) await w.end(summary);
  if (opts.reportFiles && opts.reportFiles.length > 0) await recordReports(store, sweepEvent, root, opts.reportFiles);
  return summary;
}

/**
 * The report files as they are now that the writers ended (each fsynced and renamed into
 * place), read back and hashed: what the desk will serve. A file that cannot be read back
 * is recorded with why; the sweep's verdict stands either way.
 */
async function recordReports(store: Store, sweepEvent: number, root: string, files: readonly SweepReportFile[]): Promise<void> {
  const reports: SweepReportsDetail["reports"] = [];
  for (const f of files) {
    const h = await hashOne({ path: f.path });
    reports.push(h.ok ? { ...f, size: h.result.size, sha256: h.result.sha256 } : { ...f, error: h.reason });
  }
  const detail: SweepReportsDetail = { sweep: sweepEvent, host: hostname(), reports };
  await store.events.add(SWEEP_REPORTS_EVENT, new Date().toISOString(), { path: root, detail: { ...detail } });
}

/** The swept folder must exist and be a directory; a link to one is followed once, here. */
export async function sweepRoot(arg: string): Promise<string> {
  let real: string;
  try {
    real = await realpath(arg);
  } catch (err) {
    // Named on the command line: "vanished" would mislead; it was never there.
    const why = errnoCode(err) === "ENOENT" ? "no such file or folder" : describeFsError(err);
    throw new InputError(`cannot sweep ${arg}: ${why} (give the deliverables folder)`);
  }
  if (!(await stat(real)).isDirectory()) throw new InputError(`cannot sweep ${arg}: not a directory (give the deliverables folder)`);
  return real;
}

/**
 * The facts of recorded assets. A full sweep has them from recording each file (the scan's
 * outcome carries the facts it classified with); a quick sweep loads the evidence and
 * approvals of the whole folder in a few queries up front (unchanged files are most of it).
 */
class Records {
  private evidence: Map<number, EvidenceRow[]> | null = null;
  private approvals: Map<number, ApprovalRow[]> | null = null;
  private genaiMedia: Set<string> | null = null;
  private genaiPrints: GenAIFingerprints | null = null;

  constructor(
    private readonly store: Store,
    private readonly perceptual: Matching | null,
    /** ExifTool, to read the members of containers (none in a quick sweep's unchanged files). */
    private readonly reader: MetadataReader | null,
    private readonly workingRoots: readonly string[],
  ) {}

  /** Where prov first saw this content in a working root, if it did (its locations there, earliest first). */
  private async workingRoot(asset: AssetSummary): Promise<{ path: string; at: string } | null> {
    if (this.workingRoots.length === 0 || asset.origin !== "unknown") return null;
    const under = (p: string): boolean => this.workingRoots.some((r) => p === r || p.startsWith(r.endsWith(path.sep) ? r : r + path.sep));
    // First sight: where the content was seen first of all, not a copy put in a working root later.
    const all = await this.store.locations.ofAsset(asset.id);
    const earliest = all.reduce<string | null>((m, l) => (m === null || l.first_seen < m ? l.first_seen : m), null);
    const first = all.find((l) => l.first_seen === earliest && under(l.path));
    return first ? { path: first.path, at: first.first_seen } : null;
  }

  /**
   * Why this picture could not be compared with the GenAI assets: it was tried and could not
   * be decoded, or nothing here decodes it. Only asked where a comparison was due.
   */
  private async uncompared(asset: AssetSummary, state: FingerprintedRow | undefined | null): Promise<string | null> {
    const s = state === null ? await this.store.fingerprints.state(asset.id) : state;
    if (!s) return null;
    if (s.state === "error") return `it could not be decoded: ${s.reason ?? "no reason given"}`;
    if (s.state === "skipped" && s.reason && (s.reason === FFMPEG_MISSING || /^no decoder here/.test(s.reason))) return s.reason;
    return null;
  }

  /** The GenAI fingerprints, as they are when the sweep starts. */
  async loadGenAIFingerprints(): Promise<void> {
    if (this.perceptual) this.genaiPrints = await loadGenAIFingerprints(this.store);
  }

  /** Whether any GenAI fingerprint is recorded to compare files with. */
  comparesFingerprints(): boolean {
    return this.genaiPrints !== null && this.genaiPrints.size > 0;
  }

  /** The evidence preloaded for an asset (undefined: no preload, ask the store). */
  preloaded(assetId: number): EvidenceRow[] | undefined {
    return this.evidence ? (this.evidence.get(assetId) ?? []) : undefined;
  }

  /** Drop what was preloaded for an asset whose evidence changed since (it is read again). */
  forget(assetId: number): void {
    this.evidence?.delete(assetId);
  }

  async preload(root: string): Promise<void> {
    this.evidence = group(await this.store.evidence.under(root));
    this.approvals = group(await this.store.approvals.under(root));
    this.genaiMedia = await this.store.evidence.genaiMediaHashes();
  }

  /**
   * The temporary GenAI assets this content looks like, each with which way it goes
   * (lineage.ts lookalikeDirection); none for GenAI content or a person's decision.
   */
  private async lookalikes(asset: AssetSummary, evidence: readonly Evidence[], prints: FingerprintRow[] | null, state: FingerprintedRow | undefined | null): Promise<Pick<RecordFacts, "derived" | "sourceOf" | "uncompared">> {
    const genai = this.genaiPrints;
    if (!genai || genai.size === 0 || !this.perceptual || isGenAI(asset.origin) || asset.size === 0) return {};
    if (classify(evidence).decidedBy[0]?.source === "manual") return {};
    const probes = probesOf(prints ?? (await this.store.fingerprints.of(asset.id)));
    if (probes.length === 0) return { uncompared: await this.uncompared(asset, state) };
    const near = probes.map((p) => (p.lowDetail ? [] : genai.near(p.hash, this.perceptual!.limits.possible, p.turns)));
    const found = derivations(lookalikes(probes, near, this.perceptual.limits, asset.id), (id) => genai.assets.get(id), this.perceptual.gap);
    const derived: Array<{ verdict: "match" | "possible"; what: string }> = [];
    const sourceOf: string[] = [];
    for (const d of found) {
      const them = await this.store.assets.byId(d.assetId);
      const way = await directionIn(this.store, { sha256: asset.sha256, origin: asset.origin, firstSeen: asset.first_seen, mediaHash: asset.media_hash, evidence }, d, them);
      if (way.way === "derived") derived.push({ verdict: d.verdict, what: `${await describeDerivationIn(this.store, d, asset.id)} (${way.why})` });
      else if (way.way === "source") sourceOf.push(`${way.why}; perceptual distance ${d.distance} of 64 bits`);
    }
    return { derived, sourceOf };
  }

  /** Facts of a content found unchanged (from the preload when there is one). */
  async ofUnchanged(asset: AssetSummary, startedAt: string): Promise<RecordFacts> {
    if (!this.evidence) {
      const f = await this.store.assets.facts(asset.id);
      if (f) return this.record(f.asset, evidenceOf(f), f.approvals, f.prints, startedAt, f.printState);
    }
    const own = (this.evidence?.get(asset.id) ?? []).map(toEvidence);
    const twins = asset.media_hash && this.genaiMedia?.has(asset.media_hash) ? twinEvidence(await this.store.evidence.genaiByMediaHash(asset.media_hash, asset.id, 50), own) : [];
    // The shot's evidence travels to frames whose metadata was not read (only GenAI-classified ones can have any).
    const whole = isGenAI(asset.origin) ? await this.store.assets.facts(asset.id) : undefined;
    const shot = whole ? shotEvidence(whole.shot, labelsRead(whole.asset)) : [];
    const evidence = [...own, ...twins, ...shot];
    const approvals = this.approvals?.get(asset.id) ?? [];
    return this.record(asset, evidence, approvals, null, startedAt, null);
  }

  /** A file read in this sweep: its record, and what it holds when it is a container. */
  async ofRecorded(f: AssetFactsRow, startedAt: string, file: string, type: ContentType, appended?: TrailingReport | null): Promise<RecordFacts> {
    const r = await this.record(f.asset, evidenceOf(f), f.approvals, f.prints, startedAt, f.printState);
    if (!this.reader || f.asset.size === 0) return r;
    // The content type came with the hash (the same read): no second open to sniff it.
    const report = mayContain(type) ? await inspectContainer(file, type, { store: this.store, reader: this.reader }, appended) : null;
    if (report?.temporary) r.container = { member: report.temporary.name, reason: report.temporary.reason };
    if (report && report.problems.length > 0) r.uninspectable = report.problems.slice(0, 3).join("; ");
    return r;
  }

  /** `state`: how it was fingerprinted (undefined: not at all; null: not loaded, ask the store when needed). */
  private async record(asset: AssetSummary, evidence: Evidence[], approvals: readonly ApprovalRow[], prints: FingerprintRow[] | null, startedAt: string, state: FingerprintedRow | undefined | null): Promise<RecordFacts> {
    return {
      sha256: asset.sha256,
      origin: asset.origin,
      status: asset.status,
      evidence,
      approvals: approvals.map((a) => ({ action: a.action, by: a.by, ref: a.ref, scope: a.scope, note: a.note, at: a.at, docSha256: a.doc_sha256, account: a.account, host: a.host, terms: termsOf(a.terms) })),
      today: startedAt.slice(0, 10),
      metadataError: asset.metadata_error,
      firstSeen: asset.first_seen,
      knownBefore: asset.first_seen < startedAt,
      ...(await this.lookalikes(asset, evidence, prints, state)),
      workingRoot: await this.workingRoot(asset),
    };
  }
}

/** The outcome with its facts read again (after a C2PA validation changed its evidence and class). */
async function refreshed(store: Store, records: Records, o: FileOutcome): Promise<FileOutcome> {
  if (o.kind === "recorded") {
    const facts = await store.assets.facts(o.assetId);
    return facts ? { ...o, facts, origin: facts.asset.origin, status: facts.asset.status } : o;
  }
  if (o.kind === "unchanged") {
    records.forget(o.assetId);
    const a = await store.assets.byId(o.assetId);
    return a ? { ...o, asset: { ...o.asset, origin: a.origin, status: a.status }, origin: a.origin, status: a.status } : o;
  }
  return o;
}

function group<T extends { asset_id: number }>(rows: readonly T[]): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const r of rows) {
    const list = m.get(r.asset_id);
    if (list) list.push(r);
    else m.set(r.asset_id, [r]);
  }
  return m;
}

async function factsOf(records: Records, shots: Shots, o: FileOutcome, startedAt: string): Promise<{ facts: SweepFacts; asset: AssetSummary | null }> {
  switch (o.kind) {
    case "skipped":
      return { facts: o.cause === "symlink" ? { kind: "symlink" } : { kind: "skipped", reason: o.reason }, asset: null };
    case "error":
      return { facts: { kind: "error", reason: o.reason }, asset: null };
    case "unchanged":
      return { facts: { kind: "file", record: { ...(await records.ofUnchanged(o.asset, startedAt)), ...(await shots.of(o.path)) } }, asset: o.asset };
    case "recorded":
      return { facts: { kind: "file", record: { ...(await records.ofRecorded(o.facts, startedAt, o.path, o.content, o.appended)), ...(await shots.of(o.path)) } }, asset: o.facts.asset };
  }
}

/**
 * The image sequence a frame file belongs to, by its name: one query per sequence, not per
 * frame (a reel is tens of thousands of frames). Its folder's sequences are recorded before
 * any of its files is reported (the scanner's barrier), so the first ask sees them.
 */
class Shots {
  /** Per sequence (folder and key): its report line's facts, or null when it has nothing to report. */
  private readonly cache = new Map<string, NonNullable<RecordFacts["sequence"]> | null>();
  constructor(private readonly store: Store) {}

  /** A sequence's gaps and duplicates, on its first frame only (the one row that reports them). */
  async of(p: string): Promise<Pick<RecordFacts, "sequence">> {
    const f = parseFrameName(path.basename(p));
    if (!f) return {};
    const dir = path.dirname(p);
    const key = sequenceKey(f);
    const k = `${dir}\0${key}`;
    let q = this.cache.get(k);
    if (q === undefined) {
      const s = await this.store.sequences.byKey(dir, key);
      const gaps = s ? (JSON.parse(s.gaps) as Array<{ from: number; to: number }>) : [];
      const duplicates = s ? (JSON.parse(s.duplicates) as Array<{ frame: number; names: string[] }>) : [];
      q = s && (gaps.length > 0 || duplicates.length > 0)
        ? { pattern: s.pattern, frame: s.first_frame, first: s.first_frame, range: describeRange({ first: s.first_frame, last: s.last_frame, gaps }), gaps, duplicates }
        : null;
      this.cache.set(k, q);
    }
    return q && f.frame === q.first ? { sequence: q } : {};
  }
}

const FAIL_ON_WORDS: Record<FailOn, string> = { genai: "approved GenAI", "possibly-genai": "possibly GenAI", unknown: "unknown", unreadable: "unreadable" };

function verdictOf(code: 0 | 1 | 2, c: Record<Finding, number>, t: Tally, failOn: readonly FailOn[]): string {
  if (code === 1) {
    const parts: string[] = [];
    if (c.violation > 0) parts.push(`${c.violation} violation${c.violation === 1 ? "" : "s"}`);
    for (const name of failOn) {
      const n = t[FAIL_ON_RULES[name].counted];
      if (n > 0) parts.push(`${n} ${FAIL_ON_WORDS[name]} (--fail-on ${name})`);
    }
    return `FAIL: ${parts.join(", ")}; do not deliver`;
  }
  if (code === 2) return `INCOMPLETE: ${c.error} file${c.error === 1 ? "" : "s"} could not be checked; nothing else fails (exit 2)`;
  return `PASS: no violations${t.disclosed > 0 ? `; ${t.disclosed} approved GenAI to disclose` : ""}`;
}
