// Pure: what a pre-delivery sweep finds about one file. No I/O; src/app/sweep.ts gathers
// the facts from the tree and the database and writes the rows. Whether a file may be
// delivered at all is the gate's decision (gate-policy.ts decide()), asked here with the
// same facts: a violation is exactly what the gate blocks. The sweep adds what a report
// needs besides: warnings for review, read errors, disclosures.

import { classify } from "./classify.js";
import { decide, OVER_BUDGET, type GateFacts } from "./gate-policy.js";
import type { Evidence, Origin, Status } from "./types.js";
import { isGenAI, isTemporaryGenAI } from "./types.js";
import { lapsed, type ApprovalTerms } from "./approval-terms.js";
import { FINDINGS, type Disclosure, type FailOn, type Finding, type SweepRow } from "./sweep-types.js";
import { c2paWarnings, manifestStatuses, type C2paValidation } from "./c2pa-validation.js";

/** The sources that are the file's own labels (what travels inside the file). */
const LABEL_SOURCES: ReadonlySet<Evidence["source"]> = new Set(["c2pa", "iptc", "generator", "exiftool"]);

export interface Approval {
  action: "approve" | "revoke";
  by: string;
  ref: string | null;
  scope: string | null;
  note: string | null;
  at: string;
  docSha256: string | null;
  /** The operating-system account and host that recorded it. */
  account?: string | null;
  host?: string | null;
  terms?: ApprovalTerms;
}

export interface RecordFacts {
  sha256: string;
  origin: Origin;
  status: Status | null;
  /** All evidence: the file's labels, folder rules, manual tags, lineage. */
  evidence: readonly Evidence[];
  /** Newest last. */
  approvals: readonly Approval[];
  /** The day of the sweep (YYYY-MM-DD): an approval or consent that ended before it no longer holds. */
  today?: string;
  /** ExifTool could not read the file's metadata (corrupt or truncated, or over its budget: OVER_BUDGET). */
  metadataError: string | null;
  firstSeen: string;
  knownBefore: boolean;
  /** Temporary GenAI assets it is derived from (perceptual fingerprints, lineage.ts lookalikeDirection), closest first; `what` says which way and why. */
  derived?: ReadonlyArray<{ verdict: "match" | "possible"; what: string }>;
  /** GenAI edits it looks like and is the source of (it was recorded first, or is named as their C2PA ingredient): why, per edit. */
  sourceOf?: readonly string[];
  /** Why this picture could not be compared with the GenAI assets (it could not be decoded for a fingerprint); null when it was. */
  uncompared?: string | null;
  /** Where and when prov first saw this content in a working root (the watcher's ingest roots): provenance for content without labels. */
  workingRoot?: { path: string; at: string } | null;
  /** A member this file holds (archive member, data after an image's end) that is temporary GenAI. */
  container?: { member: string; reason: string } | null;
  /** What of it could not be looked inside (an encrypted member, a corrupt archive). */
  uninspectable?: string | null;
  /** The image sequence this file is a frame of (the sweep sets it on a shot's first frame when it has gaps or duplicates). */
  sequence?: { pattern: string; frame: number; first: number; range: string; gaps: ReadonlyArray<{ from: number; to: number }>; duplicates: ReadonlyArray<{ frame: number; names: readonly string[] }> };
  /** What c2pa-rs said of its C2PA manifest store (src/domain/c2pa-validation.ts); absent: not validated. */
  c2pa?: C2paValidation;
}

export type SweepFacts =
  | { kind: "symlink" }
  | { kind: "skipped"; reason: string }
  | { kind: "error"; reason: string }
  | { kind: "file"; record: RecordFacts };

export interface Judgement {
  finding: Finding;
  reasons: string[];
  /** What the file's own metadata says, apart from tags, folder rules and lineage. */
  labels: Origin | null;
  labelEvidence: string[];
  disclosure: Disclosure | null;
  /** No label, tag, rule or working-root first sight gives it provenance. */
  noProvenance: boolean;
  /** Each C2PA manifest: "validated", "invalid (codes)" or "not checked". */
  c2pa?: Array<{ label: string; status: string }>;
}

