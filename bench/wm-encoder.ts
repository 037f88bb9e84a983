// Test-only port of imwatermark's dwtDct *encoder* (ShieldMnt/invisible-watermark
// imwatermark/maxDct.py: EmbedMaxDct.encode, encode_frame, diffuse_dct_matrix), to make
// watermarked images in this process. Two input domains, as the real callers use it:
// - "uint8": SD 1.x/2.x scripts hand cv2 an 8-bit BGR array. OpenCV's fixed-point YUV, the
//   DWT'd U written back into the uint8 array (numpy's float->uint8 cast: truncation, with
//   wrap-around outside 0..255), OpenCV's fixed-point YUV -> BGR.
// - "float": SDXL (generative-models, diffusers) and FLUX hand it float32 0..255. cv2's float
//   YUV (U = 0.492 (B - Y) + 0.5, no rounding), back to BGR in float, then the pipeline
//   clamps and quantises to 8 bits (round: diffusers; trunc: generative-models, FLUX).
//   Computed in double here rather than float32: close, not bit-exact; irrelevant for a
//   test encoder whose output is quantised to 8 bits anyway.
// Quirk kept: encode() rebuilds with pywt.idwt2((ca1, (v1, h1, d1))) - horizontal and
// vertical details swapped - which transposes each 2x2 block of U. It does not move the
// approximation band, so it does not matter to decoding, but it is part of the image.

import type { RawPixels } from "../src/domain/pixel-signals/types.js";

const HAAR = Math.SQRT1_2;
const SCALE = 36;
const BLOCK = 4;

export interface EncodeOptions {
  domain: "uint8" | "float";
  /** "bgr": the caller converted RGB->BGR first (correct); "rgb": it did not (diffusers before #7013). */
  order?: "bgr" | "rgb";
  /** Float domain only: how the pipeline quantises the result to 8 bits. */
  quantize?: "round" | "trunc";
}

