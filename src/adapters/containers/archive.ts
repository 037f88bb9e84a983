// Archive members: list what is inside a zip, tar or gzip (tar.gz/tgz, or one gzipped
// file) and stream each regular member's bytes, so the gate can hash and sniff what a
// deliverables folder really holds. Nothing is ever written to disk: a member named
// "../../etc/passwd" is only a name to report.
//
// The input is hostile. Every size it declares is checked before anything is read, and
// every byte produced is counted against a budget; a zip's central directory is trusted
// over its local headers (which are only used to find where the data starts); nested
// archives are opened to a set depth, and a nested one that must be inflated into memory
// to be read is opened only up to a set size. What was not inspected is said, per member.
//
// No dependency: zip and tar are small formats, and owning the parsing is what lets every
// limit above be enforced where the bytes are read (yauzl and tar-stream would each need
// wrapping to add the budget, ratio and nesting rules, which is most of the code anyway).
// Node's zlib does the inflating.

import { open } from "node:fs/promises";
import { Readable } from "node:stream";
import zlib from "node:zlib";
import { latin1, startsWith, u16le, u32le, u64le } from "./bytes.js";
import { sniffContentType, SNIFF_HEAD_BYTES } from "./sniff.js";
import { CHUNK, FileSource, MemorySource, RandomReader, SliceSource, StreamReader, streamRange, type RandomAccess, type SeqReader } from "./source.js";

export interface MembersOptions {
  /** Archives inside archives are opened this many levels down; 0 opens none. */
  maxDepth?: number;
  /**
   * The most uncompressed bytes one listing may produce: handed to the caller, inflated
   * only to be skipped (tar.gz), or held in memory to list a nested archive.
   */
  maxTotalBytes?: number;
  /** The most members listed, at all levels together. */
  maxMembers?: number;
  /** The most a member (or a gzip stream) may inflate, as uncompressed:compressed, past 1 MiB. */
  maxRatio?: number;
  /** The largest nested archive held in memory when it cannot be read in place (it is compressed). */
  maxBufferBytes?: number;
}

export const DEFAULT_LIMITS: Readonly<Required<MembersOptions>> = Object.freeze({
  maxDepth: 2,
  maxTotalBytes: 16 * 1024 ** 3,
  maxMembers: 100_000,
  maxRatio: 100,
  maxBufferBytes: 64 * 1024 ** 2,
});

/** Below this many uncompressed bytes the ratio is not checked: tiny files compress absurdly well. */
const RATIO_FLOOR = 1024 * 1024;
/** A zip central directory larger than this is not read (100,000 members fit in about 10 MiB). */
const MAX_CENTRAL_DIRECTORY = 64 * 1024 * 1024;
/** A tar pax or GNU long-name header larger than this is corrupt or hostile. */
const MAX_TAR_META = 1024 * 1024;

export interface Member {
  /** The member's name as the archive stores it (decoded, never cleaned up). */
  name: string;
  /** The archive members this one is inside, outermost first; empty at the top level. */
  containers: readonly string[];
  /** Uncompressed size in bytes, as the archive declares it (for a lone gzip, its ISIZE, mod 2^32). */
  size: number;
  kind: "file" | "dir" | "link" | "other";
  linkTarget?: string;
  /** Why this member, or something inside it, was not inspected. */
  problem?: string;
  /** Things worth a look that did not stop inspection: an unsafe name, headers that disagree. */
  warnings?: string[];
  /** Not a member: bytes of the archive file that lie outside every member (hidden data). */
  outside?: true;
  /**
   * The member's bytes, streamed and checked (CRC, declared size) as they are read.
   * Present only when they can be read. Valid until the next member is asked for.
   */
  open?: () => AsyncIterable<Uint8Array>;
}

export type ArchiveProblem = "not-archive" | "corrupt" | "truncated" | "unsupported" | "too-large";

/** The archive (named by `where`: the file, then any members it is inside) cannot be read further. */
export class ArchiveError extends Error {
  constructor(
    readonly where: string,
    readonly reason: ArchiveProblem,
    message: string,
  ) {
    super(`${where}: ${message}`);
    this.name = "ArchiveError";
  }
}

/** A limit for the whole listing was reached (total bytes, member count): nothing after it is inspected. */
export class ArchiveLimitError extends ArchiveError {
  constructor(where: string, message: string) {
    super(where, "too-large", message);
    this.name = "ArchiveLimitError";
  }
}

interface Ctx {
  readonly limits: Readonly<Required<MembersOptions>>;
  readonly budget: Budget;
  readonly count: { n: number };
  readonly containers: readonly string[];
  readonly depth: number;
  /** For messages: the file, then the members it is inside, joined by " > ". */
  readonly where: string;
  /** Bumped each time a member is yielded; a member's open() checks it is still current. */
  readonly turn: { n: number; finished: boolean };
}

class Budget {
  used = 0;
  constructor(readonly max: number) {}
  get left(): number {
    return this.max - this.used;
  }
  take(n: number, where: string): void {
    this.used += n;
    if (this.used > this.max) {
      throw new ArchiveLimitError(where, `too large to inspect: more than ${this.max} bytes uncompressed in all (the maxTotalBytes limit)`);
    }
  }
}

/**
 * The members of a zip, tar, tar.gz/tgz or gzip file, nested archives included (their
 * members carry `containers`). Throws ArchiveError when the file is not such an archive or
 * is corrupt or cut short (naming what is wrong and where), ArchiveLimitError when a limit
 * for the whole listing is reached. A nested archive's errors do not end the listing: they
 * come as a record with `kind: "other"` and a `problem`, named after the nested archive.
 */
export async function* members(file: string, options: MembersOptions = {}): AsyncGenerator<Member, void, undefined> {
  const limits = { ...DEFAULT_LIMITS, ...definedOnly(options) };
  const fh = await open(file, "r");
  const turn = { n: 0, finished: false };
  try {
    const { size } = await fh.stat();
    const src = new FileSource(fh, size);
    const ctx: Ctx = { limits, budget: new Budget(limits.maxTotalBytes), count: { n: 0 }, containers: [], depth: 0, where: file, turn };
    const format = await archiveFormat(src);
    if (!format) {
      const type = sniffContentType(await src.read(0, SNIFF_HEAD_BYTES), undefined, size);
      throw new ArchiveError(file, "not-archive", `not a zip, tar or gzip file (its bytes say ${type.format === "unknown" ? "nothing known" : type.format})`);
    }
    yield* listSource(src, format, ctx, file);
  } finally {
    turn.finished = true;
    await fh.close();
  }
}

