// The editorial timeline model shared by the EDL and OTIO parsers and by resolve.
// All positions are whole frames: record frames at the timeline rate counted from
// 00:00:00:00 (so an edit starting at 01:00:00:00 at 24 fps starts at frame 86400), source
// frames at the event's source rate. Every "out" is exclusive.

import type { FrameRate } from "../timecode.js";

export type TrackKind = "video" | "audio";

export interface TrackInfo {
  /** "V1", "A2", or the OTIO track's own name. */
  name: string;
  kind: TrackKind;
}

/** The other side of a transition: the outgoing clip. */
export interface TransitionSide {
  index: number;
  name: string | null;
  reel: string | null;
  sourceFile: string | null;
  sourceRate: FrameRate;
  /** The outgoing clip shows source frame `sourceIn` at record frame `recordIn`, and runs on from there. */
  recordIn: number;
  sourceIn: number;
}

export interface Transition {
  kind: "dissolve" | "wipe" | "key" | "other";
  /** As written: EDL edit type ("D", "W001", "K") or OTIO transition_type ("SMPTE_Dissolve"). */
  code: string;
  /** Record frames where the effect runs, out exclusive. In OTIO this can start before the event's recordIn. */
  recordIn: number;
  recordOut: number;
  /**
   * The outgoing clip, which keeps playing under the effect. null when the other side is
   * black or empty: a fade up from black, or (OTIO, transition before a gap or at the end of
   * a track) a fade out, in which case the transition belongs to the clip fading out.
   */
  from: TransitionSide | null;
}

export interface TimelineEvent {
  track: string;
  trackKind: TrackKind;
  /** EDL event number; OTIO 1-based index of the clip among the clips of its track (gaps and transitions not counted). */
  index: number;
  /** EDL "* FROM CLIP NAME:" (or "* TO CLIP NAME:" for the incoming clip of a transition); OTIO clip name. */
  name: string | null;
  /** EDL reel/tape; OTIO metadata.cmx_3600.reel. */
  reel: string | null;
  /** EDL "* SOURCE FILE:"; OTIO media reference target_url (file:// URLs as a path). */
  sourceFile: string | null;
  recordIn: number;
  recordOut: number;
  sourceIn: number;
  sourceOut: number;
  sourceRate: FrameRate;
  /** Set when this event is the incoming side of a transition (or fades out, see Transition.from). */
  transition?: Transition;
  /**
   * Motion effect (EDL M2, OTIO LinearTimeWarp/FreezeFrame): the source frame at record frame
   * recordIn + k is entry + floor(k * factor); factor 0 is a freeze, negative is reverse.
   */
  speed?: { factor: number; entry: number };
  /** EDL reel BL: black filler, never answers. */
  black?: boolean;
  /** EDL: the line of the event (the incoming line for a transition). */
  line?: number;
  /** OTIO: JSON path of the clip, e.g. "tracks.children[0].children[3]". */
  path?: string;
}

export interface Timeline {
  /** The file as the caller named it; used in messages. */
  file: string;
  title: string | null;
  /** The rate record frames are counted in, and the drop-frame flag for showing record timecodes. */
  rate: FrameRate;
  dropFrame: boolean;
  /** Bottom to top: a later video track covers an earlier one. */
  tracks: TrackInfo[];
  events: TimelineEvent[];
}
