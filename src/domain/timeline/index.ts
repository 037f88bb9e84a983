// Parse an editorial timeline: CMX 3600 EDL or OpenTimelineIO JSON, by extension, else by
// sniffing (JSON starting with "{" is OTIO). Pure: src/app/timeline.ts reads the file. The
// EDL frame rate comes from the caller (the CLI's --fps, default 24); an OTIO carries its
// own and uses the caller's only for drop-frame display when the fps matches.

import { extname } from "node:path";
import { parseRate, type FrameRate } from "../timecode.js";
import { parseEdl } from "./edl.js";
import { parseOtio } from "./otio.js";
import type { Timeline } from "./types.js";

export type { Timeline, TimelineEvent, TrackInfo, TrackKind, Transition, TransitionSide } from "./types.js";
export { parseEdl } from "./edl.js";
export { parseOtio } from "./otio.js";
export { resolveAt, type Hit, type Resolution, type ResolvedTransition } from "./resolve.js";

/** Parse text already read; `file` names it in messages and picks the format by extension. */
export function parseTimeline(text: string, file: string, rate?: FrameRate): Timeline {
  const ext = extname(file).toLowerCase();
  const body = text.replace(/^\uFEFF/, "");
  const otio = ext === ".otio" || (ext !== ".edl" && body.trimStart().startsWith("{"));
  return otio ? parseOtio(body, file, rate) : parseEdl(body, file, rate ?? parseRate("24"));
}