/** Returns a watermarked copy of RGB(A) pixels (alpha left alone). */
export function embedDwtDct(px: RawPixels, bits: readonly number[], opts: EncodeOptions): RawPixels {
  const { width, height, channels } = px;
  if (width * height < 256 * 256) throw new Error("image too small, should be larger than 256x256");
  const order = opts.order ?? "bgr";
  const bOff = order === "bgr" ? 2 : 0;
  const rOff = 2 - bOff;
  const n = width * height;
  // YUV planes in the embedder's domain.
  const Y = new Float64Array(n);
  const U = new Float64Array(n);
  const V = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const p = i * channels;
    const b = px.data[p + bOff] ?? 0;
    const g = px.data[p + 1] ?? 0;
    const r = px.data[p + rOff] ?? 0;
    if (opts.domain === "uint8") {
      const y = (b * 1868 + g * 9617 + r * 4899 + 8192) >> 14;
      Y[i] = sat(y);
      U[i] = sat(((b - y) * 8061 + (128 << 14) + 8192) >> 14);
      V[i] = sat(((r - y) * 14369 + (128 << 14) + 8192) >> 14);
    } else {
      const y = b * Math.fround(0.114) + g * Math.fround(0.587) + r * Math.fround(0.299);
      Y[i] = y;
      U[i] = (b - y) * Math.fround(0.492) + 0.5;
      V[i] = (r - y) * Math.fround(0.877) + 0.5;
    }
  }

  const r4 = height - (height % 4);
  const c4 = width - (width % 4);
  const rows = r4 / 2;
  const cols = c4 / 2;
  // pywt.dwt2 on U[:r4, :c4] (axis -2 first, then -1).
  const cA = new Float64Array(rows * cols);
  const cH = new Float64Array(rows * cols); // "da": detail down the columns, approx across
  const cV = new Float64Array(rows * cols); // "ad"
  const cD = new Float64Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const a = U[2 * i * width + 2 * j] ?? 0;
      const b = U[2 * i * width + 2 * j + 1] ?? 0;
      const c = U[(2 * i + 1) * width + 2 * j] ?? 0;
      const d = U[(2 * i + 1) * width + 2 * j + 1] ?? 0;
      const l0 = HAAR * c + HAAR * a;
      const l1 = HAAR * d + HAAR * b;
      const h0 = HAAR * a - HAAR * c;
      const h1 = HAAR * b - HAAR * d;
      const k = i * cols + j;
      cA[k] = HAAR * l1 + HAAR * l0;
      cV[k] = HAAR * l0 - HAAR * l1;
      cH[k] = HAAR * h1 + HAAR * h0;
      cD[k] = HAAR * h0 - HAAR * h1;
    }
  }

  // encode_frame: one bit per 4x4 block of cA, row-major, bit k mod L.
  let num = 0;
  for (let bi = 0; bi < Math.floor(rows / BLOCK); bi++) {
    for (let bj = 0; bj < Math.floor(cols / BLOCK); bj++) {
      const bit = bits[num % bits.length] ?? 0;
      let best = -1;
      let pos = 1;
      for (let k = 1; k < 16; k++) {
        const v = Math.abs(cA[(bi * BLOCK + (k >> 2)) * cols + bj * BLOCK + (k & 3)] ?? 0);
        if (v > best) {
          best = v;
          pos = k;
        }
      }
      const at = (bi * BLOCK + (pos >> 2)) * cols + bj * BLOCK + (pos & 3);
      const val = cA[at] ?? 0;
      const q = (Math.floor(Math.abs(val) / SCALE) + 0.25 + 0.5 * bit) * SCALE;
      cA[at] = val >= 0 ? q : -q;
      num++;
    }
  }

  // pywt.idwt2((cA, (cV, cH, cD))): details swapped, as encode() passes (v1, h1, d1).
  const hh = cV;
  const vv = cH;
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const k = i * cols + j;
      const aa = cA[k] ?? 0;
      const da = hh[k] ?? 0;
      const ad = vv[k] ?? 0;
      const dd = cD[k] ?? 0;
      // Inverse along axis -1, then axis -2 (idwtn walks the axes backwards).
      const l0 = HAAR * aa + HAAR * ad;
      const l1 = HAAR * aa - HAAR * ad;
      const h0 = HAAR * da + HAAR * dd;
      const h1 = HAAR * da - HAAR * dd;
      const put = (y: number, x: number, v: number): void => {
        // uint8 domain: numpy assigns floats into the uint8 array by C cast.
        U[y * width + x] = opts.domain === "uint8" ? castU8(v) : v;
      };
      put(2 * i, 2 * j, HAAR * l0 + HAAR * h0);
      put(2 * i + 1, 2 * j, HAAR * l0 - HAAR * h0);
      put(2 * i, 2 * j + 1, HAAR * l1 + HAAR * h1);
      put(2 * i + 1, 2 * j + 1, HAAR * l1 - HAAR * h1);
    }
  }

  const out = new Uint8Array(px.data);
  for (let i = 0; i < n; i++) {
    const y = Y[i] ?? 0;
    const u = U[i] ?? 0;
    const v = V[i] ?? 0;
    let b: number;
    let g: number;
    let r: number;
    if (opts.domain === "uint8") {
      // OpenCV YUV2BGR fixed point (U2BI 33292, U2GI -6472, V2GI -9519, V2RI 18678).
      b = sat(y + ((((u - 128) * 33292) + 8192) >> 14));
      g = sat(y + ((((u - 128) * -6472 + (v - 128) * -9519) + 8192) >> 14));
      r = sat(y + ((((v - 128) * 18678) + 8192) >> 14));
    } else {
      const fb = y + (u - 0.5) * Math.fround(2.032);
      const fg = y + (u - 0.5) * Math.fround(-0.395) + (v - 0.5) * Math.fround(-0.581);
      const fr = y + (v - 0.5) * Math.fround(1.14);
      // clamp(x / 255, 0, 1), then to 8 bits.
      const q = (x: number): number => {
        const c = Math.min(1, Math.max(0, x / 255)) * 255;
        return opts.quantize === "trunc" ? Math.trunc(c) : Math.round(c);
      };
      b = q(fb);
      g = q(fg);
      r = q(fr);
    }
    const p = i * channels;
    out[p + bOff] = b;
    out[p + 1] = g;
    out[p + rOff] = r;
  }
  return { data: out, width, height, channels };
}

function sat(v: number): number {
  return v < 0 ? 0 : v > 255 ? 255 : v;
}

/** numpy float64 -> uint8 by C cast on x86: truncate toward zero, keep the low 8 bits. */
function castU8(v: number): number {
  return Math.trunc(v) & 0xff;
}