function definedOnly(o: MembersOptions): MembersOptions {
  const out: MembersOptions = {};
  for (const [k, v] of Object.entries(o) as Array<[keyof MembersOptions, number | undefined]>) {
    if (v === undefined) continue;
    if (!Number.isFinite(v) || v < 0) throw new RangeError(`${k} must be a number of 0 or more, not ${v}`);
    out[k] = v;
  }
  return out;
}

type ArchiveFormat = "zip" | "tar" | "gzip";

async function archiveFormat(src: RandomAccess): Promise<ArchiveFormat | null> {
  const head = await src.read(0, SNIFF_HEAD_BYTES);
  const format = formatOf(head);
  if (format) return format;
  // A zip with bytes in front (a self-extractor, or a zip appended to a picture) does not
  // start with a zip signature; its end record, in the last 64 KiB, still says it is one.
  if ((await findEndRecord(src, true)) !== null) return "zip";
  return null;
}

function formatOf(head: Uint8Array): ArchiveFormat | null {
  const f = sniffContentType(head).format;
  return f === "zip" || f === "tar" || f === "gzip" ? f : null;
}

function listSource(src: RandomAccess, format: ArchiveFormat, ctx: Ctx, name: string): AsyncGenerator<Member, void, undefined> {
  switch (format) {
    case "zip":
      return listZip(src, ctx);
    case "tar":
      return listTar(new RandomReader(src), ctx);
    case "gzip":
      return listGzip(src, ctx, name);
  }
}

/** Count a member against maxMembers and mark the start of its turn. */
function nextTurn(ctx: Ctx, name: string): number {
  ctx.count.n++;
  if (ctx.count.n > ctx.limits.maxMembers) {
    throw new ArchiveLimitError(ctx.where, `too many members: more than ${ctx.limits.maxMembers} (the maxMembers limit); "${name}" and those after it were not listed`);
  }
  return ++ctx.turn.n;
}

/** open() for a member: valid only during its turn. */
function guarded(ctx: Ctx, turn: number, name: string, read: () => AsyncIterable<Uint8Array>): () => AsyncIterable<Uint8Array> {
  return () => {
    if (ctx.turn.n !== turn || ctx.turn.finished) {
      throw new Error(`member "${name}" can no longer be read: open a member before asking for the next one`);
    }
    return read();
  };
}

/**
 * List a nested archive. Its corruption does not end the outer listing; it becomes a
 * record naming the nested archive. Whole-listing limits still end everything.
 */
async function* nested(src: RandomAccess, format: ArchiveFormat, name: string, ctx: Ctx): AsyncGenerator<Member, void, undefined> {
  const child: Ctx = { ...ctx, containers: [...ctx.containers, name], depth: ctx.depth + 1, where: `${ctx.where} > ${name}` };
  try {
    yield* listSource(src, format, child, name);
  } catch (err) {
    if (err instanceof ArchiveLimitError || !(err instanceof ArchiveError)) throw err;
    yield { name, containers: ctx.containers, size: src.size, kind: "other", problem: `the ${format} inside was not fully inspected: ${err.message}` };
  }
}

/** Is there an archive inside these first bytes, and may it be opened? */
function nestedPlan(head: Uint8Array, ctx: Ctx): { format: ArchiveFormat; problem?: string } | null {
  const format = formatOf(head);
  if (!format) return null;
  if (ctx.depth >= ctx.limits.maxDepth) {
    return { format, problem: `a ${format} inside, not inspected: archives nested deeper than ${ctx.limits.maxDepth} (the maxDepth limit) are not opened` };
  }
  return { format };
}

// ------------------------------------------------------------------------ names

/** Why a member name is unsafe to extract, or undefined. Reported, never acted on. */
export function unsafeName(name: string): string | undefined {
  if (name.includes("\0")) return "the name contains a NUL byte";
  if (/^([A-Za-z]:)?[\\/]/.test(name) || /^[A-Za-z]:/.test(name)) return "an absolute path";
  if (name.split(/[\\/]/).includes("..")) return 'the name climbs out of the archive with ".."';
  return undefined;
}

function nameWarnings(name: string, more: readonly string[] = []): string[] | undefined {
  const unsafe = unsafeName(name);
  const all = [...(unsafe ? [`unsafe name: ${unsafe}`] : []), ...more];
  return all.length > 0 ? all : undefined;
}

const CP437_HIGH =
  "ÇüéâäàåçêëèïîìÄÅÉæÆôöòûùÿÖÜ¢£¥₧ƒáíóúñÑªº¿⌐¬½¼¡«»░▒▓│┤╡╢╖╕╣║╗╝╜╛┐└┴┬├─┼╞╟╚╔╩╦╠═╬╧╨╤╥╙╘╒╓╫╪┘┌█▄▌▐▀αßΓπΣσµτΦΘΩδ∞φε∩≡±≥≤⌠⌡÷≈°∙·√ⁿ²■\u00a0";

/** Zip names without the UTF-8 flag are code page 437, as DOS wrote them. */
export function decodeCp437(b: Uint8Array): string {
  let s = "";
  for (const c of b) s += c < 0x80 ? String.fromCharCode(c) : CP437_HIGH[c - 0x80]!;
  return s;
}

const utf8 = new TextDecoder("utf-8");
const strictUtf8 = new TextDecoder("utf-8", { fatal: true });

/**
 * A zip name without the UTF-8 flag. The standard says CP437, but Info-ZIP on Linux and
 * macOS's Archive Utility write UTF-8 without setting the flag; bytes that are valid UTF-8
 * with non-ASCII in them are almost never meant as CP437, so they are read as UTF-8.
 */
function decodeZipName(b: Uint8Array, utf8Flag: boolean): string {
  if (utf8Flag) return utf8.decode(b);
  if (b.every((c) => c < 0x80)) return latin1(b);
  try {
    return strictUtf8.decode(b);
  } catch {
    return decodeCp437(b);
  }
}

// -------------------------------------------------------------------------- zip

