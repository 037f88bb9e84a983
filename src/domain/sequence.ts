// Pure: numbered frame files (shot010_plate.1001.exr ... .1240.exr) → image sequences,
// with their frame range, gaps and duplicates. No I/O.

/** Formats VFX and finishing keep as one file per frame. */
export const FRAME_EXTENSIONS: ReadonlySet<string> = new Set(["exr", "dpx", "cin", "tif", "tiff", "png", "jpg", "jpeg", "tga", "jp2", "j2c", "sgi", "rgb", "hdr", "bmp"]);

/** The fewest files that make a sequence: fewer are stills that happen to end in digits. */
export const MIN_FRAMES = 3;

export interface FrameName {
  /** Everything before the frame number, separator included ("shot010_plate."). */
  head: string;
  frame: number;
  /** Digits as written ("1001" → 4; "01001" → 5). */
  digits: string;
  /** Everything after the number ("" or "_v2") plus the extension (".exr"). */
  tail: string;
}

/**
 * The frame number of a file name: the last run of digits before the extension, after a
 * "." or "_" (or directly after letters when padded, "plate0001.dpx"). Null for names
 * that are not frames.
 */
export function parseFrameName(name: string): FrameName | null {
  const m = /^(.*?[._-]?)(\d+)(\.[A-Za-z0-9]+)$/.exec(name);
  if (!m) return null;
  const [, head, digits, ext] = m as unknown as [string, string, string, string];
  if (!FRAME_EXTENSIONS.has(ext.slice(1).toLowerCase())) return null;
  // "plate7.exr" is a name, "plate.7.exr" or "plate0007.exr" a frame.
  const separated = head === "" || /[._-]$/.test(head);
  if (!separated && digits.length < 3) return null;
  // "comp_v003.exr" is a version of a still, not frame 3.
  if (/(^|[._-])[vV]$/.test(head)) return null;
  if (digits.length > 9) return null; // a timestamp or an id, not a frame number
  return { head, frame: Number(digits), digits, tail: ext };
}

/** The key that frames of one sequence share: "shot010_plate.####.exr". */
export function sequenceKey(f: FrameName): string {
  return `${f.head}#${f.tail.toLowerCase()}`;
}

export interface SequenceFrame<T> {
  frame: number;
  name: string;
  item: T;
}

export interface Sequence<T> {
  /** Folder-relative pattern, printf style: "shot010_plate.%04d.exr". */
  pattern: string;
  key: string;
  first: number;
  last: number;
  /** Each frame once, in order (the first file written for a duplicated number). */
  frames: Array<SequenceFrame<T>>;
  /** Frame numbers missing between first and last, as ranges. */
  gaps: Array<{ from: number; to: number }>;
  /** Frame numbers written by more than one file (e.g. "0999" and "999"). */
  duplicates: Array<{ frame: number; names: string[] }>;
}

/** What a frame's header says: its size in pixels and its format (null when the header was not understood). */
export interface FrameShape {
  width: number;
  height: number;
  format: string;
}

/** The least share of the numbers between a shot's first and last frame that its frames fill (dropped frames are gaps, scattered numbers are stills). */
export const MIN_DENSITY = 0.5;

/** Numbered files that share a name stem but are not one shot, and why (reported, not grouped). */
export interface NotGrouped {
  pattern: string;
  files: number;
  why: string;
}

/**
 * Group one folder's file names into sequences: only frames that are one shot, i.e. the same
 * name stem and format, the same size (when their headers were read: `shape`) and
 * contiguous numbering (they fill at least MIN_DENSITY of their range; a few dropped frames
 * are gaps). Names that are not frames, or fewer than MIN_FRAMES, are stills and not
 * reported; numbered files that fail the other tests are reported in `notGrouped` with why.
 */
