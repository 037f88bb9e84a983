// The one way prov writes a file that must never be seen half-written (receipts, reports,
// ASC MHL generations, the config): a temporary name beside it (exclusive create), the
// bytes, fsync, then into place (rename, or link when an existing file must never be
// replaced), then fsync of the folder so the name survives a power cut. An fsync that fails
// is an error, never ignored: a write that is not durable is not reported as done.

import { randomBytes } from "node:crypto";
import { constants } from "node:fs";
import { link, lstat, open, rename, unlink, type FileHandle } from "node:fs/promises";
import path from "node:path";
import { errnoCode } from "../../errors.js";

export interface DurableOptions {
  /** Never replace an existing file: fail with EEXIST instead. */
  exclusive?: boolean;
  mode?: number;
}

/** fsync a folder, so renames and unlinks in it are on disk. */
export async function syncDir(dir: string | Buffer): Promise<void> {
  const fh = await open(dir, constants.O_RDONLY | constants.O_DIRECTORY);
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export interface DurableFile {
  /** The open temporary file (write to it, or stream through its descriptor). */
  readonly handle: FileHandle;
  readonly tmp: string;
  /** fsync, put in place, fsync the folder. */
  commit(): Promise<void>;
  /** Give up: the temporary file goes, the destination is untouched. */
  abort(): Promise<void>;
}

export async function openDurable(final: string, opts: DurableOptions = {}): Promise<DurableFile> {
  const dir = path.dirname(final);
  const tmp = path.join(dir, `.${path.basename(final)}.${process.pid}.${randomBytes(4).toString("hex")}.tmp`);
  const handle = await open(tmp, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, opts.mode ?? 0o644);
  let closed = false;
  const close = async (): Promise<void> => {
    if (!closed) {
      closed = true;
      await handle.close();
    }
  };
  return {
    handle,
    tmp,
    async commit() {
      try {
        await handle.sync();
        await close();
        if (opts.exclusive) await placeExclusive(tmp, final);
        else await rename(tmp, final);
        await syncDir(dir);
      } catch (err) {
        await close().catch(() => undefined);
        await unlink(tmp).catch(() => undefined);
        throw err;
      }
    },
    async abort() {
      await close().catch(() => undefined);
      await unlink(tmp).catch(() => undefined);
    },
  };
}

/** link() never replaces; filesystems without hard links get check-then-rename. */
async function placeExclusive(tmp: string, final: string): Promise<void> {
  try {
    await link(tmp, final);
    await unlink(tmp);
  } catch (err) {
    const code = errnoCode(err);
    if (code === "EEXIST") throw err;
    if (code !== "EPERM" && code !== "ENOTSUP" && code !== "EOPNOTSUPP" && code !== "ENOSYS" && code !== "EMLINK" && code !== "EXDEV") throw err;
    const exists = await lstat(final).then(() => true, () => false);
    if (exists) throw Object.assign(new Error(`${final} already exists`), { code: "EEXIST" });
    await rename(tmp, final);
  }
}

/** Write a whole file durably. */
export async function writeDurable(final: string, data: string | Uint8Array, opts: DurableOptions = {}): Promise<void> {
  const f = await openDurable(final, opts);
  try {
    await f.handle.writeFile(data);
  } catch (err) {
    await f.abort();
    throw err;
  }
  await f.commit();
}
