// Where a report goes: stdout, or a file written atomically (a temporary file beside it,
// fsynced, then renamed), so a pipeline never reads half a report. Also a spool: rows
// that a format needs after its summary (HTML, JUnit) wait in a temporary file, not in
// memory, so memory stays flat at 100,000 files.

import { once } from "node:events";
import { createReadStream, createWriteStream, rmSync, type WriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import type { Writable } from "node:stream";
import { InputError } from "../../domain/errors.js";
import { describeFsError } from "../../errors.js";
import { openDurable, type DurableFile } from "../fs/durable.js";

/** Write buffer: large, so 100,000 rows are a few hundred writes, not thousands of waits. */
const BUFFER = 1024 * 1024;

export interface Sink {
  write(text: string): Promise<void>;
  /** Copy a spool's contents into the sink. */
  append(spool: Spool): Promise<void>;
  /** Copy a file's bytes into the sink (the PDF Chromium printed). */
  appendFile(file: string): Promise<void>;
  /** Finish: flush, fsync and rename into place (file), or just flush (stdout). */
  close(): Promise<void>;
  /** Give up: remove the temporary file; the destination is untouched. */
  abort(): Promise<void>;
}

async function writeTo(stream: Writable, text: string | Buffer): Promise<void> {
  if (stream.errored) throw stream.errored;
  if (!stream.write(text)) await once(stream, "drain");
}

/**
 * A stream's errors (disk full) are kept on the stream and thrown at the next write or
 * at the end, never left as an unhandled 'error' event that ends the process.
 */
function keepErrors<T extends Writable>(stream: T): T {
  stream.on("error", () => {});
  return stream;
}

/** A report that cannot be written is the user's to fix (disk full, permissions): exit 2. */
async function reporting<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof InputError) throw err;
    throw new InputError(`cannot write ${what}: ${describeFsError(err)}`, { cause: err });
  }
}

async function appendTo(stream: Writable, spool: Spool): Promise<void> {
  await spool.flush();
  await copyInto(stream, spool.file);
}

async function copyInto(stream: Writable, file: string): Promise<void> {
  for await (const chunk of createReadStream(file, { highWaterMark: BUFFER })) await writeTo(stream, chunk as Buffer);
}

export function stdoutSink(): Sink {
  return {
    write: (text) => writeTo(process.stdout, text),
    append: (spool) => appendTo(process.stdout, spool),
    appendFile: (file) => copyInto(process.stdout, file),
    close: async () => {},
    abort: async () => {},
  };
}

/**
 * Open `out` for an atomic write. Fails with a InputError naming the file before any
 * work is done when its folder is missing or not writable.
 */
export async function fileSink(out: string): Promise<Sink> {
  const dest = path.resolve(out);
  // Caught now, not after a long sweep when the rename would fail.
  if ((await stat(dest).catch(() => null))?.isDirectory()) throw new InputError(`cannot write report ${out}: it is a directory (give a file name)`);
  let file: DurableFile;
  try {
    file = await openDurable(dest);
  } catch (err) {
    throw new InputError(`cannot write report ${out}: ${describeFsError(err)}`);
  }
  const stream = keepErrors(createWriteStream("", { fd: file.handle.fd, autoClose: false, highWaterMark: BUFFER }));
  let finished = false;
  // Interrupted (Ctrl-C): leave no half report behind; the destination was never touched.
  const cleanup = (): void => rmSync(file.tmp, { force: true });
  process.once("exit", cleanup);
  const what = `report ${out}`;
  return {
    write: (text) => reporting(what, () => writeTo(stream, text)),
    append: (spool) => reporting(what, () => appendTo(stream, spool)),
    appendFile: (f) => reporting(what, () => copyInto(stream, f)),
    close: () => reporting(what, async () => {
      if (stream.errored) throw stream.errored;
      const done = once(stream, "finish");
      stream.end();
      await done;
      finished = true;
      try {
        await file.commit();
      } finally {
        process.off("exit", cleanup);
      }
    }),
    abort: async () => {
      if (!finished) stream.destroy();
      await file.abort();
      process.off("exit", cleanup);
    },
  };
}

export function openSink(out: string | null | undefined): Promise<Sink> {
  return out ? fileSink(out) : Promise.resolve(stdoutSink());
}

/** Spool folders not yet disposed of: removed if the process exits first (Ctrl-C). */
const spoolDirs = new Set<string>();
process.on("exit", () => {
  for (const dir of spoolDirs) rmSync(dir, { recursive: true, force: true });
});

/** A temporary append-only file for rows a report writes after its summary. */
export class Spool {
  private stream: WriteStream | null = null;
  private dir: string | null = null;
  file = "";

  private ready: Promise<WriteStream> | null = null;

  /** Created on first use; one promise, so concurrent first writes share one file. */
  private ensure(): Promise<WriteStream> {
    this.ready ??= mkdtemp(path.join(os.tmpdir(), "prov-report-")).then((dir) => {
      this.dir = dir;
      spoolDirs.add(dir);
      this.file = path.join(dir, "rows");
      this.stream = keepErrors(createWriteStream(this.file, { highWaterMark: BUFFER }));
      return this.stream;
    });
    return this.ready;
  }

  /** Synchronous while the stream takes more (most rows); a promise only to wait for a drain. */
  write(text: string): Promise<void> | void {
    const s = this.stream;
    if (!s || s.errored) return reporting("temporary report rows (TMPDIR)", () => this.ensure().then((st) => writeTo(st, text)));
    if (s.write(text)) return;
    return reporting("temporary report rows (TMPDIR)", () => once(s, "drain").then(() => {}));
  }

  async flush(): Promise<void> {
    const s = await this.ensure();
    if (s.errored) throw s.errored;
    if (s.writableFinished) return;
    const done = once(s, "finish");
    if (!s.writableEnded) s.end();
    await reporting("temporary report rows (TMPDIR)", () => done);
  }

  async dispose(): Promise<void> {
    this.stream?.destroy();
    if (this.dir) {
      await rm(this.dir, { recursive: true, force: true });
      spoolDirs.delete(this.dir);
    }
  }
}
