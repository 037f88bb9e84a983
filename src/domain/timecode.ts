// SMPTE timecode arithmetic. Frame counts are whole frames since 00:00:00:00; a timecode is
// only a label for a frame count, and drop-frame only changes the labels (frames 00 and 01,
// or 00–03 at 59.94, are skipped at the start of every minute not divisible by ten so the
// labels keep up with the 1000/1001 clock). Pure: no I/O.
//
// Decisions:
// - A ";" in a timecode means drop-frame. On a 29.97 or 59.94 rate it forces drop-frame
//   counting even if the rate was given as non-drop (that is what the writer meant); on any
//   other rate it is an error, since drop-frame does not exist there.
// - On a drop-frame rate a timecode written with ":" is still counted as drop-frame: the rate
//   decides (EDLs often write DF timecodes with colons under "FCM: DROP FRAME").
// - "." before the frames is a plain separator, like ":".
// - Hours do not wrap at 24: frame counts past a day format as 24:00:00:00 and beyond, and
//   such timecodes parse back. Negative frame counts are an error.

import { InputError } from "./errors.js";

export interface FrameRate {
  /** Frames per second as a fraction: 24000/1001 for 23.976. */
  num: number;
  den: number;
  /** Timecode labels skip as drop-frame (only 29.97 and 59.94). */
  dropFrame: boolean;
  /** How a person writes it: "23.976", "29.97DF", "25". */
  label: string;
}

export const ACCEPTED_RATES = [
  "23.976 (23.98, 24000/1001)",
  "24",
  "25",
  "29.97 (29.97NDF, 30000/1001)",
  "29.97DF",
  "30",
  "47.952 (48000/1001)",
  "48",
  "50",
  "59.94 (59.94NDF, 60000/1001)",
  "59.94DF",
  "60",
] as const;

// Spellings of each rate, without the DF/NDF suffix.
const RATE_SPELLINGS: ReadonlyArray<{ names: string[]; num: number; den: number; label: string }> = [
  { names: ["23.976", "23.98", "24000/1001"], num: 24000, den: 1001, label: "23.976" },
  { names: ["24", "24/1"], num: 24, den: 1, label: "24" },
  { names: ["25", "25/1"], num: 25, den: 1, label: "25" },
  { names: ["29.97", "30000/1001"], num: 30000, den: 1001, label: "29.97" },
  { names: ["30", "30/1"], num: 30, den: 1, label: "30" },
  { names: ["47.952", "47.95", "48000/1001"], num: 48000, den: 1001, label: "47.952" },
  { names: ["48", "48/1"], num: 48, den: 1, label: "48" },
  { names: ["50", "50/1"], num: 50, den: 1, label: "50" },
  { names: ["59.94", "60000/1001"], num: 60000, den: 1001, label: "59.94" },
  { names: ["60", "60/1"], num: 60, den: 1, label: "60" },
];

function rateError(s: string, why: string): InputError {
  return new InputError(`${JSON.stringify(s)} is not a frame rate ${why}; accepted: ${ACCEPTED_RATES.join(", ")}`);
}

/** A user-written frame rate ("23.976", "29.97DF", "24000/1001"...). */
export function parseRate(s: string): FrameRate {
  const m = /^\s*([0-9./]+)\s*(df|ndf)?\s*$/i.exec(s);
  if (!m) throw rateError(s, "(unrecognised)");
  const body = m[1]!;
  const suffix = m[2]?.toLowerCase();
  const spelled = RATE_SPELLINGS.find((r) => r.names.includes(body));
  if (!spelled) throw rateError(s, "(unrecognised)");
  const rate: FrameRate = { num: spelled.num, den: spelled.den, dropFrame: false, label: spelled.label };
  if (suffix === "df") {
    if (!canDropFrame(rate)) throw rateError(s, "(drop-frame exists only at 29.97 and 59.94)");
    return withDropFrame(rate, true);
  }
  return rate;
}