export function groupFrames<T>(entries: ReadonlyArray<{ name: string; item: T; shape?: FrameShape | null }>): { sequences: Array<Sequence<T>>; notGrouped: NotGrouped[] } {
  const groups = new Map<string, Array<{ f: FrameName; name: string; item: T; shape: FrameShape | null }>>();
  for (const e of entries) {
    const f = parseFrameName(e.name);
    if (!f) continue;
    const key = sequenceKey(f);
    let g = groups.get(key);
    if (!g) groups.set(key, (g = []));
    g.push({ f, name: e.name, item: e.item, shape: e.shape ?? null });
  }
  const out: Array<Sequence<T>> = [];
  const notGrouped: NotGrouped[] = [];
  for (const [key, g] of groups) {
    if (g.length < MIN_FRAMES) continue;
    g.sort((a, b) => a.f.frame - b.f.frame || (a.name < b.name ? -1 : 1));
    const frames: Array<SequenceFrame<T>> = [];
    const duplicates: Sequence<T>["duplicates"] = [];
    for (const x of g) {
      const prev = frames.at(-1);
      if (prev && prev.frame === x.f.frame) {
        const d = duplicates.at(-1);
        if (d && d.frame === x.f.frame) d.names.push(x.name);
        else duplicates.push({ frame: x.f.frame, names: [prev.name, x.name] });
        continue;
      }
      frames.push({ frame: x.f.frame, name: x.name, item: x.item });
    }
    // The padding most frames use names the pattern.
    const pad = mode(g.map((x) => x.f.digits.length));
    const { head, tail } = g[0]!.f;
    const pattern = `${head.replace(/%/g, "%%")}%0${pad}d${tail.replace(/%/g, "%%")}`;
    const first = frames[0]!.frame;
    const last = frames.at(-1)!.frame;
    const why = notOneShot(frames.length, first, last, g.map((x) => x.shape));
    if (why) {
      notGrouped.push({ pattern, files: g.length, why });
      continue;
    }
    const gaps: Sequence<T>["gaps"] = [];
    for (let i = 1; i < frames.length; i++) {
      const a = frames[i - 1]!.frame;
      const b = frames[i]!.frame;
      if (b > a + 1) gaps.push({ from: a + 1, to: b - 1 });
    }
    out.push({ pattern, key, first, last, frames, gaps, duplicates });
  }
  const byPattern = <X extends { pattern: string }>(a: X, b: X): number => (a.pattern < b.pattern ? -1 : a.pattern > b.pattern ? 1 : 0);
  return { sequences: out.sort(byPattern), notGrouped: notGrouped.sort(byPattern) };
}

/** Why numbered files with one stem and format are not one shot; null when they are. */
export function notOneShot(count: number, first: number, last: number, shapes: ReadonlyArray<FrameShape | null>): string | null {
  const span = last - first + 1;
  if (count / span < MIN_DENSITY) return `numbering is not contiguous: ${count} files spread over numbers ${first}-${last}, so they are separate stills`;
  const kinds = new Map<string, number>();
  for (const s of shapes) if (s) kinds.set(`${s.width}x${s.height} ${s.format}`, (kinds.get(`${s.width}x${s.height} ${s.format}`) ?? 0) + 1);
  if (kinds.size > 1) {
    const list = [...kinds].sort((a, b) => b[1] - a[1]);
    return `frames differ in size or format (${list.slice(0, 4).map(([k, n]) => `${k} ×${n}`).join(", ")}${list.length > 4 ? `, and ${list.length - 4} more` : ""}), so they are separate stills`;
  }
  return null;
}

/** groupFrames, the shots only. */
export function groupSequences<T>(entries: ReadonlyArray<{ name: string; item: T; shape?: FrameShape | null }>): Array<Sequence<T>> {
  return groupFrames(entries).sequences;
}

function mode(xs: readonly number[]): number {
  const counts = new Map<number, number>();
  for (const x of xs) counts.set(x, (counts.get(x) ?? 0) + 1);
  return [...counts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]![0];
}

/**
 * Which frames to read metadata from: the first, the last, and evenly spaced ones between,
 * `n` in all. Metadata is per shot in practice; a sample finds labels a renderer wrote.
 */
export function sampleFrames(count: number, n: number): number[] {
  if (count <= n) return Array.from({ length: count }, (_, i) => i);
  const out = new Set<number>();
  for (let i = 0; i < n; i++) out.add(Math.round((i * (count - 1)) / (n - 1)));
  return [...out].sort((a, b) => a - b);
}

/** "1001-1240", or "1001-1100, 1102-1240" around gaps. */
export function describeRange(s: Pick<Sequence<unknown>, "first" | "last" | "gaps">): string {
  if (s.gaps.length === 0) return `${s.first}-${s.last}`;
  const parts: string[] = [];
  let from = s.first;
  for (const g of s.gaps) {
    parts.push(from === g.from - 1 ? `${from}` : `${from}-${g.from - 1}`);
    from = g.to + 1;
  }
  parts.push(from === s.last ? `${from}` : `${from}-${s.last}`);
  return parts.join(", ");
}
