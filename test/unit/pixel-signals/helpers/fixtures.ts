// Paths to test fixtures: ours (test/fixtures/pixels, made by make_fixtures.py with real Python
// libraries) and the project's shared ones (copied to a temp dir: originals are never touched).

import { copyFileSync, existsSync, mkdtempSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { fixturesDir, mediaDir, sharedAvailable } from "../../../helpers/index.js";

export const OWN = path.join(path.dirname(fileURLToPath(import.meta.url)), "..", "..", "..", "fixtures", "pixels");

export interface OwnFixtures {
  stealthText: string;
  novelaiTestPublicKey: string;
  novelaiComment: string;
}
export const own: OwnFixtures = JSON.parse(readFileSync(path.join(OWN, "fixtures.json"), "utf8")) as OwnFixtures;
/** imwatermark dwtDct bits that OpenCV 4.6 + PyWavelets 1.1 decode from our watermark fixtures. */
export const pythonBits = JSON.parse(readFileSync(path.join(OWN, "python-dwtdct-bits.json"), "utf8")) as Record<string, string>;

// The project's shared fixtures, found (and required under CI) as every other test finds them.
export const SHARED_MEDIA = mediaDir;
export const SHARED_REAL = path.join(fixturesDir, "real-dev");
export const haveShared = sharedAvailable();
export const SKIP_SHARED = `shared fixtures not found at ${fixturesDir}: real-file tests skipped`;
if (!haveShared) console.log(SKIP_SHARED);

let tmp: string | undefined;
/** A private copy of a shared fixture. */
export function sharedCopy(dir: string, name: string): string {
  tmp ??= mkdtempSync(path.join(tmpdir(), "prov-pixels-"));
  const dst = path.join(tmp, `${path.basename(dir)}-${name}`);
  if (!existsSync(dst)) copyFileSync(path.join(dir, name), dst);
  return dst;
}

/** PNG tEXt chunks of a file (keyword -> text), for the NovelAI file-level comment. */
export function pngTextChunks(buf: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let p = 8;
  while (p + 8 <= buf.length) {
    const len = buf.readUInt32BE(p);
    const type = buf.toString("latin1", p + 4, p + 8);
    if (type === "tEXt") {
      const body = buf.subarray(p + 8, p + 8 + len);
      const nul = body.indexOf(0);
      out.set(body.toString("latin1", 0, nul), body.toString("latin1", nul + 1));
    }
    if (type === "IEND") break;
    p += 12 + len;
  }
  return out;
}
