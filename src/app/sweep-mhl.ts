// --mhl: an ASC MHL v2 generation for the swept folder, from the files the sweep found.
// MHL hashes (xxh128 by default) come from the sweep's own read of each file; a file the
// sweep did not read (unchanged under --quick) is read here.

import { errorMessage } from "../domain/errors.js";
import { log } from "../log.js";
import { hashFileMhl, MHL_ALGORITHMS, writeGeneration, type MhlAlgorithm } from "../adapters/mhl/index.js";
import type { MhlOutcome } from "../domain/sweep-types.js";
import { LITTER, type SweptFile } from "./sweep.js";

export { MHL_ALGORITHMS, type MhlAlgorithm };

/** What the sweep skips as litter, in the generation's ignore list, so `ascmhl verify` skips it too. */
const SWEEP_LITTER_PATTERNS = [...LITTER.keys(), "._*"];

export async function writeMhl(
  root: string,
  files: readonly SweptFile[],
  opts: { algorithm: MhlAlgorithm; version: string; onProgress?: (done: number, total: number) => void },
): Promise<MhlOutcome> {
  async function* entries() {
    let done = 0;
    for (const f of files) {
      opts.onProgress?.(++done, files.length);
      let hash: string;
      try {
        hash = f.hash ?? (await hashFileMhl(f.abs, opts.algorithm));
      } catch (err) {
        log.warn(`ASC MHL: ${f.rel} not listed: ${errorMessage(err)}`);
        continue;
      }
      yield { path: f.rel, size: f.size, mtime: f.mtime, hash };
    }
  }
  let g;
  try {
    g = await writeGeneration(root, entries(), { algorithm: opts.algorithm, toolName: "prov", toolVersion: opts.version, ignore: SWEEP_LITTER_PATTERNS });
  } catch (err) {
    // A corrupt history or an unwritable folder: the sweep still reports, and says so.
    log.error(`ASC MHL not written: ${errorMessage(err)}`);
    return { error: errorMessage(err) };
  }
  for (const p of g.failed) log.warn(`ASC MHL: ${p} does not match the hash an earlier generation recorded (changed since)`);
  for (const p of g.missing) log.warn(`ASC MHL: ${p} was in an earlier generation and is gone`);
  for (const n of g.tampered) log.warn(`ASC MHL: generation ${n} was changed after it was written (its C4 ID differs from the chain's); \`prov mhl verify ${root}\` reports it`);
  for (const n of g.rechained) log.warn(`ASC MHL: generation ${n} was not in the chain (an earlier run stopped before updating it); added`);
  return { generation: g.generation, file: g.file, chain: g.chain, failed: g.failed, missing: g.missing };
}
