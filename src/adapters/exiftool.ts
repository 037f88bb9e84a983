// The only module that talks to ExifTool. One long-lived exiftool-vendored instance,
// always the bundled ExifTool (never a system one: Debian's 12.57 misses C2PA in most
// formats), reading many files per call.

import { mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExifTool, ExifToolTask } from "exiftool-vendored";
import type { FileMetadata, MetadataReader as MetadataPort, MetadataRequest, MetadataResult } from "../ports.js";

export type { FileMetadata, MetadataResult } from "../ports.js";
import { errorMessage, InternalError } from "../domain/errors.js";
import { log } from "../log.js";

/**
 * Read arguments. Deliberately without -fast (it hides the C2PA chunk stored after the
 * audio in WAV), with -G3:1 (each C2PA manifest is its own document, so duplicate tags
 * from ingredients do not collapse) and -struct (C2PA actions stay objects). -e (no
 * Composite tags) and -n (raw values, no print conversion) drop work prov never uses:
 * together they make ExifTool about 3x faster per small file, and raw values are what the
 * evidence rules match anyway (DigitalSourceType URIs, generator text). The System group
 * (file name, dates, permissions) is what prov reads from the filesystem itself.
 */
const READ_ARGS = ["-json", "-struct", "-G3:1", "-e", "-n", "-charset", "filename=utf8", "-api", "largefilesupport=1", "-api", "IgnoreGroups=System"];
/** ImageDataHash: SHA-256 of the image/audio/video data alone, which survives label stripping. */
const MEDIA_HASH_ARGS = ["-api", "imagehashtype=SHA256", "-api", "requesttags=imagedatahash"];

export interface MetadataReaderOptions {
  maxProcs?: number;
  /** Per ExifTool call; a call that times out is retried one file at a time. */
  timeoutMs?: number;
  /** Files larger than this are read without ImageDataHash (it re-reads the whole essence in Perl). */
  mediaHashMaxBytes?: number;
}

class BatchReadTask extends ExifToolTask<Record<string, unknown>[]> {
  constructor(args: string[]) {
    super(args);
  }
  protected parse(data: string, err?: Error): Record<string, unknown>[] {
    const text = data.trim();
    // Per-file errors are in each record; stderr ("File not found") only matters if nothing came back.
    if (text === "") {
      if (err) throw err;
      return [];
    }
    const parsed: unknown = JSON.parse(text);
    if (!Array.isArray(parsed)) throw new Error("ExifTool returned JSON that is not an array");
    return parsed as Record<string, unknown>[];
  }
}

function vendoredExiftoolPath(): string {
  try {
    const require = createRequire(import.meta.url);
    const mod = require("exiftool-vendored.pl") as string | { default?: string };
    const p = typeof mod === "string" ? mod : mod.default;
    if (typeof p === "string") return p;
  } catch {
    // fall through to the error below
  }
  throw new InternalError(
    "the bundled ExifTool (npm package exiftool-vendored.pl) is missing; run `npm ci` again. prov never uses a system exiftool.",
  );
}

/** Paths ExifTool's argument file or Perl's open could misread are passed through a symlink. */
function needsAlias(p: string): boolean {
  return /[\x00-\x1f\x7f|]/.test(p) || /^\s|\s$/.test(path.basename(p));
}

export class MetadataReader implements MetadataPort {
  private et: ExifTool;
  private readonly opts: Required<MetadataReaderOptions>;
  private aliasDir: string | null = null;
  private aliasCounter = 0;
  private version: string | null = null;

  constructor(opts: MetadataReaderOptions = {}) {
    this.opts = {
      maxProcs: opts.maxProcs ?? 2,
      timeoutMs: opts.timeoutMs ?? 120_000,
      mediaHashMaxBytes: opts.mediaHashMaxBytes ?? 256 * 1024 ** 2,
    };
    this.et = this.create();
  }

  private create(): ExifTool {
    return new ExifTool({
      exiftoolPath: vendoredExiftoolPath(),
      maxProcs: this.opts.maxProcs,
      taskTimeoutMillis: this.opts.timeoutMs,
      // batch-cluster refuses a process age below the task timeout (its default is 5 min,
      // so any timeout over 5 min was an internal error); recycle after twice the timeout.
      maxProcAgeMillis: Math.max(5 * 60_000, 2 * this.opts.timeoutMs),
      taskRetries: 0, // we retry ourselves, one file at a time, so one bad file is isolated
      maxTasksPerProcess: 1000,
      // batch-cluster waits 1.5 s before spawning a second process by default: a scan of a
      // few thousand files would run on one process for much of its time.
      minDelayBetweenSpawnMillis: 0,
      readArgs: [],
      checkPerl: true,
    });
  }

  /** The process pool ends for good after repeated failures (exiftool-vendored #312): make a new one. */
  private instance(): ExifTool {
    if (this.et.ended) {
      log.warn("ExifTool process pool had ended; starting a new one");
      this.et = this.create();
    }
    return this.et;
  }

