// Load an editorial timeline: CMX 3600 EDL or OpenTimelineIO JSON, by extension, else by
// sniffing (JSON starting with "{" is OTIO). The EDL frame rate comes from the caller (the
// CLI's --fps, default 24); an OTIO carries its own and uses the caller's only for
// drop-frame display when the fps matches.

import { readFile } from "node:fs/promises";
import { extname } from "node:path";
import { describeFsError, errnoCode, UsageError } from "../errors.js";
import { parseRate, type FrameRate } from "../timecode/timecode.js";
import { parseEdl } from "./edl.js";
import { parseOtio } from "./otio.js";
import type { Timeline } from "./types.js";

export type { Timeline, TimelineEvent, TrackInfo, TrackKind, Transition, TransitionSide } from "./types.js";
export { parseEdl } from "./edl.js";
export { parseOtio } from "./otio.js";
export { resolveAt, type Hit, type Resolution, type ResolvedTransition } from "./resolve.js";

// Cuts are a few MB at most; anything far bigger is not one, and is not read into memory.
const MAX_BYTES = 64 * 1024 * 1024;

export async function loadTimeline(path: string, rate?: FrameRate): Promise<Timeline> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new UsageError(`cannot read ${path}: ${errnoCode(err) === "ENOENT" ? "no such file" : describeFsError(err)}`, { cause: err });
  }
  if (data.length > MAX_BYTES) throw new UsageError(`${path}: ${data.length} bytes is too big for an EDL or OTIO timeline`);
  return parseTimeline(data.toString("utf8"), path, rate);
}

/** Parse text already read; `file` names it in messages and picks the format by extension. */
export function parseTimeline(text: string, file: string, rate?: FrameRate): Timeline {
  const ext = extname(file).toLowerCase();
  const body = text.replace(/^\uFEFF/, "");
  const otio = ext === ".otio" || (ext !== ".edl" && body.trimStart().startsWith("{"));
  return otio ? parseOtio(body, file, rate) : parseEdl(body, file, rate ?? parseRate("24"));
}
