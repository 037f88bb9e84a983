// A cut's whole timeline with the provenance of every event (`prov frame --timeline CUT`
// without --at; the desk's cut view): each event's record and source range, the media
// it shows (found as `prov frame` finds it, only under the roots), and what prov knows
// of that media: origin, status, the last approval, the GenAI files it looks derived from.
// Flagged events first: temporary GenAI, derived from temporary GenAI, possibly GenAI,
// media not recorded, not found, or outside the roots. Reads only.

import path from "node:path";
import { hashFile } from "../adapters/fs/hash.js";
import { InputError } from "../domain/errors.js";
import { formatTimecode, parseRate } from "../domain/timecode.js";
import type { TimelineEvent } from "../domain/timeline/index.js";
import { isGenAI, isTemporaryGenAI, type Origin, type Status } from "../domain/types.js";
import { describeFsError } from "../errors.js";
import { findSource, type FrameDeps } from "./frame.js";
import { evidenceOf } from "../domain/lineage.js";
import { genaiLookalikes } from "./queries.js";
import { fingerprintPath, lookalikesIn, sniffPicture } from "./perceptual.js";
import { loadTimeline } from "./timeline.js";

/** Why an event is listed first; none: nothing to look at. */
export type EventFlag = "temporary-genai" | "derived-from-genai" | "possibly-genai" | "approved-genai" | "not-recorded" | "not-found" | "outside-roots" | "unreadable";

/** Flags in the order a supervisor acts on them (lower first). */
const FLAG_RANK: Record<EventFlag, number> = {
  "temporary-genai": 0,
  "derived-from-genai": 1,
  "outside-roots": 2,
  "possibly-genai": 3,
  "unreadable": 4,
  "not-found": 5,
  "not-recorded": 6,
  "approved-genai": 7,
};

export interface TimelineEventReport {
  track: string;
  trackKind: "video" | "audio";
  event: number;
  clip: string | null;
  reel: string | null;
  sourceFile: string | null;
  recordIn: string;
  recordOut: string;
  sourceIn: string;
  sourceOut: string;
  media: { path: string | null; how: string; tried: string[] };
  sha256: string | null;
  origin: Origin | null;
  status: Status | null;
  lastApproval: { action: string; by: string; ref: string | null; at: string } | null;
  derivedFrom: Array<{ sha256: string; origin: Origin; status: Status | null; distance: number; way: string }>;
  flags: EventFlag[];
  /** In words, for the text report. */
  note: string;
}

/** `prov frame --timeline CUT --format json` prints it as the document "prov.frame.timeline" (src/domain/json-document.ts). */
export interface TimelineReport {
  cut: string;
  title: string | null;
  rate: string;
  events: TimelineEventReport[];
  summary: { events: number; flagged: number; byFlag: Partial<Record<EventFlag, number>> };
}

const noteOf = (e: Omit<TimelineEventReport, "note">): string => {
  if (e.flags.includes("outside-roots")) return "the media this event names is outside the roots: not opened";
  if (e.flags.includes("not-found")) return "media not found";
  if (e.flags.includes("unreadable")) return `media unreadable: ${e.media.how}`;
  const parts: string[] = [];
  if (e.origin) parts.push(`${e.origin}${e.status ? ` (${e.status})` : ""}`);
  else parts.push("not recorded (run prov scan on it)");
  if (e.lastApproval) parts.push(`${e.lastApproval.action}d by ${e.lastApproval.by}${e.lastApproval.ref ? `, ${e.lastApproval.ref}` : ""}`);
  for (const g of e.derivedFrom.slice(0, 2)) parts.push(`${g.way === "source" ? "source of" : "looks derived from"} ${g.origin}${g.status ? ` (${g.status})` : ""} ${g.sha256.slice(0, 12)}, distance ${g.distance}`);
  return parts.join("; ");
};

