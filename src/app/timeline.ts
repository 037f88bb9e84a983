// Read a cut from disk and parse it (src/domain/timeline).

import { readFile } from "node:fs/promises";
import { InputError } from "../domain/errors.js";
import type { FrameRate } from "../domain/timecode.js";
import { parseTimeline, type Timeline } from "../domain/timeline/index.js";
import { describeFsError, errnoCode } from "../errors.js";

// Cuts are a few MB at most; anything far bigger is not one, and is not read into memory.
const MAX_BYTES = 64 * 1024 * 1024;

export async function loadTimeline(path: string, rate?: FrameRate): Promise<Timeline> {
  let data: Buffer;
  try {
    data = await readFile(path);
  } catch (err) {
    throw new InputError(`cannot read ${path}: ${errnoCode(err) === "ENOENT" ? "no such file" : describeFsError(err)}`, { cause: err });
  }
  if (data.length > MAX_BYTES) throw new InputError(`${path}: ${data.length} bytes is too big for an EDL or OTIO timeline`);
  return parseTimeline(data.toString("utf8"), path, rate);
}