interface ZipEntry {
  index: number;
  name: string;
  flags: number;
  method: number;
  crc: number;
  compressedSize: number;
  size: number;
  localOffset: number;
  madeBy: number;
  externalAttrs: number;
}

/**
 * The end-of-central-directory record: the last "PK\5\6" in the final 64 KiB whose comment
 * fits and whose central directory (or zip64 locator) is where it says. Checking that the
 * directory is there keeps a "PK\5\6" inside a comment or appended data from being taken.
 * `strict`: only such a record (deciding whether a file that does not start like a zip is one).
 */
async function findEndRecord(src: RandomAccess, strict: boolean): Promise<{ tail: Uint8Array; tailAt: number; e: number } | null> {
  const tailLen = Math.min(src.size, 22 + 0xffff + 20);
  const tailAt = src.size - tailLen;
  const tail = await src.read(tailAt, tailLen);
  let fallback: { tail: Uint8Array; tailAt: number; e: number } | null = null;
  for (let e = tail.length - 22; e >= 0; e--) {
    if (!startsWith(tail, [0x50, 0x4b, 0x05, 0x06], e) || e + 22 + u16le(tail, e + 20)! > tail.length) continue;
    fallback ??= { tail, tailAt, e };
    if (e >= 20 && startsWith(tail, [0x50, 0x4b, 0x06, 0x07], e - 20)) return { tail, tailAt, e }; // zip64: checked later
    const entries = u16le(tail, e + 10)!;
    const cdSize = u32le(tail, e + 12)!;
    const cdAt = tailAt + e - cdSize;
    if (cdAt < 0) continue;
    if (entries === 0 && cdSize === 0) return { tail, tailAt, e };
    if (startsWith(await src.read(cdAt, 4), [0x50, 0x4b, 0x01, 0x02])) return { tail, tailAt, e };
  }
  // A file that starts as a zip: take the last end record, so a damaged directory is
  // reported as damaged rather than as missing.
  return strict ? null : fallback;
}

interface ZipDirectory {
  entries: ZipEntry[];
  /** Bytes prepended before the archive (a self-extractor stub): every offset moves by this. */
  shift: number;
  cdStart: number;
  /** Where the end record (and its comment) stops; anything after is outside the archive. */
  end: number;
}

const ZIP_METHODS: Record<number, string> = { 0: "stored", 1: "shrunk", 6: "imploded", 8: "deflate", 9: "deflate64", 12: "bzip2", 14: "LZMA", 93: "zstd", 95: "xz", 96: "JPEG (packed)", 97: "WavPack", 98: "PPMd", 99: "AES-encrypted" };

async function readZipDirectory(src: RandomAccess, ctx: Ctx): Promise<ZipDirectory> {
  const where = ctx.where;
  const corrupt = (m: string): ArchiveError => new ArchiveError(where, "corrupt", m);
  const found = await findEndRecord(src, false);
  if (!found) throw new ArchiveError(where, "truncated", "no end-of-central-directory record: the zip is cut short, or not a zip");
  const { tail, tailAt, e } = found;
  const eocdAt = tailAt + e;
  const disk = u16le(tail, e + 4)!;
  const cdDisk = u16le(tail, e + 6)!;
  let total = u16le(tail, e + 10)!;
  let cdSize = u32le(tail, e + 12)!;
  let cdOffset = u32le(tail, e + 16)!;
  const end = eocdAt + 22 + u16le(tail, e + 20)!;
  let cdEnd = eocdAt; // where the central directory should stop

  // Zip64: a locator just before the end record points to the zip64 end record.
  const locAt = eocdAt - 20;
  const loc = locAt >= 0 ? await src.read(locAt, 20) : new Uint8Array(0);
  if (startsWith(loc, [0x50, 0x4b, 0x06, 0x07])) {
    const declared = u64le(loc, 8);
    // With bytes prepended the declared offset is off by the same shift; the record
    // normally sits right before the locator, so look there too.
    let recAt = declared;
    let rec = recAt !== undefined ? await src.read(recAt, 56) : new Uint8Array(0);
    if (!startsWith(rec, [0x50, 0x4b, 0x06, 0x06])) {
      recAt = locAt - 56;
      rec = recAt >= 0 ? await src.read(recAt, 56) : new Uint8Array(0);
    }
    if (!startsWith(rec, [0x50, 0x4b, 0x06, 0x06]) || recAt === undefined) throw corrupt(`the zip64 locator points to byte ${declared}, where there is no zip64 end record`);
    const t = u64le(rec, 32);
    const s = u64le(rec, 40);
    const o = u64le(rec, 48);
    if (t === undefined || s === undefined || o === undefined) throw corrupt("the zip64 end record holds sizes too large to be real");
    total = t;
    cdSize = s;
    cdOffset = o;
    cdEnd = recAt;
  } else if (disk !== 0 || cdDisk !== 0) {
    throw new ArchiveError(where, "unsupported", `a split (multi-disk) zip: this is disk ${disk}, the directory is on disk ${cdDisk}`);
  }
  const shift = cdEnd - cdSize - cdOffset;
  if (shift < 0) throw corrupt(`the central directory (${cdSize} bytes at byte ${cdOffset}) runs past its end record at byte ${cdEnd}`);
  if (cdSize > MAX_CENTRAL_DIRECTORY) throw new ArchiveError(where, "too-large", `too large to inspect: a central directory of ${cdSize} bytes, over ${MAX_CENTRAL_DIRECTORY}`);
  if (ctx.count.n + total > ctx.limits.maxMembers) {
    throw new ArchiveLimitError(where, `too many members: the zip lists ${total}, over the limit of ${ctx.limits.maxMembers} (maxMembers) in all`);
  }
  const cdStart = cdOffset + shift;
  const cd = await src.read(cdStart, cdSize);
  if (cd.length < cdSize) throw new ArchiveError(where, "truncated", `the central directory should be ${cdSize} bytes at byte ${cdStart}, but the file ends first`);

  const entries: ZipEntry[] = [];
  let p = 0;
  for (let i = 0; i < total; i++) {
    if (!startsWith(cd, [0x50, 0x4b, 0x01, 0x02], p) || p + 46 > cd.length) {
      throw corrupt(`central directory entry ${i + 1} of ${total} (at byte ${cdStart + p}) is missing or has no signature`);
    }
    const flags = u16le(cd, p + 8)!;
    const nameLen = u16le(cd, p + 28)!;
    const extraLen = u16le(cd, p + 30)!;
    const commentLen = u16le(cd, p + 32)!;
    const next = p + 46 + nameLen + extraLen + commentLen;
    if (next > cd.length) throw corrupt(`central directory entry ${i + 1} (at byte ${cdStart + p}) runs past the directory's end`);
    const nameBytes = cd.subarray(p + 46, p + 46 + nameLen);
    const extra = cd.subarray(p + 46 + nameLen, p + 46 + nameLen + extraLen);
    let name = decodeZipName(nameBytes, (flags & 0x800) !== 0);
    let compressedSize = u32le(cd, p + 20)!;
    let size = u32le(cd, p + 24)!;
    let localOffset = u32le(cd, p + 42)!;
    // Extra fields: zip64 sizes (0x0001) replace 0xFFFFFFFF values, in this order;
    // Info-ZIP's Unicode path (0x7075) replaces a CP437 name if its CRC matches the name.
    for (let x = 0; x + 4 <= extra.length; ) {
      const id = u16le(extra, x)!;
      const len = u16le(extra, x + 2)!;
      const body = extra.subarray(x + 4, x + 4 + len);
      if (id === 0x0001) {
        let q = 0;
        const take = (v: number, field: string): number => {
          if (v !== 0xffffffff) return v;
          const big = u64le(body, q);
          if (big === undefined) throw corrupt(`member "${name}": its zip64 extra field lacks the ${field}`);
          q += 8;
          return big;
        };
        size = take(size, "uncompressed size");
        compressedSize = take(compressedSize, "compressed size");
        localOffset = take(localOffset, "local header offset");
      } else if (id === 0x7075 && body[0] === 1 && !(flags & 0x800) && u32le(body, 1) === zlib.crc32(nameBytes)) {
        name = utf8.decode(body.subarray(5));
      }
      x += 4 + len;
    }
    entries.push({
      index: i,
      name,
      flags,
      method: u16le(cd, p + 10)!,
      crc: u32le(cd, p + 16)!,
      compressedSize,
      size,
      localOffset: localOffset + shift,
      madeBy: u16le(cd, p + 4)!,
      externalAttrs: u32le(cd, p + 38)!,
    });
    p = next;
  }
  if (p !== cd.length) throw corrupt(`the central directory holds ${p} bytes of entries, but its end record says ${cd.length}`);
  return { entries, shift, cdStart, end };
}