/** Every event of the cut with its media's provenance, flagged events first. */
export async function timelineReport(d: FrameDeps, cut: string, opts: { fps?: string; mediaRoot?: string; track?: string }): Promise<TimelineReport> {
  const tl = await loadTimeline(cut, parseRate(opts.fps ?? "24"));
  const events = tl.events.filter((e) => !e.black && (opts.track === undefined || e.track === opts.track));
  if (opts.track !== undefined && events.length === 0) throw new InputError(`${cut} has no events on track ${opts.track} (tracks: ${tl.tracks.map((t) => t.name).join(", ")})`);
  // One look per media file: a cut uses the same clip many times.
  const media = new Map<string, Promise<Pick<TimelineEventReport, "sha256" | "origin" | "status" | "lastApproval" | "derivedFrom"> & { error: string | null }>>();
  const look = (p: string) => {
    let m = media.get(p);
    if (!m) {
      m = lookAt(d, p);
      media.set(p, m);
    }
    return m;
  };
  const out: TimelineEventReport[] = [];
  for (const e of events) {
    const found = await findSource(d, e, cut, opts.mediaRoot);
    const seen = found.path ? await look(found.path) : null;
    const flags: EventFlag[] = [];
    if (found.how === "outside the roots") flags.push("outside-roots");
    else if (!found.path) flags.push("not-found");
    else if (seen?.error) flags.push("unreadable");
    else if (seen && seen.origin === null) flags.push("not-recorded");
    if (seen?.origin) {
      if (isTemporaryGenAI(seen.origin, seen.status)) flags.push("temporary-genai");
      else if (isGenAI(seen.origin)) flags.push(seen.origin === "possibly-genai" ? "possibly-genai" : "approved-genai");
    }
    if (seen && seen.derivedFrom.some((g) => g.way !== "source" && isTemporaryGenAI(g.origin, g.status))) flags.push("derived-from-genai");
    const r: Omit<TimelineEventReport, "note"> = {
      track: e.track,
      trackKind: e.trackKind,
      event: e.index,
      clip: e.name,
      reel: e.reel,
      sourceFile: e.sourceFile,
      recordIn: formatTimecode(e.recordIn, tl.rate),
      recordOut: formatTimecode(e.recordOut, tl.rate),
      sourceIn: formatTimecode(e.sourceIn, e.sourceRate),
      sourceOut: formatTimecode(e.sourceOut, e.sourceRate),
      media: seen?.error ? { ...found, how: seen.error } : found,
      sha256: seen?.sha256 ?? null,
      origin: seen?.origin ?? null,
      status: seen?.status ?? null,
      lastApproval: seen?.lastApproval ?? null,
      derivedFrom: seen?.derivedFrom ?? [],
      flags: flags.sort((a, b) => FLAG_RANK[a] - FLAG_RANK[b]),
    };
    out.push({ ...r, note: noteOf(r) });
  }
  const rank = (e: TimelineEventReport): number => (e.flags.length === 0 ? 99 : FLAG_RANK[e.flags[0]!]);
  const order = (e: TimelineEvent | TimelineEventReport): string => e.track;
  out.sort((a, b) => rank(a) - rank(b) || order(a).localeCompare(order(b)) || a.recordIn.localeCompare(b.recordIn) || a.event - b.event);
  const byFlag: Partial<Record<EventFlag, number>> = {};
  for (const e of out) for (const f of e.flags) byFlag[f] = (byFlag[f] ?? 0) + 1;
  const flagged = out.filter((e) => e.flags.some((f) => f !== "approved-genai")).length;
  return { cut: path.resolve(cut), title: tl.title, rate: tl.rate.label, events: out, summary: { events: out.length, flagged, byFlag } };
}

async function lookAt(d: FrameDeps, p: string) {
  const { store } = d;
  let sha256: string;
  try {
    sha256 = (await hashFile(p)).sha256;
  } catch (err) {
    return { sha256: null, origin: null, status: null, lastApproval: null, derivedFrom: [], error: describeFsError(err) };
  }
  const asset = await store.assets.bySha(sha256);
  if (!asset) return { sha256, origin: null, status: null, lastApproval: null, derivedFrom: await unrecordedStill(d, p), error: null };
  const facts = await store.assets.facts(asset.id);
  const last = facts?.approvals.at(-1) ?? null;
  const derivedFrom = facts ? (await genaiLookalikes(store, facts, evidenceOf(facts), d.matching)).map((g) => ({ sha256: g.sha256, origin: g.origin, status: g.status, distance: g.distance, way: g.way })) : [];
  return {
    sha256,
    origin: asset.origin,
    status: asset.status,
    lastApproval: last ? { action: last.action, by: last.by, ref: last.ref, at: last.at } : null,
    derivedFrom,
    error: null,
  };
}

/**
 * The GenAI assets a still that was never recorded looks like: it is fingerprinted here,
 * as `prov frame FILE` does (a video is not: reading its frames takes ffmpeg and time; scan
 * it to know). Content prov never saw is newer than what it recorded, so a look-alike of a
 * GenAI asset is derived from it.
 */
async function unrecordedStill(d: FrameDeps, p: string): Promise<TimelineEventReport["derivedFrom"]> {
  const picture = await sniffPicture(p);
  if (picture?.kind !== "image") return [];
  const made = await fingerprintPath(p, { video: false, everySeconds: 1 }, d.clock.iso(), picture).catch(() => null);
  if (!made || made.info.state !== "done") return [];
  const probes = made.frames.map((f) => ({ seconds: null, hash: f.hash, lowDetail: f.lowDetail, turns: f.turns ?? null }));
  const out: TimelineEventReport["derivedFrom"] = [];
  for (const m of await lookalikesIn(d.store, probes, d.matching.limits)) {
    const them = await d.store.assets.byId(m.assetId);
    if (them && isGenAI(them.origin)) out.push({ sha256: them.sha256, origin: them.origin, status: them.status, distance: m.distance, way: "derived" });
  }
  return out;
}
