// Content identity: SHA-256 of the bytes, streamed in large reads. The path is only a
// location; device, inode, size and times are a cache key, never the identity.

import { createHash } from "node:crypto";
import fs, { constants, type BigIntStats } from "node:fs";
import { promisify } from "node:util";
import { MarkerScan } from "../../domain/markers.js";
import { sniffContentType, SNIFF_HEAD_BYTES, SNIFF_TAIL_BYTES, type ContentType } from "../containers/sniff.js";
import { trailingOfBuffer, WALKABLE, type TrailingReport } from "../containers/trailing.js";
import { sameStat } from "../../domain/identity.js";
import type { StatKey } from "../../ports.js";

const CHUNK = 4 * 1024 * 1024;

export interface HashResult {
  sha256: string;
  /**
   * For WAV: SHA-256 of the audio data chunk, computed in the same read. It is exactly
   * ExifTool's ImageDataHash for WAV, which Perl would otherwise compute with a second read
   * of the whole file (about 4 s per GiB here); null for other formats.
   */
  mediaHash: string | null;
  size: number;
  stat: StatKey;
  /** The file changed (size, mtime or ctime) while it was read: the hash may be of a mix. */
  changedWhileReading: boolean;
  /** The caller's extra hash of the same bytes (an ASC MHL hash), when one was asked for. */
  extraHash: string | null;
  /** How many kinds of GenAI marker its header and trailer hold (src/domain/markers.ts): orders work, decides nothing. */
  markers: number;
  /** What the bytes are (image/bmp, video/mov, archive/zip, ...), sniffed from the same read. */
  content: ContentType;
  /**
   * What follows the end of a picture or media file (src/adapters/containers/trailing.ts),
   * walked in memory when the file was read in one call; null when its structure cannot
   * be walked; absent when not walked here (a large file, or a format with no walker).
   */
  appended?: TrailingReport | null;
}

/** Another hash computed in the same read (digest() also finishes it: call it once). */
export interface ExtraHasher {
  update(buf: Buffer): void;
  digest(): string;
}

export function statKey(s: BigIntStats): StatKey {
  return { dev: String(s.dev), ino: String(s.ino), size: Number(s.size), mtimeNs: String(s.mtimeNs), ctimeNs: String(s.ctimeNs) };
}

export class NotARegularFileError extends Error {}

// The callback API, promisified: a file handle from node:fs/promises costs about three
// times the CPU per call, which is most of the cost of hashing a small file.
const fdOpen = promisify(fs.open);
const fdStat = promisify(fs.fstat) as (fd: number, opts: { bigint: true }) => Promise<BigIntStats>;
const fdRead = (fd: number, buf: Buffer, offset: number, length: number, position: number | null): Promise<number> =>
  new Promise((resolve, reject) => fs.read(fd, buf, offset, length, position, (err, n) => (err ? reject(err) : resolve(n))));
const fdClose = promisify(fs.close);

/**
 * Hash a regular file. Opened with O_NOFOLLOW|O_NONBLOCK so a path swapped for a symlink
 * or a FIFO between listing and reading fails instead of being followed or hanging. A
 * file up to 4 MiB is read in one call (a read of size + 1 that comes back short is the
 * end); larger ones in 4 MiB parts.
 */