function zipKind(e: ZipEntry): Member["kind"] {
  // Unix modes live in the high 16 bits of the external attributes when made on Unix (3).
  if (e.madeBy >> 8 === 3) {
    const type = (e.externalAttrs >>> 16) & 0o170000;
    if (type === 0o120000) return "link";
    if (type === 0o040000) return "dir";
    if (type !== 0o100000 && type !== 0) return "other";
  }
  if (e.name.endsWith("/")) return "dir";
  if (e.madeBy >> 8 === 0 && e.externalAttrs & 0x10) return "dir"; // MS-DOS directory attribute
  return "file";
}

/** Data ranges that overlap: the construction of overlapping zip bombs (one deflate stream, many members). */
function overlaps(entries: readonly ZipEntry[]): Map<number, string> {
  const out = new Map<number, string>();
  const sorted = [...entries].sort((a, b) => a.localOffset - b.localOffset);
  for (let i = 1; i < sorted.length; i++) {
    const prev = sorted[i - 1]!;
    const cur = sorted[i]!;
    // Each member takes at least its 30-byte local header plus its compressed data.
    if (cur.localOffset < prev.localOffset + 30 + prev.compressedSize) {
      out.set(cur.index, `its data overlaps member "${prev.name}" (members sharing bytes is how overlapping zip bombs work)`);
      if (!out.has(prev.index)) out.set(prev.index, `its data overlaps member "${cur.name}" (members sharing bytes is how overlapping zip bombs work)`);
    }
  }
  return out;
}

async function* listZip(src: RandomAccess, ctx: Ctx): AsyncGenerator<Member, void, undefined> {
  const dir = await readZipDirectory(src, ctx);
  const overlapping = overlaps(dir.entries);
  const first = dir.entries.reduce((min, e) => Math.min(min, e.localOffset), dir.cdStart);
  if (first > 0) yield* outsideBytes(src, 0, first, "before the first member", ctx);

  for (const e of dir.entries) {
    const turn = nextTurn(ctx, e.name);
    const kind = zipKind(e);
    const warnings: string[] = [];
    let problem = zipProblem(e, kind, overlapping.get(e.index), ctx);
    let dataAt = -1;
    if (!problem && (kind === "file" || kind === "link")) {
      // The local header only tells where the data starts; the central directory is the
      // authority on everything else. Disagreements are reported, never followed.
      const lh = await src.read(e.localOffset, 30);
      if (!startsWith(lh, [0x50, 0x4b, 0x03, 0x04])) {
        problem = `corrupt: no local header at byte ${e.localOffset}, where the central directory says member ${e.index + 1} starts`;
      } else {
        const nameLen = u16le(lh, 26)!;
        const extraLen = u16le(lh, 28)!;
        dataAt = e.localOffset + 30 + nameLen + extraLen;
        const localName = await src.read(e.localOffset + 30, nameLen);
        const decoded = decodeZipName(localName, (u16le(lh, 6)! & 0x800) !== 0);
        if (decoded !== e.name) warnings.push(`its local header names it "${decoded}"; the central directory's name is used`);
        if (u16le(lh, 8) !== e.method) warnings.push(`its local header says compression method ${u16le(lh, 8)}; the central directory's ${e.method} is used`);
        if (dataAt + e.compressedSize > dir.cdStart) {
          problem = `corrupt: its ${e.compressedSize} bytes of data at byte ${dataAt} run into the central directory at byte ${dir.cdStart}`;
        }
      }
    }

    let plan: { format: ArchiveFormat; problem?: string } | null = null;
    if (!problem && kind === "file") {
      // Peeking is not counted against the budget: it is at most one inflate chunk.
      plan = nestedPlan(await peek(zipData(src, e, dataAt, ctx, `${ctx.where} > ${e.name}`, false)), ctx);
      if (plan && !plan.problem && e.method !== 0 && e.size > ctx.limits.maxBufferBytes) {
        plan.problem = `a ${plan.format} inside, not inspected: it is compressed, so listing it means holding its ${e.size} bytes in memory, over ${ctx.limits.maxBufferBytes} (the maxBufferBytes limit)`;
      }
      if (plan?.problem) problem = plan.problem;
    }

    const m: Member = { name: e.name, containers: ctx.containers, size: e.size, kind };
    // A zip symlink's data is its target: worth showing ("../../etc" says a lot), if small.
    if (kind === "link" && !problem && dataAt >= 0 && e.size <= 4096 && (e.method === 0 || e.method === 8) && !(e.flags & 1)) {
      try {
        m.linkTarget = utf8.decode(await collect(zipData(src, e, dataAt, ctx, `${ctx.where} > ${e.name}`, false), e.size));
      } catch (err) {
        if (!(err instanceof ArchiveError)) throw err;
        warnings.push(`its link target cannot be read: ${err.message}`);
      }
    }
    const w = nameWarnings(e.name, warnings);
    if (w) m.warnings = w;
    if (problem) m.problem = problem;
    const readable = kind === "file" && dataAt >= 0 && (!problem || plan?.problem === problem);
    if (readable) m.open = guarded(ctx, turn, e.name, () => zipData(src, e, dataAt, ctx, `${ctx.where} > ${e.name}`));
    yield m;

    if (readable && plan && !plan.problem) {
      const inner = e.method === 0 ? new SliceSource(src, dataAt, e.size) : new MemorySource(await collect(zipData(src, e, dataAt, ctx, `${ctx.where} > ${e.name}`), e.size));
      yield* nested(inner, plan.format, e.name, ctx);
    }
  }
  if (dir.end < src.size) yield* outsideBytes(src, dir.end, src.size - dir.end, "after the end of the zip", ctx);
}

