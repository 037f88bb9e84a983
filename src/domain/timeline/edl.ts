// CMX 3600 EDL parser. The frame rate is not in an EDL, so the caller gives it (the CLI's
// --fps, default 24); "FCM:" lines only decide drop-frame or not. The first FCM before any
// event sets the record side; each FCM applies to the source timecodes of the events after
// it. A ";" in a timecode also marks drop-frame (see timecode.ts).
//
// A CMX transition is two lines with the same event number: a zero-length cut on the
// outgoing source (the "from" line), then the D/W###/K line of the incoming source, whose
// duration field is the length of the effect in frames. The effect starts at the incoming
// line's record in. We emit one event for the incoming line, with `transition.from` naming
// the outgoing source (reel BL = black gives from: null); a zero-length from line is not an
// event of its own. A transition line with no from line before it is taken as from black.
//
// M2 motion lines are supported on the event they follow (speed = M2 fps / nominal fps, the
// M2 timecode is the source frame at the record in); an M2 on the outgoing side of a
// transition is ignored. Lines that are not events, comments, TITLE, FCM or M2 (">>> SOURCE",
// "SPLIT:", "AUD", vendor extras) are skipped.

import { InputError, errorMessage } from "../errors.js";
import { canDropFrame, nominalFps, parseTimecode, withDropFrame, type FrameRate } from "../timecode.js";
import type { Timeline, TimelineEvent, TrackInfo, Transition, TransitionSide } from "./types.js";

interface Motion {
  reel: string;
  factor: number;
  entry: number;
}

interface EventLine {
  line: number;
  num: number;
  reel: string;
  tracks: TrackInfo[];
  editType: string;
  transitionFrames: number | null;
  srcIn: number;
  srcOut: number;
  recIn: number;
  recOut: number;
  sourceRate: FrameRate;
  comments: string[];
  motion?: Motion;
}

const BLACK_REELS = new Set(["BL", "BLACK"]);

