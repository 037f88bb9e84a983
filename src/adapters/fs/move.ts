// Moving a file without ever losing or duplicating it, across a crash at any instant.
// Same filesystem: link(2) then unlink (never overwrites; a crash in between leaves the
// same inode under two names, which recovery resolves). Across filesystems: copy to an
// exclusive temporary name, fsync, re-hash and compare, link into place, fsync the
// directory, and only then unlink the source.

import { createHash } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, mkdir, open, readlink, rename, rm, symlink, unlink } from "node:fs/promises";
import path from "node:path";
import { failpointName } from "../../config.js";
import { errnoCode } from "../../errors.js";
import { syncDir as fsyncDir } from "./durable.js";
import { displayName } from "./walk.js";

const CHUNK = 4 * 1024 * 1024;

/** Test hook: PROV_FAILPOINT=name kills the process with SIGKILL at that step (crash tests). */
export function failpoint(name: string): void {
  if (failpointName() === name) process.kill(process.pid, "SIGKILL");
}

/** Which side of a move failed: writing into the destination, or removing the source. */
export type MoveSide = "quarantine" | "source" | "move";

export class MoveError extends Error {
  constructor(
    message: string,
    readonly code: string | undefined,
    /** Worth retrying later (busy, read-only, full, permission that may change, transient I/O). */
    readonly retriable: boolean,
    readonly side: MoveSide = "move",
  ) {
    super(message);
  }
}

export { syncDir as fsyncDir } from "./durable.js";

export async function ensureDir(dir: string): Promise<void> {
  await makeDir(dir);
  await fsyncDir(path.dirname(dir));
}

/**
 * mkdir -p that keeps the real reason: Node's recursive mkdir reports a read-only
 * filesystem as ENOENT ("no such file or directory"), which would misname the fault.
 */
async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EEXIST") {
      if ((await lstat(dir)).isDirectory()) return;
      throw err;
    }
    if (code !== "ENOENT" || path.dirname(dir) === dir) throw err;
    await makeDir(path.dirname(dir));
    try {
      await mkdir(dir);
    } catch (err2) {
      if (errnoCode(err2) !== "EEXIST") throw err2;
    }
  }
}

export async function exists(p: string | Buffer): Promise<boolean> {
  try {
    await lstat(p);
    return true;
  } catch (err) {
    if (errnoCode(err) === "ENOENT") return false;
    throw err;
  }
}

export interface Expected {
  dev: string | null;
  ino: string | null;
  sha256: string | null;
}

export interface MoveResult {
  method: "link" | "rename" | "copy" | "symlink-copy";
}

/**
 * Move `src` to `dest` (which must not exist). Only the inode that was judged is moved
 * (`expected`); across filesystems a file is copied only once it has been quiet for
 * `quietMs`, and its source is unlinked only if it did not change after the copy (a writer
 * still appending would lose its later bytes): both fail as "EGROWING", to be retried.
 */
export async function safeMove(src: string | Buffer, dest: string, expected: Expected, failpointPrefix = "move", quietMs = 0): Promise<MoveResult> {
  const name = typeof src === "string" ? src : displayName(src);
  let st;
  try {
    st = await lstat(src, { bigint: true });
  } catch (err) {
    const gone = errnoCode(err) === "ENOENT" || errnoCode(err) === "ENOTDIR";
    throw new MoveError(`cannot move ${name}: ${gone ? "it vanished" : String(err)}`, errnoCode(err), !gone, "source");
  }
  if (expected.dev !== null && expected.ino !== null && (String(st.dev) !== expected.dev || String(st.ino) !== expected.ino)) {
    throw new MoveError(`${name} was replaced by another file before it could be moved`, "ECHANGED", false);
  }
  if (await exists(dest)) throw new MoveError(`refusing to overwrite ${dest}`, "EEXIST", false);

  let linked = false;
  try {
    await link(src, dest);
    linked = true;
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EXDEV") {
      // A copy of a file still being written would be cut short (the writer's later bytes go
      // to the unlinked source): copy only once it has been quiet for `quietMs`.
      if (!st.isSymbolicLink() && Date.now() - Number(st.mtimeMs) < quietMs) {
        throw new MoveError(`${name} is still being written; it is moved to quarantine on another filesystem once complete`, "EGROWING", true);
      }
      return crossDevice(src, name, dest, st.isSymbolicLink(), expected, failpointPrefix);
    }
    if (code === "EPERM" || code === "ENOTSUP" || code === "EOPNOTSUPP" || code === "EMLINK") {
      // Filesystems without hard links (some FUSE and SMB mounts): rename, having checked dest is free.
      if (await exists(dest)) throw new MoveError(`refusing to overwrite ${dest}`, "EEXIST", false);
      try {
        await rename(src, dest);
      } catch (err2) {
        throw asMoveError(name, err2);
      }
      await fsyncDir(path.dirname(dest));
      await fsyncDir(parentOf(src));
      return { method: "rename" };
    }
    throw asMoveError(name, err, "quarantine");
  }
  if (linked) {
    failpoint(`${failpointPrefix}:after-link`);
    await fsyncDir(path.dirname(dest));
    await removeSource(src, dest, name);
  }
  return { method: "link" };
}

/**
 * The last step of every move: the source's name goes, durably. When it cannot (an
 * append-only or read-only deliverables folder), the name just made in quarantine (a link,
 * a link's copy, or a complete copy) is taken back, so the file stays in one place and the
 * retry does not add another name to it.
 */
async function removeSource(src: string | Buffer, dest: string, name: string): Promise<void> {
  try {
    await unlink(src);
  } catch (err) {
    await undoPlaced(dest, src);
    throw asMoveError(name, err, "source", `cannot remove ${name} from its folder`);
  }
  await fsyncDir(parentOf(src));
}