/** Why a zip member cannot be read, judged from the central directory alone. */
function zipProblem(e: ZipEntry, kind: Member["kind"], overlap: string | undefined, ctx: Ctx): string | undefined {
  if (kind !== "file") return undefined;
  if (e.flags & 0x1 || e.method === 99) return "encrypted, cannot inspect";
  if (e.method !== 0 && e.method !== 8) {
    return `compressed with method ${e.method} (${ZIP_METHODS[e.method] ?? "unknown"}), which this does not read: cannot inspect`;
  }
  if (overlap) return `too large to inspect: ${overlap}`;
  if (e.method === 0 && e.compressedSize !== e.size) return `corrupt: stored (not compressed) but its sizes differ (${e.compressedSize} and ${e.size})`;
  if (e.size > ctx.limits.maxRatio * Math.max(1, e.compressedSize) && e.size > RATIO_FLOOR) {
    return `too large to inspect: it declares ${e.size} bytes from ${e.compressedSize} compressed, more than ${ctx.limits.maxRatio} times (the maxRatio limit)`;
  }
  if (e.size > ctx.budget.left) {
    return `too large to inspect: its ${e.size} bytes would pass the limit of ${ctx.limits.maxTotalBytes} bytes in all (maxTotalBytes; ${ctx.budget.used} used so far)`;
  }
  return undefined;
}

/** A zip member's bytes, inflated if need be, checked against the central directory's size and CRC. */
async function* zipData(src: RandomAccess, e: ZipEntry, dataAt: number, ctx: Ctx, where: string, count = true): AsyncGenerator<Uint8Array> {
  const raw = rangeOrTruncated(src, dataAt, e.compressedSize, where);
  const out = e.method === 0 ? raw : inflate(raw, () => zlib.createInflateRaw(), where);
  let n = 0;
  let crc = 0;
  for await (const chunk of out) {
    n += chunk.length;
    if (n > e.size) throw new ArchiveError(where, "corrupt", `inflates to more than the ${e.size} bytes its central directory entry declares (corrupt, or a zip bomb)`);
    if (count) ctx.budget.take(chunk.length, where);
    crc = zlib.crc32(chunk, crc);
    yield chunk;
  }
  if (n !== e.size) throw new ArchiveError(where, "corrupt", `inflates to ${n} bytes, but its central directory entry declares ${e.size}`);
  if (crc >>> 0 !== e.crc) throw new ArchiveError(where, "corrupt", `CRC-32 of its bytes is ${hex32(crc)}, but its central directory entry says ${hex32(e.crc)}`);
}

async function* rangeOrTruncated(src: RandomAccess, at: number, len: number, where: string): AsyncGenerator<Uint8Array> {
  try {
    yield* streamRange(src, at, len);
  } catch (err) {
    if (err instanceof RangeError) throw new ArchiveError(where, "truncated", `cut short: ${err.message}`);
    throw err;
  }
}

/**
 * Inflate a stream of compressed chunks, with backpressure (zlib holds at most its window
 * and one output chunk), turning zlib's errors into ArchiveErrors that say what it was.
 */
async function* inflate(input: AsyncIterable<Uint8Array>, make: () => zlib.InflateRaw | zlib.Gunzip, where: string): AsyncGenerator<Uint8Array> {
  const z = make();
  const feed = Readable.from(input, { objectMode: false });
  feed.on("error", (err) => z.destroy(err));
  feed.pipe(z);
  try {
    for await (const chunk of z as AsyncIterable<Buffer>) yield new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.length);
  } catch (err) {
    if (err instanceof ArchiveError) throw err;
    const code = typeof err === "object" && err !== null && "code" in err ? String((err as { code: unknown }).code) : "";
    if (code === "Z_BUF_ERROR") throw new ArchiveError(where, "truncated", "the compressed data ends before its end marker");
    throw new ArchiveError(where, "corrupt", `the compressed data is corrupt (${err instanceof Error ? err.message : String(err)})`);
  } finally {
    feed.destroy();
    z.destroy();
  }
}

/** The first bytes of a stream (enough to sniff), then stop it. Errors just mean "nothing to sniff". */
async function peek(it: AsyncGenerator<Uint8Array>): Promise<Uint8Array> {
  const parts: Uint8Array[] = [];
  let n = 0;
  try {
    for await (const chunk of it) {
      parts.push(chunk);
      n += chunk.length;
      if (n >= 512 + 8) break;
    }
  } catch (err) {
    if (!(err instanceof ArchiveError) || err instanceof ArchiveLimitError) throw err;
  }
  return Buffer.concat(parts);
}