  async exiftoolVersion(): Promise<string> {
    this.version ??= await this.instance().version();
    return this.version;
  }

  /**
   * Read metadata of many files in one ExifTool call. Results are in the order of
   * `files`. A call that fails as a whole is retried file by file, so a file that hangs
   * or crashes ExifTool gets its own failure and the others are still read.
   */
  async readMany(files: readonly MetadataRequest[]): Promise<MetadataResult[]> {
    if (files.length === 0) return [];
    const withHash = files.every((f) => f.size <= this.opts.mediaHashMaxBytes);
    try {
      return await this.readBatch(files, withHash);
    } catch (err) {
      if (files.length === 1) return [{ ok: false, reason: `ExifTool failed: ${errorMessage(err)}` }];
      log.debug("ExifTool batch failed; retrying one file at a time", { files: files.length, error: errorMessage(err) });
      const out: MetadataResult[] = [];
      for (const f of files) out.push(...(await this.readMany([f])));
      return out;
    }
  }

  private async readBatch(files: readonly MetadataRequest[], withHash: boolean): Promise<MetadataResult[]> {
    const version = await this.exiftoolVersion();
    const aliases: string[] = [];
    const args = [...READ_ARGS, ...(withHash ? MEDIA_HASH_ARGS : [])];
    const sent = files.map((f) => {
      // A name that is not UTF-8 (raw bytes) or that ExifTool could misread goes through a private symlink.
      if (f.raw) {
        const alias = this.alias(f.raw, f.path);
        aliases.push(alias);
        return alias;
      }
      const abs = path.resolve(f.path);
      if (!needsAlias(abs)) return abs;
      const alias = this.alias(abs, abs);
      aliases.push(alias);
      return alias;
    });
    try {
      const records = await this.instance().enqueueTask(() => new BatchReadTask([...args, ...sent]), false);
      const bySource = new Map<string, Record<string, unknown>>();
      for (const r of records) if (typeof r["SourceFile"] === "string") bySource.set(r["SourceFile"], r);
      return sent.map((p): MetadataResult => {
        const r = bySource.get(p);
        if (!r) return { ok: false, reason: "ExifTool returned nothing for this file (did it vanish?)" };
        return { ok: true, metadata: toMetadata(r, version) };
      });
    } finally {
      for (const a of aliases) rmSync(a, { force: true });
    }
  }

  private alias(target: string | Buffer, shown: string): string {
    this.aliasDir ??= mkdtempSync(path.join(tmpdir(), "prov-exiftool-"));
    const ext = /\.[A-Za-z0-9]{1,10}$/.exec(shown)?.[0] ?? "";
    const alias = path.join(this.aliasDir, `${++this.aliasCounter}${ext}`);
    symlinkSync(target, alias);
    return alias;
  }

  /** Process ids of the running ExifTool processes (for the watcher's crash clean-up). */
  pids(): number[] {
    return this.et.ended ? [] : this.et.pids;
  }

  /**
   * Ends ExifTool processes a killed watcher left behind (pids from its last heartbeat).
   * ExifTool quits by itself when its pipe closes, unless it is stuck in a file that hangs
   * it; those would run forever. Each pid must still be this reader's ExifTool (the
   * bundled script with -stay_open) and must not be a child of this process: a pid the
   * system reused for something else is never touched. Returns the pids ended.
   */
  endOrphans(pids: readonly number[]): number[] {
    const ended: number[] = [];
    const script = realpathSync(vendoredExiftoolPath());
    const sameFile = (p: string | undefined): boolean => {
      try {
        return p !== undefined && realpathSync(p) === script;
      } catch {
        return false;
      }
    };
    for (const pid of pids) {
      if (!Number.isInteger(pid) || pid <= 1 || this.pids().includes(pid)) continue;
      try {
        const argv = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
        if (!sameFile(argv[1]) || !argv.includes("-stay_open")) continue;
        const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
        const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
        if (ppid === process.pid) continue;
        process.kill(pid, "SIGKILL");
        ended.push(pid);
      } catch {
        // gone already, or not ours to read or end
      }
    }
    return ended;
  }

  async end(): Promise<void> {
    await this.et.end();
    if (this.aliasDir) rmSync(this.aliasDir, { recursive: true, force: true });
  }
}

function toMetadata(r: Record<string, unknown>, version: string): FileMetadata {
  const warnings: string[] = [];
  let error: string | null = null;
  for (const [k, v] of Object.entries(r)) {
    if (/(^|:)Warning$/.test(k)) warnings.push(String(v));
    else if (/(^|:)Error$/.test(k)) error = String(v);
  }
  const s = (k: string): string | null => (typeof r[k] === "string" ? (r[k] as string) : null);
  return {
    tags: r,
    fileType: s("File:FileType"),
    mimeType: s("File:MIMEType"),
    mediaHash: s("File:ImageDataHash"),
    warnings,
    error,
    exiftoolVersion: version,
  };
}