/**
 * Take back a name made in quarantine (a link or a complete copy) whose source could not be
 * removed. Only while the source is still there: if it went meanwhile (someone else removed
 * it, so the unlink failed with ENOENT), the quarantined name is the only one left and stays.
 */
async function undoPlaced(dest: string, src: string | Buffer): Promise<void> {
  try {
    await lstat(src);
  } catch {
    return;
  }
  try {
    await unlink(dest);
    await fsyncDir(path.dirname(dest));
  } catch {
    // It stays: the row stays stuck, and its next attempt (inspect) finds the same file in both places.
  }
}

function parentOf(p: string | Buffer): string | Buffer {
  if (typeof p === "string") return path.dirname(p);
  const i = p.lastIndexOf(0x2f);
  return i <= 0 ? Buffer.from("/") : p.subarray(0, i);
}

/**
 * Only a file that is gone is not worth retrying; every other failure (busy, read-only,
 * full, permission, I/O) may clear, and the move is retried with backoff: never given up
 * and planned again, which made a new row and a new attempt per look.
 */
function asMoveError(name: string, err: unknown, side: MoveSide = "move", what = `cannot move ${name}`): MoveError {
  const code = errnoCode(err);
  const retriable = code !== "ENOENT";
  return new MoveError(`${what}: ${err instanceof Error ? err.message : String(err)}`, code, retriable, side);
}

async function crossDevice(src: string | Buffer, name: string, dest: string, isLink: boolean, expected: Expected, fp: string): Promise<MoveResult> {
  if (isLink) {
    const target = await readlink(src);
    try {
      await symlink(target, dest); // fails with EEXIST rather than overwrite
      await fsyncDir(path.dirname(dest));
    } catch (err) {
      throw asMoveError(name, err, "quarantine");
    }
    await removeSource(src, dest, name);
    return { method: "symlink-copy" };
  }
  const tmp = `${dest}.partial`;
  let out;
  try {
    out = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
  } catch (err) {
    throw asMoveError(name, err, "quarantine");
  }
  let side: MoveSide = "source";
  const srcHash = createHash("sha256");
  let changedWhileCopied = false;
  let copiedStat: { size: bigint; mtimeNs: bigint; ctimeNs: bigint; ino: bigint } | null = null;
  try {
    const input = await open(src, constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK);
    try {
      const before = await input.stat({ bigint: true });
      const buf = Buffer.allocUnsafe(CHUNK);
      for (;;) {
        side = "source";
        const { bytesRead } = await input.read(buf, 0, buf.length, null);
        if (bytesRead === 0) break;
        const part = buf.subarray(0, bytesRead);
        srcHash.update(part);
        side = "quarantine";
        await out.write(part);
        if (bytesRead === buf.length) failpoint(`${fp}:mid-copy`); // more to come: a large file half copied
      }
      const after = await input.stat({ bigint: true });
      changedWhileCopied = before.size !== after.size || before.mtimeNs !== after.mtimeNs || before.ctimeNs !== after.ctimeNs;
      copiedStat = after;
      // The copy keeps the file's permissions (a file made unreadable in place gets its own back later).
      side = "quarantine";
      await out.chmod(Number(before.mode) & 0o7777);
    } finally {
      await input.close();
    }
    await out.sync();
  } catch (err) {
    await out.close().catch(() => undefined);
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asMoveError(name, err, side);
  }
  try {
    await out.close(); // a delayed write error (a full disk) can surface here
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asMoveError(name, err, "quarantine");
  }
  failpoint(`${fp}:after-copy`);
  const copied = srcHash.digest("hex");
  const reread = await hashOf(tmp);
  // A file still being written cannot be copied whole yet: retried until it is stable.
  if (changedWhileCopied || reread !== copied) {
    await rm(tmp, { force: true });
    throw new MoveError(`${name} changed while it was copied to quarantine (still being written?); retrying`, "EGROWING", true);
  }
  try {
    await link(tmp, dest); // never overwrites
    await unlink(tmp);
    await fsyncDir(path.dirname(dest));
  } catch (err) {
    await rm(tmp, { force: true }).catch(() => undefined);
    throw asMoveError(name, err, "quarantine");
  }
  failpoint(`${fp}:after-place`);
  const now = await lstat(src, { bigint: true });
  if (expected.ino !== null && String(now.ino) !== expected.ino) {
    throw new MoveError(`${name} was replaced while it was copied; the copy is in quarantine, the new file stays to be judged`, "ECHANGED", false);
  }
  // The last look before the source goes: a writer that appended since the copy would
  // lose those bytes. The incomplete copy is taken back (the source holds everything).
  if (copiedStat && (now.size !== copiedStat.size || now.mtimeNs !== copiedStat.mtimeNs || now.ino !== copiedStat.ino)) {
    await unlink(dest);
    await fsyncDir(path.dirname(dest));
    throw new MoveError(`${name} grew after it was copied (still being written); it stays until it is complete`, "EGROWING", true);
  }
  await removeSource(src, dest, name);
  return { method: "copy" };
}

export async function hashOf(p: string | Buffer): Promise<string> {
  const fh = await open(p, constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    const hash = createHash("sha256");
    const buf = Buffer.allocUnsafe(CHUNK);
    for (;;) {
      const { bytesRead } = await fh.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      hash.update(buf.subarray(0, bytesRead));
    }
    return hash.digest("hex");
  } finally {
    await fh.close();
  }
}

/** Write a small file atomically (src/adapters/fs/durable.ts). */
export { writeDurable as writeFileDurable } from "./durable.js";