const rank = (f: Finding): number => FINDINGS.indexOf(f);

export function labelsOf(evidence: readonly Evidence[]): { origin: Origin; decidedBy: Evidence[] } {
  return classify(evidence.filter((e) => LABEL_SOURCES.has(e.source)));
}

export function judge(f: SweepFacts): Judgement {
  const none = { labels: null, labelEvidence: [], disclosure: null, noProvenance: false };
  if (f.kind === "symlink") return { finding: "violation", reasons: ["symbolic link in deliverables (links are never followed or delivered)"], ...none };
  if (f.kind === "skipped") return { finding: "skipped", reasons: [f.reason], ...none };
  if (f.kind === "error") return { finding: "error", reasons: [f.reason], ...none };

  const r = f.record;
  const labels = labelsOf(r.evidence);
  const found: Array<[Finding, string]> = [];
  const add = (finding: Finding, reason: string): void => void found.push([finding, reason]);
  const last = r.approvals.at(-1);
  const decided = classify(r.evidence).decidedBy;

  // The gate's decision on this content. A forced release is not honoured here: the gate
  // leaves that one file alone because a person said so, but a report must still show it.
  const gate = decide(gateFactsOf(r));
  if (gate.action === "block") {
    if (isTemporaryGenAI(r.origin, r.status)) {
      // Blocked for what the content is: say how it is known.
      if (last?.action === "revoke") {
        add("violation", `GenAI asset whose approval was revoked by ${last.by} on ${day(last.at)}${last.note ? ` (${last.note})` : ""}`);
      } else if (isGenAI(labels.origin)) {
        add("violation", `temporary GenAI, not approved: its own metadata says ${labels.origin} (${describe(labels.decidedBy)})`);
      } else {
        add("violation", `temporary GenAI known by content, not approved: ${describe(decided)}${r.knownBefore ? ` (recorded ${day(r.firstSeen)})` : ""}`);
      }
    } else {
      add("violation", gate.reason);
    }
  }
  if (gate.action === "block") {
    // The gate stops at its first reason; the report lists the others that also block.
    const also = [
      ...(r.container ? [`it holds temporary GenAI: ${r.container.member} (${r.container.reason})`] : []),
      ...(r.derived ?? []).filter((d) => d.verdict === "match").map((d) => `derived from ${d.what}`),
    ];
    for (const reason of also) if (!found.some(([, x]) => x === reason)) add("violation", reason);
  }
  if (r.uninspectable) add("error", `cannot look inside it: ${r.uninspectable}`);
  // Checked only for content not GenAI itself and not decided by a person (sweep.ts).
  for (const d of r.derived ?? []) {
    if (d.verdict === "possible") add("warning", `possibly derived from ${d.what}: review it, then \`prov tag\` or \`prov approve\``);
  }
  for (const why of r.sourceOf ?? []) add("ok", `perceptual look-alike, not a derivative: ${why}`);
  if (r.uncompared) add("warning", `could not be compared with the GenAI assets (perceptual fingerprint): ${r.uncompared}`);
  // A shot's gaps and duplicates are reported once, on its first frame.
  const q = r.sequence;
  if (q && q.frame === q.first && (q.gaps.length > 0 || q.duplicates.length > 0)) {
    const problems = [
      ...(q.gaps.length > 0 ? [`missing frames ${q.gaps.map((g) => (g.from === g.to ? `${g.from}` : `${g.from}-${g.to}`)).join(", ")}`] : []),
      ...q.duplicates.map((d) => `frame ${d.frame} written twice (${d.names.join(", ")})`),
    ];
    add("warning", `image sequence ${q.pattern} (frames ${q.range}): ${problems.join("; ")}`);
  }
  // Over a budget (budgets.* in the configuration) is said as such: the file may be fine, only too costly to read.
  if (r.metadataError) add("error", r.metadataError.startsWith(OVER_BUDGET) ? `metadata not read: ${r.metadataError}` : `metadata unreadable (corrupt or truncated?): ${r.metadataError}`);
  if (isGenAI(r.origin) && r.status === "approved" && last?.action === "approve") {
    add("disclosed", `approved GenAI (${r.origin}) by ${last.by}, ref ${last.ref ?? "none"}${last.scope ? `, scope: ${last.scope}` : ""}, ${day(last.at)}`);
    // The studio rules: an approval, or a performer's consent, that has ended no longer covers the delivery.
    const ended = r.today && last.terms ? lapsed(last.terms, r.today) : [];
    if (ended.length > 0) add("violation", `approved GenAI whose approval no longer holds: ${ended.join("; ")} (ref ${last.ref ?? "none"}): renew it with \`prov approve\`, or take it out of the delivery`);
  }
  // A file's own C2PA claim and its media-data twin's GenAI claim disagree (lineage.ts twinEvidence): both are shown.
  const conflicts = r.evidence.filter((e) => e.source === "lineage" && e.detail?.["conflict"] === true);
  for (const c of conflicts) add("warning", `claims disagree: ${c.value}: review it, then \`prov tag\` or \`prov approve\``);
  if (r.origin === "possibly-genai" && !decided.every((e) => e.detail?.["conflict"] === true)) add("warning", `possibly GenAI: review it, then \`prov tag\` or \`prov approve\` (${describe(decided)})`);

  // Metadata that disagrees with the record.
  // Same picture under other bytes; a frame of a GenAI shot never had labels to lose.
  const lineage = r.evidence.filter((e) => e.source === "lineage" && isGenAI(e.signal) && e.detail?.["sequence"] === undefined);
  if (isGenAI(r.origin) && !isGenAI(labels.origin) && lineage.length > 0) {
    add("warning", `provenance lost: its labels are gone, but the same picture or sound is recorded as GenAI (${describe(lineage)})`);
  }
  const manual = decided[0]?.source === "manual" ? decided[0] : undefined;
  if (manual && !isGenAI(manual.signal) && isGenAI(labels.origin)) {
    add("warning", `its metadata says ${labels.origin} (${describe(labels.decidedBy)}) but it was tagged not-GenAI${by(manual)}`);
  }
  for (const w of c2paWarnings(r.c2pa)) add("warning", w);
  const remote = r.evidence.find((e) => e.source === "c2pa" && e.field === "XMP-dcterms:Provenance");
  // A remote manifest the user saved beside the file (src/app/sidecars.ts) is validated: it was checked.
  if (remote && r.c2pa?.outcome !== "validated") add("warning", `C2PA manifest is present only remotely, not checked: ${remote.value.replace(/^remote manifest, not checked: /, "")}`);

  if (found.some(([, reason]) => /^(possibly )?derived from /.test(reason))) {
    // Its look-alike speaks for it; "no provenance" beside "derived from GenAI" misleads.
  } else if (r.origin === "unknown") {
    add(...unknownProvenance(r));
  } else if (r.origin === "not-genai") {
    add("ok", `not GenAI (${describe(decided)})`);
  } else if (found.length === 0) {
    add("ok", "nothing marks it GenAI");
  }

  found.sort((a, b) => rank(a[0]) - rank(b[0]));
  return {
    finding: found[0]![0],
    reasons: found.map(([, reason]) => reason),
    labels: labels.origin,
    labelEvidence: labels.decidedBy.map(short),
    disclosure: isGenAI(r.origin) && r.status === "approved" && last?.action === "approve" ? disclosureOf(r, last) : null,
    noProvenance: r.origin === "unknown" && !r.workingRoot && (r.derived ?? []).length === 0,
    ...c2paLines(r),
  };
}

