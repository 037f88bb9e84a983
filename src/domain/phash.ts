// Perceptual hash of a picture: a 64-bit pHash. Pure code: grey pixels in, hex out.
//
// Input: the picture reduced to HASH_SIZE x HASH_SIZE grey pixels (8-bit, row-major), by
// the still and video-frame decoders (src/adapters/decode). Hash: the 2-D DCT
// of those pixels; the 64 lowest frequencies without DC, taken by diagonal as JPEG's
// zig-zag does (u + v = 1..10, u the vertical frequency, less (5, 5)); one bit per
// coefficient: above their median. Chosen by measuring (bench/fingerprint.ts) over the
// classic pHash block (u, v = 1..8, which drops the pure horizontal and vertical
// frequencies and loses more to crops), pHash with DC (ImageHash), dHash, a 256-bit
// PDQ-like hash and pHash+dHash concatenated (128 bits: better separated, but twice the
// index).
//
// Representation: 16 lowercase hex digits, most significant bit first; bit i (i = 0 the
// leftmost) is the i-th coefficient in the order above: (0,1), (1,0), (0,2), (1,1), (2,0),
// (0,3), ... Distances are Hamming distances (0..64). The median splits the coefficients
// 32/32, so every hash has 32 bits set and every distance between two hashes is even.

/** Side of the grey square the hash is computed from. */
export const HASH_SIZE = 32;
/** Bits in a hash. */
export const HASH_BITS = 64;
/** Name of the algorithm, stored next to each hash: a new algorithm means re-fingerprinting. */
export const HASH_ALGO = "phash64";

/**
 * Distances for a verdict, measured by bench/fingerprint.ts: 40 generated photo-like
 * stills x 9 kinds of derivative (50% resize, JPEG q50, 5% cropped off one side, 5% off
 * every side, brightness +15%, a colour grade, resize+brightness+JPEG, 320 px thumbnail,
 * a frame of a 1080p H.264 render), against 30,381 pairs of unrelated stills of the same
 * generator family (all more alike than real footage tends to be).
 * - `match` (<= 12): resizes, recompression, brightness, grade, thumbnails and H.264
 *   frames all land within 8, one-side crops within 12, 34 of 40 every-side crops within
 *   12 (the rest within 16); no unrelated pair came closer than 14.
 * - `possible` (<= 16): every derivative, the every-side crops included; 0.14% of the
 *   unrelated pairs (42) land here too, so a `possible` asks for a human look. (14 would
 *   let in 0.03% and miss 2 of 40 every-side crops.)
 * Distances are even (see above), so 12 and 16 are the same as 13 and 17. A multi-index
 * lookup within POSSIBLE_MAX probes each chunk with radius floor(16 / 4) = 4 (2,517 of
 * 65,536 values).
 */
export const MATCH_MAX = 12;
export const POSSIBLE_MAX = 16;

export type Verdict = "match" | "possible" | "none";

/**
 * Standard deviation of the grey pixels (0..255 scale) below which a picture is flat
 * (black, white, one colour, a faint fade): its hash is noise or all zeros and would match
 * other flat pictures, so it is marked lowDetail and never matched. Measured: solid frames
 * and grainy black give 0 (the grain averages out in the reduction), a black H.264 frame
 * 0; the generated stills and the repository's samples 20.9 and more (median 45).
 */
export const LOW_DETAIL_STDDEV = 2;

export interface PixelHash {
  /** 16 lowercase hex digits. */
  hash: string;
  /** Too flat to mean anything: never match on it. */
  lowDetail: boolean;
}

const N = HASH_SIZE;
const PIXELS = N * N;
/** Frequencies 0..10 are needed (u + v <= 10). */
const FREQS = 11;

/** The (u, v) of each bit, in order. */
const PICKED: ReadonlyArray<readonly [number, number]> = (() => {
  const out: Array<readonly [number, number]> = [];
  for (let d = 1; d <= 10; d++) for (let u = 0; u <= d; u++) if (!(u === 5 && d === 10)) out.push([u, d - u]);
  return out;
})();
if (PICKED.length !== HASH_BITS) throw new Error("phash: coefficient selection is not 64 bits");