/** Drop-frame exists only for the 1000/1001 rates with a nominal 30 or 60. */
export function canDropFrame(rate: FrameRate): boolean {
  return rate.den === 1001 && (rate.num === 30000 || rate.num === 60000);
}

/** The same rate labelled drop-frame or not. Throws if asked for drop-frame where none exists. */
export function withDropFrame(rate: FrameRate, dropFrame: boolean): FrameRate {
  if (dropFrame === rate.dropFrame) return rate;
  if (dropFrame && !canDropFrame(rate)) throw new InputError(`drop-frame exists only at 29.97 and 59.94, not at ${rate.label}`);
  const base = rate.label.replace(/DF$/, "");
  return { ...rate, dropFrame, label: dropFrame ? base + "DF" : base };
}

/** The frame count a timecode second holds: 24 for 23.976, 30 for 29.97, 60 for 59.94. */
export function nominalFps(rate: FrameRate): number {
  return Math.round(rate.num / rate.den);
}

/** Same frames per second (drop-frame labelling aside). */
export function sameRate(a: FrameRate, b: FrameRate): boolean {
  return a.num * b.den === b.num * a.den;
}

/**
 * A FrameRate for a rate written as a float (OTIO's RationalTime.rate): snaps to a known
 * rate within 0.001 fps (23.976023976 and 23.976 are both 24000/1001), else an integer rate,
 * else a rate in thousandths. Returns null for anything not finite and positive.
 */
export function rateFromFps(fps: number): FrameRate | null {
  if (!Number.isFinite(fps) || fps <= 0 || fps > 1e7) return null;
  for (const r of RATE_SPELLINGS) {
    if (Math.abs(r.num / r.den - fps) < 1e-3) return { num: r.num, den: r.den, dropFrame: false, label: r.label };
  }
  if (Math.abs(fps - Math.round(fps)) < 1e-6 && Math.round(fps) > 0) return { num: Math.round(fps), den: 1, dropFrame: false, label: String(Math.round(fps)) };
  const num = Math.round(fps * 1000);
  if (num <= 0) return null;
  return { num, den: 1000, dropFrame: false, label: String(num / 1000) };
}

/**
 * A video file's rate, from its frame rate as a fraction and its start timecode: a start
 * timecode written with ";" makes a 29.97 or 59.94 rate drop-frame. Null when unknown.
 */
export function videoRate(num: number, den: number, startTimecode: string | null): FrameRate | null {
  if (!num || !den) return null;
  const base = rateFromFps(num / den);
  if (!base) return null;
  return startTimecode?.includes(";") && canDropFrame(base) ? withDropFrame(base, true) : base;
}

// Drop-frame constants for a nominal rate of 30 or 60.
function dfConstants(nominal: number): { drop: number; perMinute: number; perTenMinutes: number } {
  const drop = nominal / 15; // 2 at 29.97, 4 at 59.94
  return { drop, perMinute: nominal * 60 - drop, perTenMinutes: nominal * 600 - 9 * drop };
}

const TC_RE = /^(\d{1,6})([:;.])(\d{2})([:;.])(\d{2})([:;.])(\d{2})$/;