/** Each C2PA manifest's status, present only when the file has a manifest store. */
function c2paLines(r: RecordFacts): Pick<Judgement, "c2pa"> {
  const lines = manifestStatuses(r.c2pa, r.evidence);
  return lines.length > 0 ? { c2pa: lines } : {};
}

/**
 * Content with no GenAI signal and no label, tag or rule of its own. Being recorded by prov
 * is not provenance (a first sweep records what it sweeps, so the second would pass it):
 * only first sight in a working root (where the production makes and ingests its material)
 * is. `ok` also comes from a not-GenAI label or a person's tag, which are not "unknown".
 */
export function unknownProvenance(r: Pick<RecordFacts, "knownBefore" | "firstSeen" | "workingRoot">): [Finding, string] {
  if (r.workingRoot) return ["ok", `no GenAI signal; first seen in working root ${r.workingRoot.path} on ${day(r.workingRoot.at)}`];
  if (r.knownBefore) return ["unknown", `no provenance: no labels, no tag, and not first seen in a working root (recorded by prov since ${day(r.firstSeen)}, which is not provenance)`];
  return ["unknown", "no provenance record and no labels"];
}

/** The gate's facts for recorded content, as the sweep sees it: a complete, readable file at rest. */
export function gateFactsOf(r: RecordFacts): GateFacts {
  const match = r.derived?.find((d) => d.verdict === "match") ?? r.derived?.[0] ?? null;
  return {
    entry: "file",
    empty: false,
    known: { origin: r.origin, status: r.status, sha256: r.sha256, via: "content" },
    own: null,
    readError: r.metadataError,
    stable: true,
    forcedRelease: false,
    unknownPolicy: "allow",
    derived: match,
    container: r.container ?? null,
    uninspectable: r.uninspectable ?? null,
  };
}