async function collect(it: AsyncIterable<Uint8Array>, expected: number): Promise<Uint8Array> {
  const out = new Uint8Array(expected);
  let n = 0;
  for await (const chunk of it) {
    out.set(chunk, n);
    n += chunk.length;
  }
  return out.subarray(0, n);
}

/** Report bytes of the archive file outside every member, if any of them is not zero. */
async function* outsideBytes(src: RandomAccess, at: number, len: number, what: string, ctx: Ctx): AsyncGenerator<Member, void, undefined> {
  let nonZero = -1;
  for (let p = at; p < at + len && nonZero < 0; p += CHUNK) {
    const chunk = await src.read(p, Math.min(CHUNK, at + len - p));
    const i = chunk.findIndex((b) => b !== 0);
    if (i >= 0) nonZero = p + i;
    if (chunk.length === 0) break;
  }
  if (nonZero < 0) return;
  const turn = ++ctx.turn.n;
  const name = `(${len} bytes ${what})`;
  yield {
    name,
    containers: ctx.containers,
    size: len,
    kind: "other",
    outside: true,
    warnings: [`${len} bytes ${what}, at byte ${at}, are not part of any member: data can hide there`],
    open: guarded(ctx, turn, name, () => counted(rangeOrTruncated(src, at, len, ctx.where), ctx)),
  };
}

async function* counted(it: AsyncIterable<Uint8Array>, ctx: Ctx): AsyncGenerator<Uint8Array> {
  for await (const chunk of it) {
    ctx.budget.take(chunk.length, ctx.where);
    yield chunk;
  }
}

function hex32(n: number): string {
  return (n >>> 0).toString(16).padStart(8, "0");
}

// -------------------------------------------------------------------------- tar

interface TarHeader {
  name: string;
  size: number;
  type: string;
  linkName: string;
  at: number;
  /** Old GNU sparse ('S') headers keep the file's real size here; `size` is only what is stored. */
  gnuRealSize: number | undefined;
}

async function* listTar(reader: SeqReader, ctx: Ctx): AsyncGenerator<Member, void, undefined> {
  const where = ctx.where;
  let longName: string | undefined;
  let longLink: string | undefined;
  let pax: Record<string, string> = {};
  let globalPax: Record<string, string> = {};
  let headers = 0;
  for (;;) {
    const at = reader.pos;
    const block = await reader.read(512);
    // A tar that simply stops at a header boundary is read as complete, as tar does.
    if (block.length === 0) {
      if (headers === 0) throw new ArchiveError(where, "truncated", "empty: no tar header at all");
      return;
    }
    if (block.length < 512) throw new ArchiveError(where, "truncated", `cut short inside the header at byte ${at}`);
    if (block.every((b) => b === 0)) {
      yield* afterTarEnd(reader, at, ctx);
      return;
    }
    const h = parseTarHeader(block, at, where);
    headers++;
    const padded = Math.ceil(h.size / 512) * 512;

    // Metadata for the next header: pax extended headers, GNU long names.
    if (h.type === "x" || h.type === "g" || h.type === "L" || h.type === "K") {
      if (h.size > MAX_TAR_META) throw new ArchiveError(where, "corrupt", `a ${h.size}-byte metadata header at byte ${at}, over ${MAX_TAR_META}`);
      const body = await reader.read(h.size);
      if (body.length < h.size) throw new ArchiveError(where, "truncated", `cut short inside the metadata header at byte ${at}`);
      await reader.skip(padded - h.size);
      if (h.type === "L") longName = cString(body);
      else if (h.type === "K") longLink = cString(body);
      else if (h.type === "x") pax = { ...pax, ...parsePax(body, at, where) };
      else globalPax = { ...globalPax, ...parsePax(body, at, where) };
      continue;
    }

    const meta = { ...globalPax, ...pax };
    const sparse = h.type === "S" || Object.keys(meta).some((k) => k.startsWith("GNU.sparse."));
    const name = (sparse ? meta["GNU.sparse.name"] : undefined) ?? meta.path ?? longName ?? h.name;
    const size = meta.size !== undefined ? paxNumber(meta.size, "size", at, where) : h.size;
    // Bytes stored in the archive for this member (for a sparse one, less than its real size).
    const dataSize = size;
    const dataPadded = Math.ceil(dataSize / 512) * 512;
    const linkTarget = meta.linkpath ?? longLink ?? h.linkName;
    pax = {};
    longName = undefined;
    longLink = undefined;

    const turn = nextTurn(ctx, name);
    const warnings: string[] = [];
    let kind: Member["kind"];
    let problem: string | undefined;
    switch (h.type) {
      case "0":
      case "\0":
      case "7":
        kind = "file";
        break;
      case "1":
      case "2":
        kind = "link";
        break;
      case "5":
        kind = "dir";
        break;
      case "3":
      case "4":
      case "6":
        kind = "other";
        break;
      case "S":
        kind = "other";
        break;
      case "M":
        kind = "other";
        problem = "the continuation of a member from another volume (multi-volume tar): cannot inspect";
        break;
      case "V":
        kind = "other";
        break;
      default:
        // POSIX: an unknown type is read as a regular file, and tar extracts it as one.
        kind = "file";
        warnings.push(`unknown type flag ${JSON.stringify(h.type)}: read as a regular file, as tar would extract it`);
    }
    if (sparse) {
      kind = "other";
      problem = "a sparse member (GNU sparse format): cannot inspect";
    }

    const dataAt = reader.pos;
    const realSize = !sparse ? size : meta["GNU.sparse.realsize"] !== undefined ? paxNumber(meta["GNU.sparse.realsize"], "GNU.sparse.realsize", at, where) : (h.gnuRealSize ?? size);
    const m: Member = { name, containers: ctx.containers, size: kind === "file" ? dataSize : realSize, kind };
    if (kind === "link") m.linkTarget = linkTarget;

    let consumed = 0; // bytes of this member's data taken from the reader
    let head: Uint8Array = new Uint8Array(0);
    let inMemory: Uint8Array | null = null;
    let plan: { format: ArchiveFormat; problem?: string } | null = null;
    if (kind === "file" && !problem) {
      if (dataSize > ctx.budget.left) {
        // (In a tar.gz its bytes are inflated to skip it anyway, and the listing ends there.)
        problem = `too large to inspect: its ${dataSize} bytes would pass the limit of ${ctx.limits.maxTotalBytes} bytes in all (maxTotalBytes; ${ctx.budget.used} used so far)`;
      } else {
        head = await reader.read(Math.min(dataSize, SNIFF_HEAD_BYTES));
        consumed = head.length;
        if (head.length < Math.min(dataSize, SNIFF_HEAD_BYTES)) throw new ArchiveError(where, "truncated", `cut short inside member "${name}" (header at byte ${at})`);
        plan = nestedPlan(head, ctx);
        if (plan && !plan.problem && !reader.random) {
          // In a stream there is one pass: to both hand the caller the bytes and list what
          // is inside, the nested archive must be held in memory.
          if (dataSize > ctx.limits.maxBufferBytes) {
            plan.problem = `a ${plan.format} inside, not inspected: it is in a compressed stream, so listing it means holding its ${dataSize} bytes in memory, over ${ctx.limits.maxBufferBytes} (the maxBufferBytes limit)`;
          } else {
            const rest = await reader.read(dataSize - consumed);
            consumed += rest.length;
            if (consumed < dataSize) throw new ArchiveError(where, "truncated", `cut short inside member "${name}" (header at byte ${at})`);
            inMemory = Buffer.concat([head, rest]);
          }
        }
        if (plan?.problem) problem = plan.problem;
      }
    }
    const w = nameWarnings(name, warnings);
    if (w) m.warnings = w;
    if (problem) m.problem = problem;

    const readable = kind === "file" && (!problem || problem === plan?.problem);
    if (readable) {
      let opened = false;
      m.open = guarded(ctx, turn, name, () => {
        if (inMemory) return oneChunk(inMemory);
        if (reader.random) return counted(rangeOrTruncated(reader.random, dataAt, dataSize, `${where} > ${name}`), ctx);
        if (opened) throw new Error(`member "${name}" was already read: a compressed tar is read in one pass`);
        opened = true;
        return (async function* streamed(): AsyncGenerator<Uint8Array> {
          if (head.length > 0) yield head;
          while (consumed < dataSize) {
            const chunk = await reader.read(Math.min(CHUNK, dataSize - consumed));
            if (chunk.length === 0) throw new ArchiveError(where, "truncated", `cut short inside member "${name}" (header at byte ${at})`);
            consumed += chunk.length;
            yield chunk;
          }
        })();
      });
    }
    yield m;

    // Move past the member, however much of it the caller read. Skipping an uncompressed
    // tar is free; in a tar.gz it inflates (counted against the budget).
    const left = dataPadded - consumed;
    const skipped = await reader.skip(left);
    // The last member's padding may be missing at the very end of a file; its data may not.
    if (skipped < left - (dataPadded - dataSize)) {
      throw new ArchiveError(where, "truncated", `cut short inside member "${name}": it declares ${dataSize} bytes at byte ${dataAt}, and the data ends first`);
    }

    if (readable && plan && !plan.problem) {
      const inner = inMemory ? new MemorySource(inMemory) : new SliceSource(reader.random!, dataAt, dataSize);
      yield* nested(inner, plan.format, name, ctx);
    }
  }
}