export async function hashFile(p: string | Buffer, extra?: ExtraHasher): Promise<HashResult> {
  let extraHash: string | null = null;
  let fd: number | null = null;
  try {
    fd = await fdOpen(p, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    const before = await fdStat(fd, { bigint: true });
    if (!before.isFile()) throw new NotARegularFileError("not a regular file");
    const hash = createHash("sha256");
    const expected = Number(before.size);
    const buf = Buffer.allocUnsafe(expected < CHUNK ? expected + 1 : CHUNK);
    const wave = new WaveDataHash();
    const markers = new MarkerScan(expected);
    let head: Buffer | null = null;
    let tail = Buffer.alloc(0);
    let size = 0;
    let whole: Buffer | null = null;
    for (;;) {
      const bytesRead = await fdRead(fd, buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const part = bytesRead === buf.length ? buf : buf.subarray(0, bytesRead);
      hash.update(part);
      wave.update(part, size);
      markers.update(part, size);
      if (head === null) head = Buffer.from(part.subarray(0, SNIFF_HEAD_BYTES));
      tail = part.length >= SNIFF_TAIL_BYTES ? Buffer.from(part.subarray(part.length - SNIFF_TAIL_BYTES)) : Buffer.concat([tail, part]).subarray(-SNIFF_TAIL_BYTES);
      extra?.update(part);
      size += bytesRead;
      // A short read of a small file is its end; a file that grew meanwhile shows in the stat below.
      if (expected < CHUNK && bytesRead < buf.length) {
        if (size === bytesRead) whole = part;
        break;
      }
    }
    const after = statKey(await fdStat(fd, { bigint: true }));
    const first = statKey(before);
    extraHash = extra ? extra.digest() : null;
    const content = sniffContentType(head ?? Buffer.alloc(0), tail, size);
    return {
      ...(whole && (WALKABLE as readonly string[]).includes(content.format) ? { appended: walkInMemory(whole) } : {}),
      sha256: hash.digest("hex"),
      mediaHash: wave.digest(size),
      size,
      stat: after,
      changedWhileReading: !sameStat(first, after) || size !== after.size,
      extraHash,
      markers: markers.found,
      content,
    };
  } finally {
    // A failed read still finishes the extra hasher (it may hold a pooled engine).
    if (extra && extraHash === null) extra.digest();
    if (fd !== null) await fdClose(fd);
  }
}

/** A structure that cannot be walked (a truncated or odd file) is not a container: null. */
function walkInMemory(data: Buffer): TrailingReport | null {
  try {
    return trailingOfBuffer(data);
  } catch {
    return null;
  }
}

/**
 * Follows the RIFF chunk list of a WAVE file as it streams past and hashes the payload of
 * its `data` chunk. Anything unexpected (not RIFF/WAVE, RF64, a truncated file) gives null.
 */
export class WaveDataHash {
  private state: "start" | "chunks" | "data" | "done" | "none" = "start";
  private pending = Buffer.alloc(0); // header bytes split across reads
  private pendingAt = -1;
  private nextHeader = 12;
  private dataStart = 0;
  private dataEnd = 0;
  private readonly hash = createHash("sha256");

  update(part: Buffer, offset: number): void {
    if (this.state === "none" || this.state === "done") return;
    if (this.state === "start") {
      const head = this.take(part, offset, 0, 12);
      if (!head) return;
      if (head.toString("latin1", 0, 4) !== "RIFF" || head.toString("latin1", 8, 12) !== "WAVE") {
        this.state = "none";
        return;
      }
      this.state = "chunks";
    }
    while (this.state === "chunks") {
      const header = this.take(part, offset, this.nextHeader, 8);
      if (!header) return;
      const id = header.toString("latin1", 0, 4);
      const chunkSize = header.readUInt32LE(4);
      if (id === "data") {
        this.dataStart = this.nextHeader + 8;
        this.dataEnd = this.dataStart + chunkSize;
        this.state = "data";
      } else {
        this.nextHeader += 8 + chunkSize + (chunkSize & 1);
      }
    }
    if (this.state === "data") {
      const from = Math.max(this.dataStart, offset);
      const to = Math.min(this.dataEnd, offset + part.length);
      if (to > from) this.hash.update(part.subarray(from - offset, to - offset));
      if (offset + part.length >= this.dataEnd) this.state = "done";
    }
  }

  /** `len` bytes at absolute offset `at`, gathered across reads if split; null until all have arrived. */
  private take(part: Buffer, offset: number, at: number, len: number): Buffer | null {
    if (this.pendingAt !== at) {
      this.pending = Buffer.alloc(0);
      this.pendingAt = at;
    }
    const from = at + this.pending.length - offset; // where the missing bytes start in `part`
    if (from < 0 || from >= part.length) return null;
    this.pending = Buffer.concat([this.pending, part.subarray(from, from + len - this.pending.length)]);
    if (this.pending.length < len) return null;
    const out = this.pending;
    this.pending = Buffer.alloc(0);
    this.pendingAt = -1;
    return out;
  }

  digest(totalSize: number): string | null {
    // No audio, no essence: an empty data chunk's hash would link unrelated files.
    if (this.state !== "done" || this.dataEnd > totalSize || this.dataEnd === this.dataStart) return null;
    return this.hash.digest("hex");
  }
}
