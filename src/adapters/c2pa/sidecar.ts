// Hard-binding check for a sidecar (.c2pa) manifest store against the asset beside it, for
// the one binding that is format-independent: the data hash (`c2pa.hash.data`: a digest of
// the asset's bytes minus listed exclusion ranges). BMFF and box hashes need the format
// parsers inside c2pa-rs, which the 0.15 binding cannot point at a separate manifest store;
// they are reported as not checked rather than guessed.

import { createHash } from "node:crypto";
import { closeSync, fstatSync, openSync, readSync } from "node:fs";
import type { C2paStatus } from "./types.js";

/** Codes c2pa-rs emits only because it hashed the .c2pa file instead of the asset. */
export const SIDECAR_BINDING_ARTEFACTS = new Set([
  "assertion.dataHash.mismatch",
  "assertion.bmffHash.mismatch",
  "assertion.boxesHash.mismatch",
  "assertion.collectionHash.mismatch",
]);

type Obj = Record<string, unknown>;
const obj = (v: unknown): Obj => (typeof v === "object" && v !== null && !Array.isArray(v) ? (v as Obj) : {});

/** c2pa-rs renders byte strings in JSON as `b64'...'`. */
export function decodeB64Literal(v: unknown): Buffer | undefined {
  if (typeof v !== "string") return undefined;
  const m = /^b64'([A-Za-z0-9+/=]*)'$/.exec(v);
  return m ? Buffer.from(m[1] ?? "", "base64") : undefined;
}

const ALGS: Record<string, string> = { sha256: "sha256", sha384: "sha384", sha512: "sha512" };

export interface BindingResult {
  bucket: "success" | "informational" | "failure";
  status: C2paStatus;
}

export function checkSidecarBinding(crJson: unknown, activeLabel: string, assetPath: string): BindingResult {
  const manifest = (Array.isArray(obj(crJson).manifests) ? (obj(crJson).manifests as unknown[]) : [])
    .map(obj).find((m) => m.label === activeLabel);
  const assertions = obj(manifest?.assertions);
  const url = `self#jumbf=/c2pa/${activeLabel}/c2pa.assertions/c2pa.hash.data`;
  const dataHashKey = Object.keys(assertions).find((k) => /^c2pa\.hash\.data(__\d+)?$/.test(k));
  if (!dataHashKey) {
    const other = Object.keys(assertions).find((k) => k.startsWith("c2pa.hash."));
    return {
      bucket: "informational",
      status: { code: "prov.sidecar.bindingNotChecked", url, explanation: `hard binding ${other ?? "(none)"} cannot be checked against a separate asset with this c2pa-wasm build` },
    };
  }
  const dh = obj(assertions[dataHashKey]);
  const alg = ALGS[String(dh.alg ?? "sha256")];
  const expected = decodeB64Literal(dh.hash);
  if (!alg || !expected) {
    return { bucket: "failure", status: { code: "assertion.dataHash.malformed", url, explanation: "data hash assertion has no usable alg/hash" } };
  }
  const exclusions = (Array.isArray(dh.exclusions) ? dh.exclusions : [])
    .map((e) => ({ start: Number(obj(e).start), length: Number(obj(e).length) }))
    .filter((e) => Number.isFinite(e.start) && Number.isFinite(e.length) && e.length > 0)
    .sort((a, b) => a.start - b.start);
  const actual = hashWithExclusions(assetPath, alg, exclusions);
  return actual.equals(expected)
    ? { bucket: "success", status: { code: "assertion.dataHash.match", url, explanation: "prov: sidecar data hash matches the asset" } }
    : { bucket: "failure", status: { code: "assertion.dataHash.mismatch", url, explanation: "prov: sidecar data hash does not match the asset" } };
}

/** Streams the file once (8 MiB reads), skipping the exclusion ranges. */
export function hashWithExclusions(path: string, alg: string, exclusions: { start: number; length: number }[]): Buffer {
  const hash = createHash(alg);
  const fd = openSync(path, "r");
  try {
    const size = fstatSync(fd).size;
    const buf = Buffer.allocUnsafe(8 << 20);
    let pos = 0;
    let ex = 0;
    while (pos < size) {
      const cur = exclusions[ex];
      if (cur && pos >= cur.start) {
        pos = Math.max(pos, cur.start + cur.length);
        ex += 1;
        continue;
      }
      const until = Math.min(size, cur ? cur.start : size, pos + buf.length);
      const got = readSync(fd, buf, 0, until - pos, pos);
      if (got === 0) break;
      hash.update(buf.subarray(0, got));
      pos += got;
    }
    return hash.digest();
  } finally {
    closeSync(fd);
  }
}