async function* oneChunk(b: Uint8Array): AsyncGenerator<Uint8Array> {
  for (let i = 0; i < b.length; i += CHUNK) yield b.subarray(i, i + CHUNK);
}

/** After the end-of-archive blocks, only zeros (record padding) belong to the tar. */
async function* afterTarEnd(reader: SeqReader, endAt: number, ctx: Ctx): AsyncGenerator<Member, void, undefined> {
  if (reader.random) {
    yield* outsideBytes(reader.random, endAt, reader.random.size - endAt, "after the end of the tar", ctx);
    return;
  }
  // A stream (tar.gz): read on to the end of the decompressed data (inflating counts
  // against the budget), noting whether anything but zeros follows. The first zero block
  // has been read already.
  let total = 512;
  let nonZero = false;
  for (;;) {
    const chunk = await reader.read(CHUNK);
    if (chunk.length === 0) break;
    total += chunk.length;
    if (!nonZero && chunk.some((b) => b !== 0)) nonZero = true;
  }
  if (nonZero) {
    yield {
      name: `(${total} bytes after the end of the tar)`,
      containers: ctx.containers,
      size: total,
      kind: "other",
      outside: true,
      warnings: [`${total} bytes after the tar's end-of-archive marker (at byte ${endAt} of the decompressed data) are not part of any member: data can hide there`],
    };
  }
}

function parseTarHeader(b: Uint8Array, at: number, where: string): TarHeader {
  // The checksum treats its own field as spaces; some old tars summed signed bytes.
  let unsigned = 0;
  let signed = 0;
  for (let i = 0; i < 512; i++) {
    const v = i >= 148 && i < 156 ? 0x20 : b[i]!;
    unsigned += v;
    signed += v > 127 ? v - 256 : v;
  }
  const stored = tarNumber(b, 148, 8);
  if (stored === undefined || (stored !== unsigned && stored !== signed)) {
    throw new ArchiveError(where, "corrupt", `the header at byte ${at} has a bad checksum (it says ${stored ?? "nothing readable"}, its bytes sum to ${unsigned}): not a tar, or damaged`);
  }
  const size = tarNumber(b, 124, 12);
  if (size === undefined) throw new ArchiveError(where, "corrupt", `the header at byte ${at} has an unreadable size field`);
  const ustar = startsWith(b, "ustar", 257);
  const prefix = ustar && !startsWith(b, "ustar  \0", 257) ? cString(b.subarray(345, 500)) : "";
  const base = cString(b.subarray(0, 100));
  const type = String.fromCharCode(b[156]!);
  const gnuRealSize = type === "S" ? tarNumber(b, 483, 12) : undefined;
  return { name: prefix ? `${prefix}/${base}` : base, size, type, linkName: cString(b.subarray(157, 257)), at, gnuRealSize };
}

/** A numeric tar field: octal text, or GNU base-256 when the top bit of the first byte is set. */
function tarNumber(b: Uint8Array, at: number, len: number): number | undefined {
  const first = b[at]!;
  if (first & 0x80) {
    if (first === 0xff) return undefined; // negative
    let v = first & 0x7f;
    for (let i = 1; i < len; i++) {
      v = v * 256 + b[at + i]!;
      if (v > Number.MAX_SAFE_INTEGER) return undefined;
    }
    return v;
  }
  const s = latin1(b, at, at + len).replace(/[\0 ]+$/, "").replace(/^ +/, "");
  if (s === "") return 0;
  if (!/^[0-7]+$/.test(s)) return undefined;
  return parseInt(s, 8);
}

