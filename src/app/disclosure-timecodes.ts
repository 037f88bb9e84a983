// Where each disclosed file sits in the cuts given with `prov sweep --timeline CUT`, and a
// video's own timecode (recorded when it was fingerprinted). The cuts are read and parsed
// before the sweep starts, so a bad cut is a usage error naming it; the matching rule is
// src/domain/timeline/uses.ts.

import path from "node:path";
import type { Store } from "../ports.js";
import type { Disclosure } from "../domain/sweep-types.js";
import { clockOf } from "../domain/likeness.js";
import { parseRate } from "../domain/timecode.js";
import type { Timeline } from "../domain/timeline/index.js";
import { ownTimecode, usesOf } from "../domain/timeline/uses.js";
import { loadTimeline } from "./timeline.js";

export interface LoadedCut {
  tl: Timeline;
  /** The cut's folder: relative source paths in it are resolved from there. */
  dir: string;
}

/** Read and parse every cut; the first that cannot be read or parsed throws an InputError naming it. */
export async function loadCuts(files: readonly string[], fps?: string): Promise<LoadedCut[]> {
  const rate = parseRate(fps ?? "24");
  const cuts: LoadedCut[] = [];
  for (const f of files) cuts.push({ tl: await loadTimeline(f, rate), dir: path.dirname(path.resolve(f)) });
  return cuts;
}

/** The disclosure's timecode fields for a file: its uses in the cuts, and a video's own start and end. */
export function disclosureTimecodes(store: Store, cuts: readonly LoadedCut[]): (abs: string, assetId: number | undefined) => Promise<Pick<Disclosure, "timecodes" | "sourceTimecode">> {
  return async (abs, assetId) => {
    const timecodes = cuts.flatMap((c) => usesOf(c.tl, { abs }, c.dir));
    let sourceTimecode: Disclosure["sourceTimecode"] = null;
    const row = assetId === undefined ? undefined : await store.fingerprints.state(assetId);
    const clock = clockOf(row);
    if (row && clock && row.duration !== null) {
      const frames = Math.max(0, Math.round((row.duration * clock.rate.num) / clock.rate.den));
      sourceTimecode = ownTimecode(clock.start, frames, clock.rate);
    }
    return { timecodes, sourceTimecode };
  };
}