export function parseEdl(text: string, file: string, rate: FrameRate): Timeline {
  const fail = (line: number, why: string): InputError => new InputError(`${file} line ${line}: ${why}`);
  const body = text.replace(/^\uFEFF/, "");
  if (body.trim() === "") throw new InputError(`${file}: empty file, no EDL events`);
  if (body.includes("\u0000")) throw new InputError(`${file}: binary data, not a CMX 3600 EDL`);

  let title: string | null = null;
  let recordDf: boolean | null = null; // set by the first FCM before any event
  let sourceDf = rate.dropFrame;
  const lines: EventLine[] = [];

  const setDf = (n: number, df: boolean): void => {
    if (df && !canDropFrame(rate)) {
      throw fail(n, `FCM: DROP FRAME, but the frame rate given is ${rate.label}; drop-frame exists only at 29.97 and 59.94 (give the EDL's frame rate)`);
    }
    sourceDf = df;
    if (lines.length === 0) recordDf = df;
  };

  const rawLines = body.split(/\r\n|\r|\n/);
  for (let i = 0; i < rawLines.length; i++) {
    const n = i + 1;
    const s = rawLines[i]!.trim();
    if (s === "") continue;
    if (s.startsWith("*")) {
      lines.at(-1)?.comments.push(s);
      continue;
    }
    const head = /^([A-Za-z0-9]+)/.exec(s)?.[1]?.toUpperCase();
    if (/^TITLE:/i.test(s)) {
      title ??= s.slice(6).trim() || null;
    } else if (/^FCM:/i.test(s)) {
      const mode = s.slice(4).trim().toUpperCase().replace(/[\s-]+/g, " ");
      if (mode === "DROP FRAME") setDf(n, true);
      else if (mode === "NON DROP FRAME") setDf(n, false);
      else throw fail(n, `unknown frame code mode ${JSON.stringify(s.slice(4).trim())} (expected DROP FRAME or NON-DROP FRAME)`);
    } else if (head === "M2") {
      // The event it follows: the last line, or the outgoing line of the same transition.
      const last = lines.at(-1);
      const candidates = last ? lines.slice(-2).filter((l) => l.num === last.num).reverse() : [];
      const m = parseMotion(s, n, rate, sourceDf, fail);
      const target = candidates.find((l) => l.reel === m.reel);
      if (!target) throw fail(n, `M2 for reel ${JSON.stringify(m.reel)} does not follow an event on that reel`);
      target.motion = m;
    } else if (/^\d/.test(s)) {
      const recordRate = withDropFrame(rate, recordDf ?? rate.dropFrame);
      lines.push(parseEventLine(s, n, withDropFrame(rate, sourceDf), recordRate, fail));
    }
    // anything else: vendor extras we do not need
  }
  if (lines.length === 0) throw new InputError(`${file}: no events found; is it a CMX 3600 EDL?`);

  // Which lines are the outgoing half of a transition: a non-transition line directly
  // followed by a transition line with the same event number.
  const isFrom = lines.map((l, i) => {
    const next = lines[i + 1];
    return (
      next !== undefined &&
      next.num === l.num &&
      next.transitionFrames !== null &&
      l.transitionFrames === null &&
      next.tracks.some((t) => l.tracks.some((u) => u.name === t.name))
    );
  });

  const events: TimelineEvent[] = [];
  const trackMap = new Map<string, TrackInfo>();
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    const prev = i > 0 && isFrom[i - 1] ? lines[i - 1]! : null;
    if (isFrom[i] && l.recOut === l.recIn) continue; // the zero-length from line: only a transition's outgoing side

    const recDur = l.recOut - l.recIn;
    if (!l.motion && recDur !== l.srcOut - l.srcIn) {
      throw fail(l.line, `source duration (${l.srcOut - l.srcIn} frames) differs from record duration (${recDur} frames) and there is no M2 speed change`);
    }
    if (l.transitionFrames !== null && l.transitionFrames > recDur) {
      throw fail(l.line, `transition of ${l.transitionFrames} frames is longer than the event (${recDur} frames)`);
    }

    const mine = prev ? splitComments(prev.comments, l.comments) : null;
    const c = mine ? mine.to : commentFields(l.comments);
    let transition: Transition | undefined;
    if (l.transitionFrames !== null) {
      let from: TransitionSide | null = null;
      if (prev && !BLACK_REELS.has(prev.reel.toUpperCase())) {
        from = {
          index: prev.num,
          name: mine!.from.name,
          reel: prev.reel,
          sourceFile: mine!.from.sourceFile,
          sourceRate: prev.sourceRate,
          // The outgoing source runs on from its out point (a zero-length line: its in).
          recordIn: l.recIn,
          sourceIn: prev.srcOut + (l.recIn - prev.recOut),
        };
      }
      transition = { kind: transitionKind(l.editType), code: l.editType, recordIn: l.recIn, recordOut: l.recIn + l.transitionFrames, from };
    }

    for (const t of l.tracks) {
      trackMap.set(t.name, t);
      const ev: TimelineEvent = {
        track: t.name,
        trackKind: t.kind,
        index: l.num,
        name: c.name,
        reel: l.reel,
        sourceFile: c.sourceFile,
        recordIn: l.recIn,
        recordOut: l.recOut,
        sourceIn: l.srcIn,
        sourceOut: l.srcOut,
        sourceRate: l.sourceRate,
        line: l.line,
      };
      if (transition) ev.transition = transition;
      if (l.motion) ev.speed = { factor: l.motion.factor, entry: l.motion.entry };
      if (BLACK_REELS.has(l.reel.toUpperCase())) ev.black = true;
      events.push(ev);
    }
  }

  const tracks = [...trackMap.values()].sort((a, b) =>
    a.kind !== b.kind ? (a.kind === "video" ? -1 : 1) : Number(a.name.slice(1)) - Number(b.name.slice(1)),
  );
  const tlRate = withDropFrame(rate, recordDf ?? rate.dropFrame);
  return { file, title, rate: tlRate, dropFrame: tlRate.dropFrame, tracks, events };
}

function parseEventLine(
  s: string,
  n: number,
  sourceRate: FrameRate,
  recordRate: FrameRate,
  fail: (line: number, why: string) => InputError,
): EventLine {
  const f = s.split(/\s+/);
  const [numText, reel, channel, editRaw] = f;
  if (!/^\d+$/.test(numText!) || !Number.isSafeInteger(Number(numText))) throw fail(n, `event number ${JSON.stringify(numText)} is not a number`);
  if (reel === undefined || channel === undefined || editRaw === undefined) {
    throw fail(n, `event line has ${f.length} fields, expected 8 (number reel channel C src-in src-out rec-in rec-out)`);
  }
  const editType = editRaw.toUpperCase();
  const withDuration = editType === "D" || editType === "K" || editType === "KO" || /^W\d{3}$/.test(editType);
  if (!withDuration && editType !== "C" && editType !== "KB") {
    throw fail(n, `unknown edit type ${JSON.stringify(editRaw)} (expected C, D, W### or K)`);
  }
  const expected = withDuration ? 9 : 8;
  if (f.length !== expected) {
    const shape = withDuration ? `number reel channel ${editType} duration src-in src-out rec-in rec-out` : `number reel channel ${editType} src-in src-out rec-in rec-out`;
    throw fail(n, `event line has ${f.length} fields, expected ${expected} (${shape})`);
  }
  const tracks = channelTracks(channel);
  if (!tracks) throw fail(n, `unknown channel ${JSON.stringify(channel)} (expected V, A, A2, AA, B, AA/V...)`);

  let transitionFrames: number | null = null;
  if (withDuration) {
    const d = f[4]!;
    if (!/^\d{1,6}$/.test(d)) throw fail(n, `transition duration ${JSON.stringify(d)} is not a frame count`);
    transitionFrames = Number(d);
  }
  const tcs = f.slice(expected - 4);
  const names = ["source in", "source out", "record in", "record out"];
  const frames = tcs.map((tc, k) => {
    try {
      return parseTimecode(tc, k < 2 ? sourceRate : recordRate);
    } catch (err) {
      throw fail(n, `${names[k]}: ${errorMessage(err)}`);
    }
  }) as [number, number, number, number];
  const [srcIn, srcOut, recIn, recOut] = frames;
  if (srcOut < srcIn) throw fail(n, `source out ${tcs[1]} is before source in ${tcs[0]}`);
  if (recOut < recIn) throw fail(n, `record out ${tcs[3]} is before record in ${tcs[2]}`);
  // A ";" in the source timecodes makes them drop-frame whatever FCM said; show them that way.
  const srcDf = sourceRate.dropFrame || tcs[0]!.includes(";") || tcs[1]!.includes(";");
  return {
    line: n,
    num: Number(numText),
    reel,
    tracks,
    editType,
    transitionFrames,
    srcIn,
    srcOut,
    recIn,
    recOut,
    sourceRate: withDropFrame(sourceRate, srcDf),
    comments: [],
  };
}

