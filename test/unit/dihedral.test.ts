// The pure parts of matching label-free copies: the 8 flips and rotations of a pHash (from
// the DCT coefficients, exact; from a stored hash's bits, near) and uniform border trimming.

import { describe, expect, it } from "vitest";
import {
  BORDER_MIN_LINES,
  DIHEDRAL,
  HASH_SIZE,
  borderBox,
  dihedralHashes,
  dihedralOfHash,
  hamming,
  hashGrey,
  inverseOf,
  packTurns,
  unpackTurns,
  type Dihedral,
} from "../../src/domain/phash.js";
import { GenAIFingerprints, derivationNamedIn, describeDerivation, derivations, judgedDistance, lookalikes, mergeTurned, turnedHashes, DEFAULT_LIMITS, TURNED_MARGIN } from "../../src/domain/likeness.js";
import type { GenAIFingerprintRow } from "../../src/ports.js";

const N = HASH_SIZE;

/** A deterministic picture with detail everywhere: blobs and a diagonal ramp, no symmetry. */
function picture(seed: number, w = N, h = N): Uint8Array {
  let s = seed >>> 0 || 1;
  const rand = (): number => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 2 ** 32;
  };
  const blobs = Array.from({ length: 6 }, () => ({ x: rand() * w, y: rand() * h, r: 3 + rand() * (w / 3), v: rand() * 200 - 100 }));
  const px = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let v = 60 + (100 * (x + 2 * y)) / (w + 2 * h);
      for (const b of blobs) v += b.v * Math.exp(-((x - b.x) ** 2 + (y - b.y) ** 2) / (2 * b.r * b.r));
      v += (rand() - 0.5) * 10;
      px[y * w + x] = Math.max(0, Math.min(255, Math.round(v)));
    }
  }
  return px;
}

/** g applied to an N x N picture, by its definition: transpose, then upside down, then left-right. */
function apply(px: Uint8Array, g: Dihedral): Uint8Array {
  const out = new Uint8Array(N * N);
  for (let y = 0; y < N; y++) {
    for (let x = 0; x < N; x++) {
      const sx = g.h ? N - 1 - x : x;
      const sy = g.v ? N - 1 - y : y;
      out[y * N + x] = g.t ? px[sx * N + sy]! : px[sy * N + sx]!;
    }
  }
  return out;
}

/** Rotate an N x N picture 90 degrees clockwise, the way an editor does: the top row becomes the right column. */
function rotateClockwise(px: Uint8Array): Uint8Array {
  const out = new Uint8Array(N * N);
  for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) out[x * N + (N - 1 - y)] = px[y * N + x]!;
  return out;
}

describe("dihedral hashes", () => {
  it("from the coefficients: exactly the hash of each flipped or rotated picture", () => {
    for (let seed = 1; seed <= 25; seed++) {
      const px = picture(seed);
      const { hashes, lowDetail } = dihedralHashes(px);
      expect(lowDetail).toBe(false);
      expect(hashes).toHaveLength(8);
      expect(hashes[0]).toBe(hashGrey(px).hash);
      DIHEDRAL.forEach((g, k) => expect(hashes[k], `${g.name}, seed ${seed}`).toBe(hashGrey(apply(px, g)).hash));
    }
  });

  it("names say what happens to the picture: 'rotated 90° clockwise' is an editor's clockwise turn", () => {
    const px = picture(7);
    const k = DIHEDRAL.findIndex((g) => g.name === "rotated 90° clockwise");
    expect(dihedralHashes(px).hashes[k]).toBe(hashGrey(rotateClockwise(px)).hash);
    const mirrored = new Uint8Array(N * N);
    for (let y = 0; y < N; y++) for (let x = 0; x < N; x++) mirrored[y * N + x] = px[y * N + (N - 1 - x)]!;
    expect(dihedralHashes(px).hashes[1]).toBe(hashGrey(mirrored).hash);
  });

  it("inverseOf undoes each transform", () => {
    for (const g of DIHEDRAL) {
      const px = picture(3);
      expect(apply(apply(px, g), inverseOf(g))).toEqual(px);
    }
    expect(inverseOf(DIHEDRAL[5]!).name).toBe("rotated 90° counter-clockwise");
  });

  it("from a stored hash's bits: exact for the transpose (a permutation), near for sign flips, and undone by the inverse", () => {
    const errors: number[] = [];
    for (let seed = 1; seed <= 40; seed++) {
      const px = picture(seed);
      const exact = dihedralHashes(px).hashes;
      const h = exact[0]!;
      expect(dihedralOfHash(h, DIHEDRAL[0]!)).toBe(h);
      expect(dihedralOfHash(h, DIHEDRAL[4]!)).toBe(exact[4]); // transposed
      DIHEDRAL.forEach((g, k) => {
        const fromBits = dihedralOfHash(h, g);
        expect(dihedralOfHash(fromBits, inverseOf(g))).toBe(h);
        errors.push(hamming(fromBits, exact[k]!));
      });
    }
    // Near, not exact: bits whose coefficient lies between the median and its negative land
    // on the wrong side (these pictures, a strong ramp under blobs, are a hard case: a sky).
    errors.sort((a, b) => a - b);
    expect(errors[Math.floor(errors.length / 2)]!).toBeLessThanOrEqual(6);
    expect(errors.at(-1)!).toBeLessThanOrEqual(20);
  });

  it("rejects a malformed hash", () => {
    expect(() => dihedralOfHash("xyz", DIHEDRAL[1]!)).toThrow(RangeError);
  });

  it("packTurns and unpackTurns carry the 7 turned hashes through the store; missing or malformed turns are null", () => {
    const { hashes } = dihedralHashes(picture(9));
    const packed = packTurns(hashes);
    expect(packed).toHaveLength(7 * 16);
    expect(unpackTurns(hashes[0]!, packed)).toEqual(hashes);
    expect(unpackTurns(hashes[0]!, null)).toBeNull();
    expect(unpackTurns(hashes[0]!, packed.slice(1))).toBeNull();
    expect(() => packTurns(hashes.slice(1))).toThrow(RangeError);
  });
});

