// The only module that talks to ExifTool. One long-lived exiftool-vendored instance,
// always the bundled ExifTool (never a system one: Debian's 12.57 misses C2PA in most
// formats), reading many files per call.

import { spawn } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import path from "node:path";
import { ExifTool, ExifToolTask } from "exiftool-vendored";
import type { FileMetadata, MetadataReader as MetadataPort, MetadataRequest, MetadataResult, ReadProgress } from "../ports.js";

export type { FileMetadata, MetadataResult } from "../ports.js";
import { errorMessage, InternalError } from "../domain/errors.js";
import { OVER_BUDGET } from "../domain/gate-policy.js";
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
const READ_ARGS = ["-json", "-struct", "-G3:1", "-e", "-n", "-charset", "filename=utf8", "-api", "largefilesupport=1", "-api", "IgnoreGroups=System", "-api", "StructFormat=JSONQ"];
/** ImageDataHash: SHA-256 of the image/audio/video data alone, which survives label stripping. */
const MEDIA_HASH_ARGS = ["-api", "imagehashtype=SHA256", "-api", "requesttags=imagedatahash"];

export interface MetadataReaderOptions {
  maxProcs?: number;
  /**
   * The time budget of one file's metadata (budgets.metadataSeconds), and of each ExifTool
   * call: a call of many files that runs over it is retried one file at a time, so only the
   * slow file is over budget.
   */
  timeoutMs?: number;
  /** Files larger than this are read without ImageDataHash (it re-reads the whole essence in Perl). */
  mediaHashMaxBytes?: number;
  /** Longest tag value considered (budgets.maxTagBytes); longer ones are cut and the file is over budget. */
  maxTagBytes?: number;
}

export { OVER_BUDGET };

/**
 * ExifTool's output of one call that is never held: past it the call fails (a string this
 * long is near V8's limit, and JSON.parse needs several times its size).
 */
const MAX_OUTPUT_BYTES = 256 * 1024 ** 2;

class OutputTooLargeError extends Error {}

/** The "{ready}" token ExifTool prints after each -execute, which ends a task (exiftool-vendored's `pass`). */
const READY = Buffer.from("{ready}");

