// The vocabulary of a pre-delivery sweep: one row per file, a summary, and the report
// writers' interface. Field names here are the JSON report's schema: change them only
// with a new SWEEP_SCHEMA_VERSION.

import type { Origin, Status } from "./types.js";
import { JSON_DOCUMENTS } from "./json-document.js";

export const SWEEP_SCHEMA_VERSION = JSON_DOCUMENTS["prov.sweep"];

/** Most severe first: a file gets the most severe finding that applies, with every reason. */
export const FINDINGS = ["violation", "error", "warning", "disclosed", "unknown", "ok", "skipped"] as const;
export type Finding = (typeof FINDINGS)[number];

/** What `--fail-on` may name, beyond violations (which always fail). */
export const FAIL_ON = ["genai", "possibly-genai", "unknown", "unreadable"] as const;
export type FailOn = (typeof FAIL_ON)[number];

/** An approved GenAI asset: one row of the disclosure list a vendor sends to the studio. */
export interface Disclosure {
  origin: Origin;
  tool: string | null;
  model: string | null;
  approvedBy: string;
  approvalRef: string | null;
  scope: string | null;
  approvedAt: string;
  approvalDocSha256: string | null;
  /** The operating-system account and host that recorded the approval (null before prov recorded them). */
  approvedAccount: string | null;
  /** Which kinds of evidence make it GenAI: c2pa, iptc, generator, folder, manual, lineage. */
  evidence: string[];
  /** The studio rules' escalation categories the approval names (talent, key-element, third-party-ip, personal-data). */
  escalations: string[];
  /** Each performer's consent to a digital replica: who, the signed consent's reference, project, uses, last day. */
  consents: Array<{ performer: string; ref: string; project: string | null; uses: string | null; expires: string | null }>;
  /** The last day the approval holds (YYYY-MM-DD), if it ends. */
  approvalExpires: string | null;
  /** A deepfake in the EU AI Act Article 50 sense (labelling duty). */
  deepfake: boolean;
  /** Where it sits in the production, read from its path (episode `ep101`/`S01E01`, reel `reel2`/`R2`, shot `sh042`); null when the path does not say. */
  episode?: string | null;
  reel?: string | null;
  shot?: string | null;
  /**
   * With `prov sweep --timeline CUT`: every stretch of each cut that shows the file (record
   * in/out at the cut's rate, source in/out at the clip's; outs exclusive), matched by the
   * rule in src/domain/timeline/uses.ts.
   */
  timecodes?: Array<{ cut: string; track: string; events: number[]; clip: string | null; matchedBy: string; recordIn: string; recordOut: string; sourceIn: string; sourceOut: string }>;
  /** A video's own timecode, from when it was fingerprinted: first frame and the timecode after the last (null: not a video, or not fingerprinted). */
  sourceTimecode?: { in: string; out: string; rate: string } | null;
}

export interface SweepRow {
  /** Relative to the swept folder, "/"-separated. */
  path: string;
  /** Bytes; null when the file could not be read. */
  size: number | null;
  sha256: string | null;
  finding: Finding;
  /** Why, in sentences; the first is the one that decided the finding. */
  reasons: string[];
  /** What the database says of this content (null when not identified). */
  origin: Origin | null;
  status: Status | null;
  /** What the file's own metadata says now (C2PA, IPTC, generator marks), apart from tags and folder rules. */
  labels: Origin | null;
  /** The labels that decided `labels`, as "source field = value". */
  labelEvidence: string[];
  /** When prov first saw this content anywhere (before this sweep, or during it). */
  firstSeen: string | null;
  /** Whether the content was recorded before this sweep began. */
  knownBefore: boolean;
  disclosure: Disclosure | null;
  /**
   * Nothing gives it provenance: no label, tag or folder rule, and not first seen in a
   * working root (being recorded by prov is not provenance). `--fail-on unknown` catches it
   * whatever its finding (a warning may outrank "unknown").
   */
  noProvenance?: boolean;
  /** Each C2PA manifest of the file: "validated (...)", "invalid (codes)" or "not checked" (absent: none). */
  c2pa?: Array<{ label: string; status: string }>;
}

export type MhlOutcome =
  | { generation: number; file: string; chain: string; failed: string[]; missing: string[] }
  | { error: string };

export interface SweepSummary {
  schemaVersion: number;
  tool: { name: "prov"; version: string };
  /** Absolute path of the swept folder. */
  root: string;
  mode: "full" | "quick";
  startedAt: string;
  finishedAt: string;
  seconds: number;
  /** Every file in the tree, skipped ones included. */
  files: number;
  counts: Record<Finding, number>;
  /** Files in the GenAI disclosure list: approved GenAI, whatever their finding (a stripped label makes one a warning). */
  disclosures: number;
  failOn: FailOn[];
  /** 0 clean, 1 violations or a --fail-on finding, 2 some files could not be checked. */
  exitCode: 0 | 1 | 2;
  verdict: string;
  database: string;
  /** The production's title, as given with --title (null when not given). */
  title?: string | null;
  /** The history chain's head when the report was made (the sweep's own event included): `prov verify --head HASH` checks it later. */
  history?: { row: number; hash: string } | null;
  /** With --mhl: the generation written (files that no longer match or are gone since an earlier one), or why none was. */
  mhl: MhlOutcome | null;
}

/** Report writers get rows as the sweep produces them (memory stays flat), then the summary. */
export interface ReportWriter {
  row(r: SweepRow): void | Promise<void>;
  /** Write the rest and close; the report is complete only when this resolves. */
  end(summary: SweepSummary): Promise<void>;
  /** The sweep failed: remove temporary files; the destination is left untouched. */
  abort?(): Promise<void>;
}