describe("matching turned copies (likeness)", () => {
  // The copies' fingerprints as ingest makes them: their own exact turns (packTurns).
  const original = dihedralHashes(picture(11)).hashes;
  const turned = (k: number): { hash: string; turns: string } => {
    const g = DIHEDRAL[k]!;
    const copy = dihedralHashes(apply(picture(11), g)).hashes;
    return { hash: copy[0]!, turns: packTurns(copy) };
  };
  const rows: GenAIFingerprintRow[] = [{ id: 1, asset_id: 7, seconds: null, hash: original[0]!, low_detail: 0, sha256: "a".repeat(64), origin: "genai", status: null }];

  it("turnedHashes: the probe itself first ('as is'), then the 7 others, each named by how the probe is turned", () => {
    const t = turnedHashes(original[0]!);
    expect(t).toHaveLength(8);
    expect(t[0]).toEqual({ hash: original[0], turn: "as is" });
    expect(new Set(t.map((x) => x.turn)).size).toBe(8);
  });

  it("a mirrored or rotated copy is found with how it is turned; the untouched picture wins a tie", () => {
    const genai = new GenAIFingerprints(rows);
    for (const [k, name] of [
      [1, "mirrored"],
      [5, "rotated 90° clockwise"],
      [6, "rotated 90° counter-clockwise"],
      [3, "rotated 180°"],
    ] as const) {
      const c = turned(k);
      const near = genai.near(c.hash, DEFAULT_LIMITS.possible, c.turns);
      expect(near, name).toHaveLength(1);
      expect(near[0]!.turn).toBe(name);
      expect(near[0]!.distance).toBe(0);
      // Without its turns (a row made before 0008), from its bits: found, a few bits off.
      const fromBits = genai.near(c.hash, 64).find((n) => n.turn === name);
      expect(fromBits?.distance).toBeLessThanOrEqual(20);
    }
    expect(genai.near(original[0]!, 0)).toEqual([{ row: rows[0], distance: 0, turn: "as is" }]);
    const row = rows[0]!;
    expect(mergeTurned([[{ row, distance: 4, turn: "mirrored" }], [{ row, distance: 4 }], [{ row, distance: 2, turn: "rotated 180°" }]])).toEqual([{ row, distance: 2, turn: "rotated 180°" }]);
    expect(mergeTurned([[{ row, distance: 4, turn: "as is" }], [{ row, distance: 4, turn: "mirrored" }]])[0]!.turn).toBe("as is");
  });

  it("a turned look-alike needs TURNED_MARGIN more bits for the same verdict (8 chances for an unrelated picture)", () => {
    const row = rows[0]!;
    const probes = [{ seconds: null, hash: original[0]!, lowDetail: false }];
    const at = (distance: number, turn?: "mirrored"): string | undefined => lookalikes(probes, [[{ row, distance, ...(turn ? { turn } : {}) }]], DEFAULT_LIMITS)[0]?.verdict;
    expect(at(DEFAULT_LIMITS.match)).toBe("match");
    expect(at(DEFAULT_LIMITS.match, "mirrored")).toBe("possible");
    expect(at(DEFAULT_LIMITS.match - TURNED_MARGIN, "mirrored")).toBe("match");
    expect(at(DEFAULT_LIMITS.possible, "mirrored")).toBeUndefined();
    expect(judgedDistance(6, "as is")).toBe(6);
    expect(judgedDistance(6, "mirrored")).toBe(6 + TURNED_MARGIN);
    // The untouched pair wins over a nearer turned one when it is judged nearer.
    const both = lookalikes(probes, [[{ row, distance: 8 }, { row, distance: 6, turn: "mirrored" }]], DEFAULT_LIMITS)[0]!;
    expect(both).toMatchObject({ distance: 8, turn: "as is", verdict: "match" });
  });

  it("the finding says how the copy is turned", () => {
    const genai = new GenAIFingerprints(rows);
    const c = turned(1);
    const probes = [{ seconds: null, hash: c.hash, lowDetail: false, turns: c.turns }];
    const matches = lookalikes(probes, [genai.near(c.hash, DEFAULT_LIMITS.possible, c.turns)], DEFAULT_LIMITS);
    const d = derivations(matches, (id) => genai.assets.get(id), 3)[0]!;
    expect(d.turn).toBe("mirrored");
    expect(describeDerivation(d, null, null, "/work/gen/a.png")).toMatch(/^temporary GenAI asset aaaaaaaaaaaa \(genai, \/work\/gen\/a\.png\): perceptual distance \d+ of 64 bits \(mirrored\)$/);
    expect(describeDerivation(d, null, null, undefined, "truncated or corrupt image data: fingerprinted what decodes")).toMatch(/\(mirrored\); this file: truncated or corrupt image data: fingerprinted what decodes$/);
    // The gate's recorded reason names the original and the distance it decided on: read back as written.
    const reason = `derived from ${describeDerivation(d, null, null, "/work/gen/a (v2): final.png")} (a fully generated asset can only be the source of its look-alikes, so this one is derived from it)`;
    expect(derivationNamedIn(reason)).toEqual({ sha256Prefix: "aaaaaaaaaaaa", distance: d.distance });
    expect(derivationNamedIn(`possibly ${reason}`)).toEqual({ sha256Prefix: "aaaaaaaaaaaa", distance: d.distance });
    expect(derivationNamedIn("GenAI by its own metadata (c2pa)")).toBeNull();
  });
});