function parseMotion(
  s: string,
  n: number,
  rate: FrameRate,
  sourceDf: boolean,
  fail: (line: number, why: string) => InputError,
): Motion {
  // M2   REEL   048.0   01:00:10:00   (reel names may hold spaces in some writers)
  const f = s.split(/\s+/);
  if (f.length < 4) throw fail(n, `M2 line has ${f.length} fields, expected 4 (M2 reel speed entry-timecode)`);
  const reel = f.slice(1, -2).join(" ");
  const speedText = f.at(-2)!;
  if (!/^[-+]?\d{1,4}(\.\d+)?$/.test(speedText)) throw fail(n, `M2 speed ${JSON.stringify(speedText)} is not a number of frames per second`);
  let entry: number;
  try {
    entry = parseTimecode(f.at(-1)!, withDropFrame(rate, sourceDf));
  } catch (err) {
    throw fail(n, `M2 entry: ${errorMessage(err)}`);
  }
  return { reel, factor: Number(speedText) / nominalFps(rate), entry };
}

function channelTracks(channel: string): TrackInfo[] | null {
  const out = new Map<string, TrackInfo>();
  const video = (): void => void out.set("V1", { name: "V1", kind: "video" });
  const audio = (k: number): void => void out.set(`A${k}`, { name: `A${k}`, kind: "audio" });
  for (const part of channel.toUpperCase().split("/")) {
    if (part === "V") video();
    else if (part === "A") audio(1);
    else if (part === "AA") {
      audio(1);
      audio(2);
    } else if (part === "B") {
      audio(1);
      video();
    }
    else if (/^A\d{1,3}$/.test(part) && Number(part.slice(1)) >= 1) audio(Number(part.slice(1)));
    else return null;
  }
  return [...out.values()];
}

function transitionKind(editType: string): Transition["kind"] {
  if (editType === "D") return "dissolve";
  if (editType.startsWith("W")) return "wipe";
  return "key";
}

interface CommentFields {
  name: string | null;
  sourceFile: string | null;
}

function comment(lines: string[], label: string): string[] {
  const re = new RegExp(`^\\*\\s*${label}:\\s*(.*)$`, "i");
  return lines.flatMap((l) => {
    const v = re.exec(l)?.[1]?.trim();
    return v ? [v] : [];
  });
}

function commentFields(lines: string[]): CommentFields {
  return {
    name: comment(lines, "FROM CLIP NAME")[0] ?? comment(lines, "TO CLIP NAME")[0] ?? null,
    sourceFile: comment(lines, "SOURCE FILE")[0] ?? null,
  };
}

/** Comments of a transition's two lines: FROM CLIP NAME is the outgoing clip, TO CLIP NAME the incoming. */
function splitComments(fromLines: string[], toLines: string[]): { from: CommentFields; to: CommentFields } {
  const all = [...fromLines, ...toLines];
  const toFiles = comment(toLines, "SOURCE FILE");
  const fromFile = comment(fromLines, "SOURCE FILE")[0] ?? (toFiles.length > 1 ? toFiles[0]! : null);
  return {
    from: { name: comment(all, "FROM CLIP NAME")[0] ?? null, sourceFile: fromFile },
    to: { name: comment(all, "TO CLIP NAME")[0] ?? null, sourceFile: toFiles.at(-1) ?? null },
  };
}