class BatchReadTask extends ExifToolTask<Record<string, unknown>[]> {
  private readonly parts: Buffer[] = [];
  private bytes = 0;
  private tail: Buffer = Buffer.alloc(0);
  private tooLarge = false;
  constructor(args: string[]) {
    super(args);
  }
  /**
   * batch-cluster's Task appends each chunk of stdout to one string and searches all of it
   * for the ready token after every chunk: quadratic, over a minute for a 100 MB tag value.
   * Here chunks are kept as they come, only the new bytes (and the few before them) are
   * searched, and the whole is handed over once, when the token has come. Output past
   * MAX_OUTPUT_BYTES is dropped (still read up to the token, so the process stays in step)
   * and the call fails.
   */
  override onStdout(buf: string | Buffer): void {
    const b = typeof buf === "string" ? Buffer.from(buf) : buf;
    const edge = Buffer.concat([this.tail, b.subarray(0, READY.length - 1)]);
    const done = edge.includes(READY) || b.includes(READY);
    const keep = Buffer.concat([this.tail, b.subarray(-(READY.length - 1))]);
    this.tail = keep.subarray(-(READY.length - 1));
    if (!this.tooLarge) {
      this.parts.push(b);
      this.bytes += b.length;
      if (this.bytes > MAX_OUTPUT_BYTES) {
        this.tooLarge = true;
        this.parts.length = 0;
      }
    }
    if (!done) return;
    const all = this.tooLarge ? READY : Buffer.concat(this.parts, this.bytes);
    this.parts.length = 0;
    super.onStdout(all);
  }
  protected parse(data: string, err?: Error): Record<string, unknown>[] {
    if (this.tooLarge) throw new OutputTooLargeError(`its metadata is larger than ${MAX_OUTPUT_BYTES / 1024 ** 2} MiB as text`);
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

/**
 * util-linux's setpriv, where the system has it (every Linux distribution's base system):
 * ExifTool is started through `setpriv --pdeathsig KILL`, which sets the kernel's
 * parent-death signal and then execs ExifTool in place (same pid). When the watcher dies
 * by any means, kill -9 included, the kernel kills its ExifTool processes at once; a Perl
 * stuck in a file would otherwise never notice its pipes close. Elsewhere `endOrphans`
 * (the pids of the last heartbeat) is what is left.
 */
const SETPRIV = process.platform === "linux" ? ["/usr/bin/setpriv", "/bin/setpriv"].find((p) => existsSync(p)) ?? null : null;

/** ExifTool's stay-open arguments, as exiftool-vendored passes them (its DefaultExiftoolArgs). */
const STAY_OPEN_ARGS = ["-stay_open", "True", "-@", "-"];

/** Starts one ExifTool so that it dies with this process (see SETPRIV). */
function spawnOwnedExiftool(exiftoolPath: string) {
  const opts = { stdio: "pipe" as const, shell: false, detached: false, env: { ...process.env, LANG: "C" } };
  return SETPRIV
    ? spawn(SETPRIV, ["--pdeathsig", "KILL", "--", exiftoolPath, ...STAY_OPEN_ARGS], opts)
    : spawn(exiftoolPath, STAY_OPEN_ARGS, opts);
}

/** Paths ExifTool's argument file or Perl's open could misread are passed through a symlink. */
function needsAlias(p: string): boolean {
  return /[\x00-\x1f\x7f|]/.test(p) || /^\s|\s$/.test(path.basename(p));
}

/**
 * How long a call of many files may take before it is given up as held up by one slow file
 * and its files are read one at a time instead. Shorter than the budget, so the files that
 * happened to share a call with a hostile one wait seconds, not the whole budget; a file
 * is over budget only when it alone, in a process of its own, runs over the budget.
 */
const QUICK_MS = 10_000;

type Pool = "quick" | "budget";

export class MetadataReader implements MetadataPort {
  private et: ExifTool;
  /** The pool whose calls run the whole budget: the last read of a file that timed out in the quick one. */
  private slow: ExifTool | null = null;
  private readonly opts: Required<MetadataReaderOptions>;
  private aliasDir: string | null = null;
  private aliasCounter = 0;
  private version: string | null = null;

  constructor(opts: MetadataReaderOptions = {}) {
    this.opts = {
      maxProcs: opts.maxProcs ?? 2,
      timeoutMs: opts.timeoutMs ?? 60_000,
      mediaHashMaxBytes: opts.mediaHashMaxBytes ?? 256 * 1024 ** 2,
      maxTagBytes: opts.maxTagBytes ?? DEFAULT_MAX_TAG_BYTES,
    };
    this.et = this.create(Math.min(QUICK_MS, this.opts.timeoutMs));
  }

  private create(timeoutMs: number): ExifTool {
    const exiftoolPath = vendoredExiftoolPath();
    return new ExifTool({
      exiftoolPath,
      processFactory: () => spawnOwnedExiftool(exiftoolPath),
      maxProcs: this.opts.maxProcs,
      // On timeout batch-cluster rejects the task and ends its process (a Perl stuck in a
      // file stops there and then); the next call gets a new process.
      taskTimeoutMillis: timeoutMs,
      // batch-cluster refuses a process age below the task timeout (its default is 5 min,
      // so any timeout over 5 min was an internal error); recycle after twice the timeout.
      maxProcAgeMillis: Math.max(5 * 60_000, 2 * timeoutMs),
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
  private instance(pool: Pool = "quick"): ExifTool {
    if (pool === "budget") {
      if (!this.slow || this.slow.ended) this.slow = this.create(this.opts.timeoutMs);
      return this.slow;
    }
    if (this.et.ended) {
      log.warn("ExifTool process pool had ended; starting a new one");
      this.et = this.create(Math.min(QUICK_MS, this.opts.timeoutMs));
    }
    return this.et;
  }

  async exiftoolVersion(): Promise<string> {
    this.version ??= await this.instance().version();
    return this.version;
  }

  /**
   * Read metadata of many files in one ExifTool call. Results are in the order of
   * `files`. A call that fails as a whole (a file that hangs or crashes ExifTool, or a
   * call past QUICK_MS) is retried one file at a time, all of them at once on every
   * process, so only the bad file gets the failure and the others are still read. A file
   * that alone runs past QUICK_MS (or the budget, when less) is read once more in a pool of
   * its own with the whole time budget (budgets.metadataSeconds); past that it is over
   * budget. (Twice, so a file read while the machine is starved is not over budget by bad luck.)
   */
  async readMany(files: readonly MetadataRequest[], progress: ReadProgress = {}): Promise<MetadataResult[]> {
    const each = (i: number, r: MetadataResult): MetadataResult => {
      tell(() => progress.onEach?.(i, r));
      return r;
    };
    let quick = files.length;
    const quickDone = (): void => {
      if (--quick === 0) tell(() => progress.onQuickDone?.());
    };
    if (files.length === 0) {
      tell(() => progress.onQuickDone?.());
      return [];
    }
    if (files.length === 1) return [each(0, await this.readOne(files[0]!, quickDone))];
    const withHash = files.every((f) => f.size <= this.opts.mediaHashMaxBytes && f.mediaHash !== false);
    try {
      const results = await this.readBatch(files, withHash, "quick");
      results.forEach((r, i) => each(i, r));
      quick = 1;
      quickDone();
      return results;
    } catch (err) {
      log.debug("ExifTool batch failed; retrying one file at a time", { files: files.length, error: errorMessage(err) });
      return Promise.all(files.map(async (f, i) => each(i, await this.readOne(f, quickDone))));
    }
  }

  /** One file: in the quick pool, then (if it timed out there) alone in the budget pool. `quickDone` once the first try is over. */
  private async readOne(f: MetadataRequest, quickDone: () => void): Promise<MetadataResult> {
    const withHash = f.size <= this.opts.mediaHashMaxBytes && f.mediaHash !== false;
    let first: MetadataResult | null = null;
    try {
      first = (await this.readBatch([f], withHash, "quick"))[0]!;
    } catch (err) {
      // Timed out beside the other retried files of its call: once more in the pool of its own.
      if (!isTimeout(err)) first = { ok: false, reason: this.failure(err) };
    }
    quickDone();
    if (first) return first;
    try {
      return (await this.readBatch([f], withHash, "budget"))[0]!;
    } catch (err) {
      return { ok: false, reason: this.failure(err) };
    }
  }

  /** Why one file could not be read: over a budget, or ExifTool failed on it. */
  private failure(err: unknown): string {
    if (err instanceof OutputTooLargeError) return `${OVER_BUDGET}: ${err.message}`;
    if (isTimeout(err)) return `${OVER_BUDGET}: ExifTool did not finish reading its metadata within ${this.opts.timeoutMs / 1000} s (budgets.metadataSeconds)`;
    return `ExifTool failed: ${errorMessage(err)}`;
  }

  private async readBatch(files: readonly MetadataRequest[], withHash: boolean, pool: Pool): Promise<MetadataResult[]> {
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
      const records = await this.instance(pool).enqueueTask(() => new BatchReadTask([...args, ...sent]), false);
      const bySource = new Map<string, Record<string, unknown>>();
      for (const r of records) if (typeof r["SourceFile"] === "string") bySource.set(r["SourceFile"], r);
      return sent.map((p): MetadataResult => {
        const r = bySource.get(p);
        if (!r) return { ok: false, reason: "ExifTool returned nothing for this file (did it vanish?)" };
        return { ok: true, metadata: toMetadata(r, version, this.opts.maxTagBytes) };
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
    return [this.et, this.slow].flatMap((et) => (et && !et.ended ? et.pids : []));
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
    await Promise.all([this.et.end(), this.slow?.end()]);
    if (this.aliasDir) rmSync(this.aliasDir, { recursive: true, force: true });
  }
}

/** Default of budgets.maxTagBytes (src/config.ts has the same). */
const DEFAULT_MAX_TAG_BYTES = 4 * 1024 ** 2;

function sizeText(bytes: number): string {
  return bytes >= 1024 ** 2 ? `${(bytes / 1024 ** 2).toFixed(1)} MiB` : bytes >= 1024 ? `${(bytes / 1024).toFixed(1)} KiB` : `${bytes} bytes`;
}

/**
 * Cuts every string in a tag value (nested in -struct objects and lists too) to `max`
 * UTF-16 units, a linear walk; the names of the tags cut. Evidence rules then never scan,
 * and the store never keeps, more than `max` of one value.
 */
function capValues(r: Record<string, unknown>, max: number): Array<{ tag: string; length: number }> {
  const cut: Array<{ tag: string; length: number }> = [];
  const cap = (v: unknown, tag: string, depth: number): unknown => {
    if (typeof v === "string") {
      if (v.length <= max) return v;
      cut.push({ tag, length: v.length });
      // A copy, not a slice: V8 keeps a slice's whole parent (100 MB) alive with it.
      return Buffer.from(v.slice(0, max), "utf8").toString("utf8");
    }
    if (depth > 64 || typeof v !== "object" || v === null) return v;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) v[i] = cap(v[i], tag, depth + 1);
      return v;
    }
    const o = v as Record<string, unknown>;
    for (const k of Object.keys(o)) o[k] = cap(o[k], tag, depth + 1);
    return o;
  };
  for (const k of Object.keys(r)) if (k !== "SourceFile") r[k] = cap(r[k], k, 0);
  return cut;
}

/** A caller's progress hook must not break the read. */
function tell(f: () => void): void {
  try {
    f();
  } catch (err) {
    log.warn(`metadata progress handler failed: ${errorMessage(err)}`);
  }
}

/** batch-cluster rejects a task past taskTimeoutMillis with "timeout: waited N ms". */
function isTimeout(err: unknown): boolean {
  return /^timeout\b/.test(errorMessage(err));
}

function toMetadata(r: Record<string, unknown>, version: string, maxTagBytes: number): FileMetadata {
  const warnings: string[] = [];
  let error: string | null = null;
  const cut = capValues(r, maxTagBytes);
  for (const [k, v] of Object.entries(r)) {
    if (/(^|:)Warning$/.test(k)) warnings.push(String(v));
    else if (/(^|:)Error$/.test(k)) error = String(v);
  }
  if (cut.length > 0) {
    const first = cut[0]!;
    const more = cut.length > 1 ? ` (and ${cut.length - 1} more tag${cut.length > 2 ? "s" : ""})` : "";
    // Only the start of the value was considered: a label further in is not seen, so the file is held, not allowed.
    error ??= `${OVER_BUDGET}: tag ${first.tag} is ${sizeText(first.length)}${more}, more than budgets.maxTagBytes (${sizeText(maxTagBytes)}); only its start was read`;
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