describe("uniform borders", () => {
  const W = 256;
  const H = 144;
  /** A W x H picture with detail, inside bars of `colour` (top, bottom, left, right lines). */
  function framed(bars: { top?: number; bottom?: number; left?: number; right?: number }, colour = 0, noise = 0): Uint8Array {
    const inner = picture(5, W, H);
    const px = new Uint8Array(W * H);
    let s = 99;
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        const bar = y < (bars.top ?? 0) || y >= H - (bars.bottom ?? 0) || x < (bars.left ?? 0) || x >= W - (bars.right ?? 0);
        s = (s * 1103515245 + 12345) & 0x7fffffff;
        px[y * W + x] = bar ? Math.max(0, Math.min(255, colour + Math.round(((s % 1000) / 1000 - 0.5) * 2 * noise))) : inner[y * W + x]!;
      }
    }
    return px;
  }

  it("finds letterbox, pillarbox and windowbox bars, black or not, through a little noise", () => {
    expect(borderBox(framed({ top: 18, bottom: 18 }), W, H)).toEqual({ left: 0, top: 18, width: W, height: H - 36 });
    expect(borderBox(framed({ left: 30, right: 30 }, 16, 2), W, H)).toEqual({ left: 30, top: 0, width: W - 60, height: H });
    expect(borderBox(framed({ top: 10, bottom: 10, left: 20, right: 20 }, 235, 3), W, H)).toEqual({ left: 20, top: 10, width: W - 40, height: H - 20 });
    // One side only: the grey filler a viewer shows below the end of a truncated JPEG.
    expect(borderBox(framed({ bottom: 40 }, 128), W, H)).toEqual({ left: 0, top: 0, width: W, height: H - 40 });
  });

  it("leaves a picture without borders, a single uniform edge line, and a (nearly) flat picture whole", () => {
    expect(borderBox(picture(5, W, H), W, H)).toBeNull();
    expect(BORDER_MIN_LINES).toBeGreaterThan(1);
    expect(borderBox(framed({ top: 1 }), W, H)).toBeNull();
    expect(borderBox(new Uint8Array(W * H).fill(30), W, H)).toBeNull();
    // Bars so thick that under a quarter of the height is left: not a letterbox.
    expect(borderBox(framed({ top: 60, bottom: 60 }), W, H)).toBeNull();
    expect(() => borderBox(new Uint8Array(10), W, H)).toThrow(RangeError);
  });

  it("noise above the tolerance is picture, not bar", () => {
    expect(borderBox(framed({ top: 18, bottom: 18 }, 0, 20), W, H)).toBeNull();
  });
});
