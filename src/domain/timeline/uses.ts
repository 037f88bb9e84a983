// Where a delivered file is used in a cut: the record and source timecode ranges of every
// event whose clip is that file, for the disclosure list (`prov sweep --timeline CUT`).
// Pure: the caller reads the cut (src/app/timeline.ts) and names the file.
//
// The matching rule, in order (names compared without regard to case):
//   1. source file (EDL "* SOURCE FILE:", OTIO media reference target_url): its path,
//      resolved against the cut's folder, is the delivered file, or its file name is the
//      delivered file's name. An event that names a source file is matched by it alone
//      (a clip named "A001.mov" over /media/A001_v2.mov is not A001.mov);
//   2. without a source file: clip name (EDL "* FROM CLIP NAME:" / "* TO CLIP NAME:", OTIO clip name): the delivered
//      file's name, or that name without its extension;
//   3. without a source file: reel (EDL source reel, OTIO metadata.cmx_3600.reel): the delivered file's name
//      without its extension (AX and BL are never a file).
// A file of the same name in two folders of a delivery matches the same events: a cut names
// media by name, not by the delivery's folders.

import path from "node:path";
import { floorTolerant, formatTimecode, rescaleFrames, sameRate, type FrameRate } from "../timecode.js";
import type { Timeline } from "./types.js";

export type MatchedBy = "source file" | "clip name" | "reel";

/** One stretch of the cut showing the file: record range at the cut's rate, source range at the clip's; outs exclusive. */
export interface CutUse {
  /** The cut as named on the command line. */
  cut: string;
  track: string;
  /** The event numbers (EDL) or clip indexes (OTIO) of the stretch: more than one when a clip runs on under a transition. */
  events: number[];
  clip: string | null;
  matchedBy: MatchedBy;
  recordIn: string;
  recordOut: string;
  sourceIn: string;
  sourceOut: string;
}

/** The delivered file: its absolute path (the cut's relative source paths are resolved against `cutDir`). */
export interface UsedFile {
  abs: string;
}

interface Clipish {
  name: string | null;
  reel: string | null;
  sourceFile: string | null;
}

/** Why an event's clip is this file, or null when it is not (the rule above). */
export function matchClip(clip: Clipish, file: UsedFile, cutDir: string): MatchedBy | null {
  const name = path.basename(file.abs).toLowerCase();
  const stem = path.parse(file.abs).name.toLowerCase();
  if (clip.sourceFile) {
    const src = clip.sourceFile;
    if (path.resolve(cutDir, src) === path.resolve(file.abs)) return "source file";
    // A cut made elsewhere may write Windows paths.
    if ((src.split(/[\\/]/).pop() ?? "").toLowerCase() === name) return "source file";
    // The cut names its media: another file, whatever the clip or reel is called.
    return null;
  }
  if (clip.name) {
    const n = clip.name.trim().toLowerCase();
    if (n === name || n === stem) return "clip name";
  }
  if (clip.reel) {
    const r = clip.reel.trim().toLowerCase();
    if (r !== "ax" && r !== "bl" && r === stem) return "reel";
  }
  return null;
}

interface Span {
  track: string;
  events: number[];
  clip: string | null;
  matchedBy: MatchedBy;
  recordIn: number;
  recordOut: number;
  sourceIn: number;
  sourceOut: number;
  sourceRate: FrameRate;
  speed: boolean;
}