/**
 * Tool and model as a person tagged them; else as the file's labels name them (IPTC
 * AISystemUsed / AISystemVersionUsed, the generator a mark identifies, a C2PA claim
 * generator or software agent).
 */
function disclosureOf(r: RecordFacts, approval: Approval): Disclosure {
  const manual = [...r.evidence].reverse().find((e) => e.source === "manual" && e.signal !== "not-genai");
  const d = (manual?.detail ?? {}) as Record<string, unknown>;
  const field = (name: string): string | null => r.evidence.find((e) => e.field.endsWith(name))?.value ?? null;
  const marked = r.evidence.find((e) => e.source === "generator" && typeof e.detail?.["generator"] === "string")?.detail?.["generator"] as string | undefined;
  const named = r.evidence.find((e) => e.source === "c2pa" && isGenAI(e.signal) && /claim generator|softwareAgent/.test(e.field))?.value;
  return {
    origin: r.origin,
    tool: (typeof d["tool"] === "string" ? d["tool"] : null) ?? field("XMP-iptcExt:AISystemUsed") ?? marked ?? named ?? null,
    model: (typeof d["model"] === "string" ? d["model"] : null) ?? field("XMP-iptcExt:AISystemVersionUsed"),
    approvedBy: approval.by,
    approvalRef: approval.ref,
    scope: approval.scope,
    approvedAt: approval.at,
    approvalDocSha256: approval.docSha256,
    approvedAccount: approval.account ? `${approval.account}@${approval.host ?? "?"}` : null,
    evidence: [...new Set(classify(r.evidence).decidedBy.map((e) => e.source))],
    escalations: approval.terms?.escalations ?? [],
    consents: approval.terms?.consents ?? [],
    approvalExpires: approval.terms?.expires ?? null,
    deepfake: approval.terms?.deepfake ?? false,
  };
}

/**
 * Where a delivered file sits in the production, from the names on its path as post names
 * them: episode (`ep101`, `E01`, `S01E03`), reel (`reel2`, `R2`), shot (`sh042`, `shot_042`).
 * The last match on the path wins (a shot folder inside an episode folder); null when none.
 */