// cos((2x + 1) f pi / 2N), f = 0..10: the DCT-II basis, unnormalised (as scipy's default,
// which ImageHash uses; the orthonormal form would scale row 0 and column 0 by 1/sqrt(2)).
const COS = new Float64Array(FREQS * N);
for (let f = 0; f < FREQS; f++) {
  for (let x = 0; x < N; x++) COS[f * N + x] = Math.cos(((2 * x + 1) * f * Math.PI) / (2 * N));
}

const centred = new Float64Array(PIXELS);
const rowPass = new Float64Array(FREQS * N);
const coeffs = new Float64Array(HASH_BITS);
const sorted = new Float64Array(HASH_BITS);

/**
 * The hash of HASH_SIZE x HASH_SIZE grey pixels (row-major, 0..255). Throws a RangeError
 * on any other length: a caller's bug, not bad input.
 */
export function hashGrey(pixels: ArrayLike<number>): PixelHash {
  if (pixels.length !== PIXELS) throw new RangeError(`hashGrey: expected ${PIXELS} grey pixels, got ${pixels.length}`);
  let sum = 0;
  for (let i = 0; i < PIXELS; i++) sum += pixels[i]!;
  const mean = sum / PIXELS;
  let squares = 0;
  // Centred on the mean: a flat picture gives exact zeros, so every flat picture hashes
  // to 0000000000000000 instead of to a pattern of rounding errors.
  for (let i = 0; i < PIXELS; i++) {
    const d = pixels[i]! - mean;
    centred[i] = d;
    squares += d * d;
  }
  const lowDetail = Math.sqrt(squares / PIXELS) < LOW_DETAIL_STDDEV;

  // Separable DCT, only the coefficients needed: along each row (horizontal frequency v),
  // then down the columns (vertical frequency u) for the 64 picked (u, v).
  for (let y = 0; y < N; y++) {
    const row = y * N;
    for (let v = 0; v < FREQS; v++) {
      const c = v * N;
      let acc = 0;
      for (let x = 0; x < N; x++) acc += centred[row + x]! * COS[c + x]!;
      rowPass[v * N + y] = acc;
    }
  }
  for (let i = 0; i < HASH_BITS; i++) {
    const [u, v] = PICKED[i]!;
    const c = u * N;
    const r = v * N;
    let acc = 0;
    for (let y = 0; y < N; y++) acc += rowPass[r + y]! * COS[c + y]!;
    coeffs[i] = acc;
  }

  return { hash: threshold(coeffs), lowDetail };
}

/** One bit per coefficient: above their median. */
function threshold(c: Float64Array): string {
  sorted.set(c);
  sorted.sort();
  const median = (sorted[31]! + sorted[32]!) / 2;
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    hi = (hi << 1) | (c[i]! > median ? 1 : 0);
    lo = (lo << 1) | (c[i + 32]! > median ? 1 : 0);
  }
  return hex32(hi) + hex32(lo);
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

// --------------------------------------------------------------------------- distances

const HEX64 = /^[0-9a-f]{16}$/i;

/** Whether s is a 64-bit hash: 16 hex digits (either case). */
export function isHash(s: string): boolean {
  return HEX64.test(s);
}

/** Set bits in a 32-bit integer. */
export function popcount32(n: number): number {
  n = n - ((n >>> 1) & 0x55555555);
  n = (n & 0x33333333) + ((n >>> 2) & 0x33333333);
  n = (n + (n >>> 4)) & 0x0f0f0f0f;
  return Math.imul(n, 0x01010101) >>> 24;
}

const HEX_VALUE = new Int8Array(128).fill(-1);
for (let i = 0; i < 16; i++) {
  HEX_VALUE["0123456789abcdef".charCodeAt(i)] = i;
  HEX_VALUE["0123456789ABCDEF".charCodeAt(i)] = i;
}

/** Eight hex digits from `start` as an unsigned 32-bit integer; -1 when one is not a hex digit. */
function half(hex: string, start: number): number {
  let n = 0;
  for (let i = start; i < start + 8; i++) {
    const c = hex.charCodeAt(i);
    const v = c < 128 ? HEX_VALUE[c]! : -1;
    if (v < 0) return -1;
    n = (n << 4) | v;
  }
  return n >>> 0;
}