function cString(b: Uint8Array): string {
  const nul = b.indexOf(0);
  return utf8.decode(nul < 0 ? b : b.subarray(0, nul));
}

/** pax records: "<length> <key>=<value>\n", the length counting the whole record. */
function parsePax(body: Uint8Array, at: number, where: string): Record<string, string> {
  const out: Record<string, string> = {};
  let p = 0;
  while (p < body.length) {
    if (body[p] === 0) break; // NUL padding
    const space = body.indexOf(0x20, p);
    const len = space > p ? Number(latin1(body, p, space)) : NaN;
    if (!Number.isInteger(len) || len <= 0 || p + len > body.length || body[p + len - 1] !== 0x0a) {
      throw new ArchiveError(where, "corrupt", `a malformed pax record at offset ${p} of the extended header at byte ${at}`);
    }
    const record = utf8.decode(body.subarray(space + 1, p + len - 1));
    const eq = record.indexOf("=");
    if (eq < 0) throw new ArchiveError(where, "corrupt", `a pax record without "=" in the extended header at byte ${at}`);
    out[record.slice(0, eq)] = record.slice(eq + 1);
    p += len;
  }
  return out;
}

function paxNumber(v: string, key: string, at: number, where: string): number {
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(Number(v))) throw new ArchiveError(where, "corrupt", `pax ${key} ${JSON.stringify(v)} in the extended header at byte ${at} is not a size`);
  return Number(v);
}

// ------------------------------------------------------------------------- gzip

/** A gzip file: a tar inside (tar.gz, tgz), or one compressed file. */
async function* listGzip(src: RandomAccess, ctx: Ctx, containerName: string): AsyncGenerator<Member, void, undefined> {
  const reader = new StreamReader(gunzip(src, ctx)[Symbol.asyncIterator]());
  try {
    const head = await reader.read(SNIFF_HEAD_BYTES);
    reader.unshift(head);
    if (formatOf(head) === "tar") {
      yield* listTar(reader, ctx);
      return;
    }
    // One compressed file: its name is in the gzip header (FNAME), else the container's minus ".gz".
    const header = await src.read(0, 1024);
    const name = gzipName(header) ?? stripGz(containerName);
    const isize = src.size >= 18 ? u32le(await src.read(src.size - 4, 4), 0)! : 0;
    const turn = nextTurn(ctx, name);
    let plan = nestedPlan(head, ctx);
    let inMemory: Uint8Array | null = null;
    if (plan && !plan.problem) {
      if (isize > ctx.limits.maxBufferBytes) {
        plan = { ...plan, problem: `a ${plan.format} inside, not inspected: it is in a compressed stream, so listing it means holding about ${isize} bytes in memory, over ${ctx.limits.maxBufferBytes} (the maxBufferBytes limit)` };
      } else {
        const parts: Uint8Array[] = [];
        let n = 0;
        for (;;) {
          const chunk = await reader.read(CHUNK);
          if (chunk.length === 0) break;
          n += chunk.length;
          if (n > ctx.limits.maxBufferBytes) {
            throw new ArchiveError(ctx.where, "too-large", `the ${plan.format} inside inflates past ${ctx.limits.maxBufferBytes} bytes (the maxBufferBytes limit), more than the ${isize} its gzip trailer says`);
          }
          parts.push(chunk);
        }
        inMemory = Buffer.concat(parts);
      }
    }
    const m: Member = { name, containers: ctx.containers, size: inMemory ? inMemory.length : isize, kind: "file" };
    const w = nameWarnings(name);
    if (w) m.warnings = w;
    if (plan?.problem) m.problem = plan.problem;
    let opened = false;
    m.open = guarded(ctx, turn, name, () => {
      if (inMemory) return oneChunk(inMemory);
      if (opened) throw new Error(`member "${name}" was already read: a gzip stream is read in one pass`);
      opened = true;
      return (async function* all(): AsyncGenerator<Uint8Array> {
        for (;;) {
          const chunk = await reader.read(CHUNK);
          if (chunk.length === 0) return;
          yield chunk;
        }
      })();
    });
    yield m;
    if (inMemory && plan && !plan.problem) yield* nested(new MemorySource(inMemory), plan.format, name, ctx);
  } finally {
    await reader.close();
  }
}

/** Decompressed gzip bytes, counted against the budget and checked against the ratio limit. */
async function* gunzip(src: RandomAccess, ctx: Ctx): AsyncGenerator<Uint8Array> {
  let consumed = 0;
  const input = (async function* compressed(): AsyncGenerator<Uint8Array> {
    for await (const chunk of rangeOrTruncated(src, 0, src.size, ctx.where)) {
      consumed += chunk.length;
      yield chunk;
    }
  })();
  let produced = 0;
  for await (const chunk of inflate(input, () => zlib.createGunzip(), ctx.where)) {
    produced += chunk.length;
    ctx.budget.take(chunk.length, ctx.where);
    if (produced > RATIO_FLOOR && produced > ctx.limits.maxRatio * consumed) {
      throw new ArchiveError(ctx.where, "too-large", `too large to inspect: the gzip data inflates more than ${ctx.limits.maxRatio} times (the maxRatio limit): ${produced} bytes from ${consumed}`);
    }
    yield chunk;
  }
}

function gzipName(h: Uint8Array): string | undefined {
  const flags = h[3];
  if (flags === undefined || !(flags & 0x08)) return undefined;
  let p = 10;
  if (flags & 0x04) p += 2 + (u16le(h, 10) ?? 0); // FEXTRA
  const end = h.indexOf(0, p);
  if (end < 0) return undefined;
  return latin1(h, p, end); // RFC 1952: ISO 8859-1
}

function stripGz(name: string): string {
  const base = name.split(/[\\/]/).pop() ?? name;
  if (/\.tgz$/i.test(base)) return base.replace(/\.tgz$/i, ".tar");
  if (/\.gz$/i.test(base)) return base.replace(/\.gz$/i, "");
  return `${base} (decompressed)`;
}