/** Frames since 00:00:00:00 for HH:MM:SS:FF (also ";" or "." before the frames). See the header for ";". */
export function parseTimecode(tc: string, rate: FrameRate): number {
  const text = tc.trim();
  const m = TC_RE.exec(text);
  if (!m) throw new InputError(`${JSON.stringify(tc)} is not a timecode (expected HH:MM:SS:FF)`);
  const [hh, mm, ss, ff] = [m[1], m[3], m[5], m[7]].map((x) => Number(x)) as [number, number, number, number];
  const semicolon = m[2] === ";" || m[4] === ";" || m[6] === ";";
  if (semicolon && !canDropFrame(rate)) {
    throw new InputError(`${text}: ";" marks drop-frame timecode, which exists only at 29.97 and 59.94, not at ${rate.label}`);
  }
  const nominal = nominalFps(rate);
  if (mm > 59) throw new InputError(`${text}: minutes must be 00–59`);
  if (ss > 59) throw new InputError(`${text}: seconds must be 00–59`);
  if (ff >= nominal) throw new InputError(`${text}: frames must be 00–${pad(nominal - 1, 2)} at ${rate.label} fps`);
  const plain = ((hh * 60 + mm) * 60 + ss) * nominal + ff;
  if (!(rate.dropFrame || semicolon)) return plain;
  const { drop } = dfConstants(nominal);
  if (ss === 0 && ff < drop && mm % 10 !== 0) {
    throw new InputError(
      `${text} does not exist in ${rate.label.replace(/DF$/, "")} drop-frame: frames 00–${pad(drop - 1, 2)} of every minute not divisible by ten are skipped`,
    );
  }
  const totalMinutes = hh * 60 + mm;
  return plain - drop * (totalMinutes - Math.floor(totalMinutes / 10));
}

/** The timecode of a frame count; drop-frame rates use ";" before the frames. Hours may exceed 23. */
export function formatTimecode(frames: number, rate: FrameRate): string {
  if (!Number.isSafeInteger(frames) || frames < 0) {
    throw new InputError(`cannot write ${frames} as a timecode: need a whole, non-negative frame count`);
  }
  const nominal = nominalFps(rate);
  let labels = frames;
  if (rate.dropFrame && canDropFrame(rate)) {
    const { drop, perMinute, perTenMinutes } = dfConstants(nominal);
    const tens = Math.floor(frames / perTenMinutes);
    const rest = frames % perTenMinutes;
    // Add back the labels skipped so far: 9 minutes per full ten, plus the minutes begun in this ten.
    labels += 9 * drop * tens + (rest > drop ? drop * Math.floor((rest - drop) / perMinute) : 0);
  }
  const ff = labels % nominal;
  const totalSeconds = Math.floor(labels / nominal);
  const ss = totalSeconds % 60;
  const mm = Math.floor(totalSeconds / 60) % 60;
  const hh = Math.floor(totalSeconds / 3600);
  const sep = rate.dropFrame ? ";" : ":";
  return `${pad(hh, 2)}:${pad(mm, 2)}:${pad(ss, 2)}${sep}${pad(ff, String(nominal - 1).length)}`;
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, "0");
}

export function framesToSeconds(frames: number, rate: FrameRate): number {
  return (frames * rate.den) / rate.num;
}

/** The frame showing at a time in seconds: floor, tolerating float error just under a frame boundary. */
export function secondsToFrames(seconds: number, rate: FrameRate): number {
  if (!Number.isFinite(seconds) || seconds < 0) throw new InputError(`${seconds} is not a time in seconds (need a finite, non-negative number)`);
  return floorTolerant((seconds * rate.num) / rate.den);
}

/** floor(x), except that x a hair below an integer (float error) counts as that integer. */
export function floorTolerant(x: number): number {
  return Math.floor(x + Math.max(1e-9, Math.abs(x) * 1e-12));
}

/**
 * Frames at one rate as frames at another, same wall-clock time, floor (toward -infinity, so
 * negative offsets work too). Exact: integer arithmetic in BigInt.
 */
export function rescaleFrames(frames: number, from: FrameRate, to: FrameRate): number {
  if (sameRate(from, to)) return frames;
  if (!Number.isSafeInteger(frames)) throw new InputError(`frame count ${frames} is out of range`);
  const n = BigInt(frames) * BigInt(to.num) * BigInt(from.den);
  const d = BigInt(from.num) * BigInt(to.den);
  let q = n / d;
  if (n % d !== 0n && n < 0n) q -= 1n; // BigInt division truncates; we want floor
  return Number(q);
}