/** Every stretch of the cut that shows the file, in record order by track; stretches that continue each other are one. */
export function usesOf(tl: Timeline, file: UsedFile, cutDir: string): CutUse[] {
  const spans: Span[] = [];
  for (const ev of tl.events) {
    if (ev.black) continue;
    const how = matchClip(ev, file, cutDir);
    const t = ev.transition;
    if (how) {
      // In OTIO a transition can start before the clip's record in: the incoming clip shows from there.
      const start = t && t.from && t.recordIn < ev.recordIn ? t.recordIn : ev.recordIn;
      const lead = ev.recordIn - start;
      let sourceIn: number;
      let sourceOut: number;
      if (ev.speed) {
        sourceIn = ev.speed.entry;
        sourceOut = ev.speed.entry + floorTolerant(rescaleFrames(ev.recordOut - ev.recordIn, tl.rate, ev.sourceRate) * ev.speed.factor);
      } else {
        sourceIn = ev.sourceIn - rescaleFrames(lead, tl.rate, ev.sourceRate);
        sourceOut = ev.sourceOut;
      }
      if (ev.recordOut > start) spans.push({ track: ev.track, events: [ev.index], clip: ev.name, matchedBy: how, recordIn: start, recordOut: ev.recordOut, sourceIn: Math.max(0, sourceIn), sourceOut, sourceRate: ev.sourceRate, speed: !!ev.speed });
    }
    // The outgoing clip of a transition runs on under the effect.
    const f = t?.from;
    if (t && f) {
      const fromHow = matchClip(f, file, cutDir);
      if (fromHow && t.recordOut > t.recordIn) {
        const sourceIn = f.sourceIn + rescaleFrames(t.recordIn - f.recordIn, tl.rate, f.sourceRate);
        const sourceOut = f.sourceIn + rescaleFrames(t.recordOut - f.recordIn, tl.rate, f.sourceRate);
        spans.push({ track: ev.track, events: [f.index], clip: f.name, matchedBy: fromHow, recordIn: t.recordIn, recordOut: t.recordOut, sourceIn: Math.max(0, sourceIn), sourceOut, sourceRate: f.sourceRate, speed: false });
      }
    }
  }
  spans.sort((a, b) => (a.track === b.track ? a.recordIn - b.recordIn || a.recordOut - b.recordOut : tl.tracks.findIndex((x) => x.name === a.track) - tl.tracks.findIndex((x) => x.name === b.track)));
  const merged: Span[] = [];
  for (const s of spans) {
    const prev = merged[merged.length - 1];
    if (prev && continues(prev, s, tl.rate)) {
      if (s.recordOut > prev.recordOut) {
        prev.recordOut = s.recordOut;
        prev.sourceOut = Math.max(prev.sourceOut, s.sourceOut);
      }
      for (const e of s.events) if (!prev.events.includes(e)) prev.events.push(e);
      continue;
    }
    merged.push({ ...s, events: [...s.events] });
  }
  return merged.map((s) => {
    // Sound counted in samples (an OTIO audio clip at 48000) is shown at the cut's rate.
    const samples = s.sourceRate.num / s.sourceRate.den > 120;
    const src = (n: number): string => (samples ? formatTimecode(Math.max(0, rescaleFrames(n, s.sourceRate, tl.rate)), tl.rate) : formatTimecode(Math.max(0, n), s.sourceRate));
    return {
      cut: tl.file,
      track: s.track,
      events: s.events,
      clip: s.clip,
      matchedBy: s.matchedBy,
      recordIn: formatTimecode(s.recordIn, tl.rate),
      recordOut: formatTimecode(s.recordOut, tl.rate),
      sourceIn: src(s.sourceIn),
      sourceOut: src(s.sourceOut),
    };
  });
}

/** `b` carries on from `a`: same track, touching or overlapping in the record, the same source frames at the same place. */
function continues(a: Span, b: Span, rate: FrameRate): boolean {
  if (a.track !== b.track || a.speed || b.speed || !sameRate(a.sourceRate, b.sourceRate)) return false;
  if (b.recordIn > a.recordOut) return false;
  return b.sourceIn === a.sourceIn + rescaleFrames(b.recordIn - a.recordIn, rate, a.sourceRate);
}

/** A video's own timecode: its start (00:00:00:00 when it has none) and the timecode after its last frame. */
export function ownTimecode(start: number, frames: number, rate: FrameRate): { in: string; out: string; rate: string } {
  return { in: formatTimecode(start, rate), out: formatTimecode(start + frames, rate), rate: rate.label };
}