/** Hamming distance (0..64) between two hashes. Throws a RangeError on a malformed hash. */
export function hamming(a: string, b: string): number {
  const ah = half(a, 0);
  const al = half(a, 8);
  const bh = half(b, 0);
  const bl = half(b, 8);
  if (a.length !== 16 || b.length !== 16 || ah < 0 || al < 0 || bh < 0 || bl < 0) {
    throw new RangeError(`not a 64-bit hash: ${JSON.stringify(isHash(a) ? b : a)}`);
  }
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

/**
 * The four 16-bit chunks of a hash (each 0..65535), most significant first: for
 * multi-index hashing. Two hashes within distance d have at least one chunk within
 * floor(d / 4) of each other (pigeonhole), so a lookup for distance <= d probes, for each
 * chunk position, neighbours16(chunk, floor(d / 4)).
 */
export function chunks16(hex: string): [number, number, number, number] {
  if (!HEX64.test(hex)) throw new RangeError(`not a 64-bit hash: ${JSON.stringify(hex)}`);
  return [
    Number.parseInt(hex.slice(0, 4), 16),
    Number.parseInt(hex.slice(4, 8), 16),
    Number.parseInt(hex.slice(8, 12), 16),
    Number.parseInt(hex.slice(12, 16), 16),
  ];
}

/** Masks of every 16-bit value with at most r bits set, by r, nearest first; built once. */
const masksByRadius: number[][] = [];

function masksWithin(radius: number): number[] {
  const cached = masksByRadius[radius];
  if (cached) return cached;
  const masks: number[] = [];
  // By weight, then by value: 0, the 16 one-bit masks, the 120 two-bit masks, ...
  const byWeight: number[][] = Array.from({ length: 17 }, () => []);
  for (let m = 0; m < 65536; m++) byWeight[popcount32(m)]!.push(m);
  for (let w = 0; w <= radius; w++) masks.push(...byWeight[w]!);
  masksByRadius[radius] = masks;
  return masks;
}

/**
 * Every 16-bit value within Hamming distance `radius` of `chunk`, the chunk itself first,
 * then by distance: sum of C(16, k) for k = 0..radius values (radius 1: 17, 2: 137,
 * 3: 697, 4: 2,517, 5: 6,885). Radius is clamped to 0..16.
 */
export function neighbours16(chunk: number, radius: number): number[] {
  if (!Number.isInteger(chunk) || chunk < 0 || chunk > 0xffff) throw new RangeError(`not a 16-bit chunk: ${chunk}`);
  const r = Math.max(0, Math.min(16, Math.floor(radius)));
  const masks = masksWithin(r);
  const out = new Array<number>(masks.length);
  for (let i = 0; i < masks.length; i++) out[i] = chunk ^ masks[i]!;
  return out;
}

// --------------------------------------------------------------------------- dihedral
//
// The 8 flips and rotations of a picture (the dihedral group of the square), as PDQ matches
// under them: a mirrored or rotated copy hashes, once turned back, like its original. No
// second decode is needed. On the HASH_SIZE grey square, mirroring left-right
// (x -> N-1-x) multiplies DCT coefficient (u, v) by (-1)^v, flipping upside down by
// (-1)^u, and transposing swaps (u, v) for (v, u); the picked frequencies (u + v = 1..10
// less (5, 5)) are closed under the swap, so every one of the 8 is a signed permutation
// of the same 64 coefficients. The grey square of a rotated W x H picture is the rotated
// square of the picture (the reduction to N x N treats each axis alike), so this is the
// hash of the rotated file, up to resampling.
//
// From the coefficients (dihedralHashes: the decoder has them) the 8 hashes are exact:
// signs and order changed, then the median taken again. From a stored hash alone
// (dihedralOfHash: the index and old rows hold only bits) the sign flip becomes a bit
// flip, exact for every coefficient whose sign and side of the median agree; the median of
// 64 centred AC coefficients is near 0, so the few near it may land on the wrong side
// (measured in bench/fingerprint.ts, "dihedral from bits": median 3, p95 7, max 8 bits
// off on the bench's generated stills; up to 15 on a strong ramp, test/unit/dihedral.test.ts).

/** A flip or rotation: transpose first (when `t`), then flip upside down (`v`), then left-right (`h`). */
export interface Dihedral {
  readonly name: DihedralName;
  readonly t: boolean;
  readonly v: boolean;
  readonly h: boolean;
}

export type DihedralName = "as is" | "mirrored" | "upside down" | "rotated 180°" | "transposed" | "rotated 90° clockwise" | "rotated 90° counter-clockwise" | "anti-transposed";

/** The 8, identity first. Each is named by what it does to a picture. */
export const DIHEDRAL: readonly Dihedral[] = [
  { name: "as is", t: false, v: false, h: false },
  { name: "mirrored", t: false, v: false, h: true },
  { name: "upside down", t: false, v: true, h: false },
  { name: "rotated 180°", t: false, v: true, h: true },
  { name: "transposed", t: true, v: false, h: false },
  // x' = N-1-y after the transpose: the top row becomes the right column.
  { name: "rotated 90° clockwise", t: true, v: false, h: true },
  { name: "rotated 90° counter-clockwise", t: true, v: true, h: false },
  { name: "anti-transposed", t: true, v: true, h: true },
];

/** The transform that undoes `g` (rotations by 90° swap; the rest undo themselves). */
export function inverseOf(g: Dihedral): Dihedral {
  if (g.name === "rotated 90° clockwise") return DIHEDRAL[6]!;
  if (g.name === "rotated 90° counter-clockwise") return DIHEDRAL[5]!;
  return g;
}

/** Index of (u, v) in PICKED. */
const INDEX_OF = new Map(PICKED.map(([u, v], i) => [u * FREQS + v, i]));
/** For each transform: the source coefficient of each bit and whether its sign flips. */
const SIGNED_PERMUTATIONS = DIHEDRAL.map((g) =>
  PICKED.map(([u, v]) => {
    // Coefficient (u, v) of g(picture) is +-coefficient of the picture at (v, u) when transposed.
    const from = g.t ? INDEX_OF.get(v * FREQS + u)! : INDEX_OF.get(u * FREQS + v)!;
    const negate = ((g.v ? u : 0) + (g.h ? v : 0)) % 2 === 1;
    return { from, negate };
  }),
);

const variant = new Float64Array(HASH_BITS);

/**
 * The hashes of the 8 flips and rotations of HASH_SIZE x HASH_SIZE grey pixels, in DIHEDRAL
 * order (the first is hashGrey's): exactly what hashGrey gives for the transformed pixels,
 * for the cost of one DCT.
 */
export function dihedralHashes(pixels: ArrayLike<number>): { hashes: string[]; lowDetail: boolean } {
  const { hash, lowDetail } = hashGrey(pixels);
  const base = Float64Array.from(coeffs);
  const hashes = [hash];
  for (let k = 1; k < DIHEDRAL.length; k++) {
    const perm = SIGNED_PERMUTATIONS[k]!;
    for (let i = 0; i < HASH_BITS; i++) variant[i] = perm[i]!.negate ? -base[perm[i]!.from]! : base[perm[i]!.from]!;
    hashes.push(threshold(variant));
  }
  return { hashes, lowDetail };
}

const TURNS = /^(?:[0-9a-f]{16}){7}$/;

/** The 7 turned hashes of dihedralHashes (all but the first) as one string, for the store. */
export function packTurns(hashes: readonly string[]): string {
  if (hashes.length !== DIHEDRAL.length) throw new RangeError(`packTurns: expected ${DIHEDRAL.length} hashes, got ${hashes.length}`);
  return hashes.slice(1).join("");
}

/** The 8 hashes (identity first) from a hash and its packed turns; null when the turns are missing or malformed. */
export function unpackTurns(hash: string, turns: string | null | undefined): string[] | null {
  if (!turns || !TURNS.test(turns)) return null;
  const out = [hash.toLowerCase()];
  for (let i = 0; i < 7; i++) out.push(turns.slice(16 * i, 16 * i + 16));
  return out;
}

/**
 * The hash of `g` applied to the picture a stored hash was made from, from its bits alone
 * (see above: a sign flip becomes a bit flip). Throws a RangeError on a malformed hash.
 */
export function dihedralOfHash(hex: string, g: Dihedral): string {
  if (!HEX64.test(hex)) throw new RangeError(`not a 64-bit hash: ${JSON.stringify(hex)}`);
  const k = DIHEDRAL.indexOf(g);
  if (k <= 0) return hex.toLowerCase();
  const perm = SIGNED_PERMUTATIONS[k]!;
  const hiIn = half(hex, 0);
  const loIn = half(hex, 8);
  const bit = (i: number): number => (i < 32 ? (hiIn >>> (31 - i)) & 1 : (loIn >>> (63 - i)) & 1);
  let hi = 0;
  let lo = 0;
  for (let i = 0; i < 32; i++) {
    hi = (hi << 1) | (bit(perm[i]!.from) ^ (perm[i]!.negate ? 1 : 0));
    lo = (lo << 1) | (bit(perm[i + 32]!.from) ^ (perm[i + 32]!.negate ? 1 : 0));
  }
  return hex32(hi) + hex32(lo);
}

// --------------------------------------------------------------------------- borders
//
// Letterbox and pillarbox bars (and a matte, and the grey filler a viewer shows for the
// missing end of a truncated JPEG) are not the picture: a letterboxed copy of a GenAI
// still hashes like the still once they are cut off. Found on a small grey reduction of
// the picture (the decoders' TRIM_SIZE), from each side inwards: lines whose pixels are
// all one colour (standard deviation at most BORDER_STDDEV) and that colour the edge line's
// (within BORDER_TOLERANCE), so JPEG noise on a black bar is a bar and a sky is not cut.

/** Side of the box the picture is reduced into (aspect kept) to find its borders. */
export const TRIM_SIZE = 256;
/** A line is uniform when its pixels' standard deviation is at most this (0..255 scale). */
export const BORDER_STDDEV = 3;
/** ... and its mean is within this of the outermost line's. */
export const BORDER_TOLERANCE = 8;
/** Fewest lines cut from a side (at TRIM_SIZE): one uniform edge line is no border. */
export const BORDER_MIN_LINES = 2;
/** Never keep less than this share of either side: a mostly flat picture is left whole. */
export const BORDER_MIN_KEEP = 0.25;

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

/**
 * The picture inside uniform borders of `width` x `height` grey pixels (row-major, 0..255),
 * or null when there are none worth cutting (or cutting them would leave less than
 * `minKeep` of either side; 0 measures how much of a damaged file's picture decodes).
 */
export function borderBox(grey: ArrayLike<number>, width: number, height: number, minKeep = BORDER_MIN_KEEP): Box | null {
  if (grey.length !== width * height) throw new RangeError(`borderBox: expected ${width * height} grey pixels, got ${grey.length}`);
  if (width < 4 || height < 4) return null;
  let top = 0;
  let bottom = height; // exclusive
  let left = 0;
  let right = width; // exclusive
  const row = (y: number): [number, number] => stats(grey, y * width + left, 1, right - left);
  const col = (x: number): [number, number] => stats(grey, top * width + x, width, bottom - top);
  // Bars top and bottom first (a letterbox is the common case), then the sides within
  // them; a second round catches a windowbox whose sides were only uniform once cut.
  for (let round = 0; round < 2; round++) {
    top += cut((i) => row(top + i), bottom - top);
    bottom -= cut((i) => row(bottom - 1 - i), bottom - top);
    if (bottom - top < Math.max(1, height * minKeep)) return null;
    left += cut((i) => col(left + i), right - left);
    right -= cut((i) => col(right - 1 - i), right - left);
    if (right - left < Math.max(1, width * minKeep)) return null;
  }
  const w = right - left;
  const h = bottom - top;
  if (w === width && h === height) return null;
  if (w < width * minKeep || h < height * minKeep) return null;
  return { left, top, width: w, height: h };
}

/** Uniform lines from an edge: how many, 0 when fewer than BORDER_MIN_LINES. */
function cut(line: (i: number) => [mean: number, sd: number], lines: number): number {
  const [edge, edgeSd] = line(0);
  if (edgeSd > BORDER_STDDEV) return 0;
  let n = 1;
  while (n < lines) {
    const [m, sd] = line(n);
    if (sd > BORDER_STDDEV || Math.abs(m - edge) > BORDER_TOLERANCE) break;
    n++;
  }
  return n >= BORDER_MIN_LINES ? n : 0;
}

/** Mean and standard deviation of `count` pixels from `start`, `step` apart. */
function stats(px: ArrayLike<number>, start: number, step: number, count: number): [number, number] {
  let sum = 0;
  let sq = 0;
  for (let i = 0, j = start; i < count; i++, j += step) {
    const v = px[j]!;
    sum += v;
    sq += v * v;
  }
  const mean = sum / count;
  return [mean, Math.sqrt(Math.max(0, sq / count - mean * mean))];
}