export function placeOf(relPath: string): { episode: string | null; reel: string | null; shot: string | null } {
  let episode: string | null = null;
  let reel: string | null = null;
  let shot: string | null = null;
  for (const part of relPath.split("/")) {
    const stem = part.replace(/\.[^.]*$/, "");
    for (const word of stem.split(/[^A-Za-z0-9]+/)) {
      const se = /^s(\d{1,2})e(\d{1,3})$/i.exec(word);
      if (se) {
        episode = `S${se[1]!.padStart(2, "0")}E${se[2]!.padStart(2, "0")}`;
        continue;
      }
      // "ep101sh042": each name starts where digits end.
      for (const token of word.split(/(?<=\d)(?=[A-Za-z])/)) {
        const t = token.toLowerCase();
        let m: RegExpExecArray | null;
        if ((m = /^(?:ep|e|episode)(\d{1,4})$/.exec(t))) episode = m[1]!;
        else if ((m = /^(?:reel|r)(\d{1,3})$/.exec(t))) reel = m[1]!;
        else if ((m = /^(?:sh|shot)(\d{1,5})$/.exec(t))) shot = m[1]!;
      }
    }
    const sh = /(?:^|[^a-z])(?:sh|shot)[_-](\d{1,5})(?![0-9])/i.exec(stem);
    if (sh) shot = sh[1]!;
  }
  return { episode, reel, shot };
}

/** What the exit code depends on, counted over the whole sweep. */
export interface Tally {
  violation: number;
  error: number;
  unknown: number;
  /** Files whose origin is possibly-genai (a warning), whatever their finding. */
  possiblyGenai: number;
  /** Approved GenAI files (disclosed). */
  disclosed: number;
}

type RowFacts = Pick<SweepRow, "finding" | "origin" | "disclosure" | "noProvenance">;

/** What each --fail-on name catches in one file's row, and where the sweep counts it. */
export const FAIL_ON_RULES: Record<FailOn, { catches: (r: RowFacts) => boolean; counted: keyof Tally }> = {
  genai: { catches: (r) => r.disclosure !== null, counted: "disclosed" },
  "possibly-genai": { catches: (r) => r.origin === "possibly-genai", counted: "possiblyGenai" },
  unknown: { catches: (r) => r.finding === "unknown" || r.noProvenance === true, counted: "unknown" },
  unreadable: { catches: (r) => r.finding === "error", counted: "error" },
};

/** Count one file's row. */
export function addToTally(t: Tally, r: RowFacts): void {
  if (r.finding === "violation") t.violation++;
  for (const rule of Object.values(FAIL_ON_RULES)) if (rule.catches(r)) t[rule.counted]++;
}

/** Whether this file fails the sweep: a violation, or caught by a --fail-on name (JUnit marks it failed). */
export function fails(r: RowFacts, failOn: readonly FailOn[]): boolean {
  return r.finding === "violation" || failOn.some((n) => FAIL_ON_RULES[n].catches(r));
}

/**
 * The exit code a pipeline gates on: 1 for violations and for what --fail-on names;
 * otherwise 2 when some file could not be checked (the sweep is incomplete, so it is not
 * clean); 0 only when every file was checked and nothing fails.
 */
export function exitCodeFor(t: Readonly<Tally>, failOn: readonly FailOn[]): 0 | 1 | 2 {
  if (t.violation > 0 || failOn.some((n) => t[FAIL_ON_RULES[n].counted] > 0)) return 1;
  if (t.error > 0) return 2;
  return 0;
}

function describe(evidence: readonly Evidence[]): string {
  const first = evidence[0];
  if (!first) return "no details";
  const more = evidence.length > 1 ? `, +${evidence.length - 1} more` : "";
  return short(first) + more;
}

function short(e: Evidence): string {
  const value = e.value.length > 100 ? e.value.slice(0, 100) + "…" : e.value;
  return `${e.source}: ${e.field} = ${value}${e.source === "manual" ? by(e) : ""}`;
}

function by(e: Evidence): string {
  const who = e.detail?.["by"];
  return typeof who === "string" ? ` by ${who}` : "";
}

function day(iso: string): string {
  return iso.slice(0, 10);
}
