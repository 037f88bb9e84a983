// Writes ASC MHL v2 generations the way the reference tool (ascmitc/mhl, `ascmhl create`)
// does, so its `verify` and any other MHL tool accept them:
//
//   ROOT/ascmhl/NNNN_<folder>_<YYYY-MM-DD>_<HHMMSS>Z.mhl   one file per run, never rewritten
//   ROOT/ascmhl/ascmhl_chain.xml                           the C4 ID of every generation file
//
// Each file is marked "original" (first time in the history), "verified" (same hash as
// first recorded in that format) or "failed" (different). Directory hashes follow
// ascmhl/hasher.py: a directory's content hash is the hash of its children's hashes (as
// bytes, sorted as hex strings); its structure hash is the hash of the sorted
// hash(name + child hash bytes) of its children, where a child directory contributes its
// structure hash. The root's pair goes into <roothash>.
//
// The caller supplies the files and their hashes (the sweep computes them in the read it
// already does), so the generation records exactly those files, minus ignored ones; the
// directories are their ancestors plus `directories` (the reference tool also records
// empty folders, which only a caller that walks the tree knows about).

import { createHash } from "node:crypto";
import type { Dirent } from "node:fs";
import fs from "node:fs/promises";
import os from "node:os";
import path from "node:path";
import { openDurable } from "../fs/durable.js";
import { c4FromSha512, c4id } from "./c4.js";
import { createOneShot, DEFAULT_MHL_ALGORITHM, digestBytes, hashFileMhl, isMhlAlgorithm, MHL_ALGORITHMS, normalizeDigest, type MhlAlgorithm, type OneShot } from "./hashes.js";
import { mergeIgnorePatterns, mhlIgnoreMatcher } from "./ignore.js";
import { checkXmlChars, escapeAttr, escapeText, readChain, readGeneration, type ChainEntry, type HashEntry } from "./xml.js";

export const MHL_FOLDER = "ascmhl";
export const MHL_CHAIN_FILE = "ascmhl_chain.xml";

export interface MhlFile {
  /** Relative to the root, "/"-separated. */
  path: string;
  size: number;
  mtime: Date;
  /** In the generation's algorithm: lowercase (or uppercase) hex, or a C4 ID for "c4". */
  hash: string;
}

export interface WriteGenerationOptions {
  algorithm?: MhlAlgorithm | undefined;
  /** Creation time of the generation (names the file too). Default: now. */
  now?: Date | undefined;
  hostname?: string | undefined;
  toolName?: string | undefined;
  toolVersion?: string | undefined;
  /** Patterns added to the latest generation's (or the default) ignore list. */
  ignore?: readonly string[] | undefined;
  /** Directories (relative, "/"-separated) to record even if no file is given in them. */
  directories?: Iterable<string> | undefined;
}

export type MhlAction = "original" | "verified" | "failed";

export interface GenerationResult {
  generation: number;
  /** Absolute path of the new generation file. */
  file: string;
  /** Absolute path of the chain file. */
  chain: string;
  /** C4 ID of the new generation file, as written in the chain. */
  c4: string;
  /** Files whose hash differs from the one first recorded ("failed"), sorted. */
  failed: string[];
  /** Files in earlier generations that were not given this time (and are not ignored), sorted. */
  missing: string[];
  /**
   * Generations found on disk but missing from the chain (a run that stopped between
   * writing its generation and the chain), added to the chain now.
   */
  rechained: number[];
  /**
   * Generations whose file no longer has the C4 ID the chain recorded (edited after they
   * were written). The chain keeps the recorded ID, so `prov mhl verify` keeps reporting it.
   */
  tampered: number[];
  counts: Record<MhlAction, number> & { ignored: number };
}

// ------------------------------------------------------------------ history

interface FileHistory {
  /** Whether some generation has an "original" entry for it: only then can it be verified. */
  original: boolean;
  /** Format → first hash recorded in that format (what the reference compares against). */
  first: Map<string, string>;
  /** Formats in order of first appearance (the reference verifies a new format against the first). */
  formats: string[];
}

interface History {
  files: Map<string, FileHistory>;
  lastGeneration: number;
  /** Generation files found in ascmhl/, by sequence number, with the C4 ID of their bytes. */
  generations: { n: number; name: string; c4: string }[];
  /** The latest generation's ignore list; null when there is none. */
  ignore: string[] | null;
}

export const GENERATION_NAME = /^(\d{4,})(?:_(.+))?\.mhl$/;

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

function isCode(e: unknown, ...codes: string[]): boolean {
  return typeof e === "object" && e !== null && codes.includes((e as { code?: string }).code ?? "");
}

async function loadHistory(mhlDir: string): Promise<History> {
  const files = new Map<string, FileHistory>();
  let entries: Dirent[] = [];
  try {
    entries = await fs.readdir(mhlDir, { withFileTypes: true });
  } catch (e) {
    if (!isCode(e, "ENOENT")) throw e;
  }
  const gens: { n: number; name: string; c4: string }[] = [];
  for (const d of entries) {
    const m = d.isFile() ? GENERATION_NAME.exec(d.name) : null;
    if (m) gens.push({ n: Number(m[1]), name: d.name, c4: "" });
  }
  gens.sort((a, b) => a.n - b.n);

  let ignore: string[] | null = null;
  for (const g of gens) {
    const file = path.join(mhlDir, g.name);
    const fold = (p: string, list: HashEntry[]): void => {
      let h = files.get(p);
      if (!h) files.set(p, (h = { original: false, first: new Map(), formats: [] }));
      for (const e of list) {
        if (e.action === "original") h.original = true;
        if (!h.first.has(e.format)) {
          h.first.set(e.format, e.hash);
          h.formats.push(e.format);
        }
      }
    };
    try {
      const bytes = await fs.readFile(file);
      g.c4 = c4id(bytes);
      ignore = readGeneration(bytes.toString("utf8"), fold).ignore;
    } catch (e) {
      throw new Error(`ascmhl: cannot read generation file ${file}: ${message(e)}`);
    }
  }
  return { files, lastGeneration: gens.at(-1)?.n ?? 0, generations: gens, ignore };
}

async function loadChain(chainFile: string): Promise<ChainEntry[]> {
  let xml: string;
  try {
    xml = await fs.readFile(chainFile, "utf8");
  } catch (e) {
    if (isCode(e, "ENOENT")) return [];
    throw e;
  }
  try {
    return readChain(xml);
  } catch (e) {
    throw new Error(`ascmhl: chain file ${chainFile} is corrupt or not an ASC MHL chain (${message(e)}); left as it is, no generation written`);
  }
}

// ------------------------------------------------------------------ the tree

interface OutEntry {
  format: MhlAlgorithm;
  hash: string;
  action: MhlAction;
}

interface FileNode {
  size: number;
  mtime: Date;
  hash: string;
  entries: OutEntry[];
}

interface DirNode {
  files: Map<string, FileNode>;
  dirs: Map<string, DirNode>;
  mtime: Date | null;
  content: string;
  structure: string;
}

function newDir(): DirNode {
  return { files: new Map(), dirs: new Map(), mtime: null, content: "", structure: "" };
}

function normalizeRelPath(p: string): string {
  const s = p.startsWith("./") ? p.slice(2) : p;
  const parts = s.split("/");
  if (s === "" || s.startsWith("/") || parts.some((x) => x === "" || x === "." || x === "..")) {
    throw new Error(`ascmhl: not a relative "/"-separated path inside the root: ${JSON.stringify(p)}`);
  }
  checkXmlChars(s); // fail on the way in, not half-way through writing
  return s;
}

function dirFor(root: DirNode, parts: readonly string[], upTo: number, rel: string): DirNode {
  let node = root;
  for (let i = 0; i < upTo; i++) {
    const name = parts[i]!;
    if (node.files.has(name)) throw new Error(`ascmhl: ${JSON.stringify(rel)} is given both as a file and inside a directory`);
    let next = node.dirs.get(name);
    if (!next) node.dirs.set(name, (next = newDir()));
    node = next;
  }
  return node;
}

/** Python sorts names by code point; JS compares UTF-16 units, which differs past U+FFFF. */
function byCodePoint(a: string, b: string): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const x = a.charCodeAt(i);
    const y = b.charCodeAt(i);
    if (x !== y) {
      if ((x >= 0xd800 && x <= 0xdfff) || (y >= 0xd800 && y <= 0xdfff)) return a.codePointAt(i)! - b.codePointAt(i)!;
      return x - y;
    }
  }
  return a.length - b.length;
}

const utf8 = (s: string): Buffer => Buffer.from(s, "utf8");

/** Post-order: children first, as the reference computes them. */
function computeDirHashes(node: DirNode, alg: MhlAlgorithm, shot: OneShot): void {
  const content: string[] = [];
  const structure: string[] = [];
  for (const [name, child] of node.dirs) {
    computeDirHashes(child, alg, shot);
    content.push(child.content);
    structure.push(shot.hash([utf8(name), digestBytes(alg, child.structure)]));
  }
  for (const [name, f] of node.files) {
    content.push(f.hash);
    structure.push(shot.hash([utf8(name), digestBytes(alg, f.hash)]));
  }
  // Sorted as strings, then hashed as bytes (hasher.py hash_of_hash_list); an empty list
  // gives the hash of nothing.
  node.content = shot.hash(content.sort().map((h) => digestBytes(alg, h)));
  node.structure = shot.hash(structure.sort().map((h) => digestBytes(alg, h)));
}

/**
 * Directory hashes of a set of files, keyed by directory ("" is the root): the same
 * computation writeGeneration records, for checking a tree against a generation.
 */
export async function computeDirectoryHashes(
  alg: MhlAlgorithm,
  files: Iterable<{ path: string; hash: string }>,
  directories: Iterable<string> = [],
): Promise<Map<string, { content: string; structure: string }>> {
  const tree = newDir();
  for (const d of directories) {
    const parts = normalizeRelPath(d).split("/");
    dirFor(tree, parts, parts.length, d);
  }
  for (const f of files) {
    const rel = normalizeRelPath(f.path);
    const parts = rel.split("/");
    dirFor(tree, parts, parts.length - 1, rel).files.set(parts.at(-1)!, { size: 0, mtime: new Date(0), hash: normalizeDigest(alg, f.hash), entries: [] });
  }
  const shot = await createOneShot(alg);
  try {
    computeDirHashes(tree, alg, shot);
  } finally {
    shot.release();
  }
  const out = new Map<string, { content: string; structure: string }>();
  const collect = (node: DirNode, rel: string): void => {
    out.set(rel, { content: node.content, structure: node.structure });
    for (const [name, child] of node.dirs) collect(child, rel === "" ? name : `${rel}/${name}`);
  };
  collect(tree, "");
  return out;
}

async function statDirs(node: DirNode, abs: string): Promise<void> {
  try {
    node.mtime = (await fs.stat(abs)).mtime;
  } catch {
    node.mtime = null; // gone or unreadable: the attribute is optional
  }
  for (const [name, child] of node.dirs) await statDirs(child, path.join(abs, name));
}

// ------------------------------------------------------------------ XML

/** xs:dateTime in UTC, whole seconds, as the reference writes it ("…T09:15:00+00:00"). */
function isoSeconds(d: Date): string | null {
  const t = d.getTime();
  if (!Number.isFinite(t)) return null;
  const y = d.getUTCFullYear();
  if (y < 1 || y > 9999) return null;
  return d.toISOString().replace(/\.\d{3}Z$/, "+00:00");
}

const SCHEMA_ORDER = new Map<string, number>(MHL_ALGORITHMS.map((a, i) => [a, i]));

function fileXml(rel: string, f: FileNode, hashdate: string): string {
  const mtime = isoSeconds(f.mtime);
  let s = `    <hash>\n      <path size="${f.size}"${mtime ? ` lastmodificationdate="${mtime}"` : ""}>${escapeText(rel)}</path>\n`;
  // The schema fixes the order of formats inside a <hash>.
  const entries = [...f.entries].sort((a, b) => SCHEMA_ORDER.get(a.format)! - SCHEMA_ORDER.get(b.format)!);
  for (const e of entries) s += `      <${e.format} action="${e.action}" hashdate="${hashdate}">${e.hash}</${e.format}>\n`;
  return s + "    </hash>\n";
}

function dirHashesXml(indent: string, alg: MhlAlgorithm, node: DirNode, hashdate: string): string {
  const i1 = indent + "  ";
  return (
    `${indent}<content>\n${i1}<${alg} hashdate="${hashdate}">${node.content}</${alg}>\n${indent}</content>\n` +
    `${indent}<structure>\n${i1}<${alg} hashdate="${hashdate}">${node.structure}</${alg}>\n${indent}</structure>\n`
  );
}

function dirXml(rel: string, node: DirNode, alg: MhlAlgorithm, hashdate: string): string {
  const mtime = node.mtime ? isoSeconds(node.mtime) : null;
  return (
    `    <directoryhash>\n      <path${mtime ? ` lastmodificationdate="${mtime}"` : ""}>${escapeText(rel)}</path>\n` +
    dirHashesXml("      ", alg, node, hashdate) +
    "    </directoryhash>\n"
  );
}

/** The reference's order: each subdirectory's subtree, then this directory's files, then its own entry. */
function* hashesXml(node: DirNode, rel: string, alg: MhlAlgorithm, hashdate: string): Generator<string> {
  const join = (name: string): string => (rel === "" ? name : `${rel}/${name}`);
  for (const name of [...node.dirs.keys()].sort(byCodePoint)) yield* hashesXml(node.dirs.get(name)!, join(name), alg, hashdate);
  for (const name of [...node.files.keys()].sort(byCodePoint)) yield fileXml(join(name), node.files.get(name)!, hashdate);
  if (rel !== "") yield dirXml(rel, node, alg, hashdate);
}

function chainXml(entries: readonly ChainEntry[]): string {
  let s = '<?xml version="1.0" encoding="UTF-8"?>\n<ascmhldirectory xmlns="urn:ASC:MHL:DIRECTORY:v2.0">\n';
  for (const e of entries) {
    s += `  <hashlist sequencenr="${e.sequence}">\n    <path>${escapeText(e.path)}</path>\n    <c4>${e.c4}</c4>\n  </hashlist>\n`;
  }
  return s + "</ascmhldirectory>\n";
}

// ------------------------------------------------------------------ atomic files

/**
 * Writes `chunks` durably beside `final` (src/adapters/fs/durable.ts): with link() when
 * `exclusive` (an existing file is never replaced), else with rename(). Returns the C4 ID of
 * the bytes written.
 */
async function writeAtomic(final: string, chunks: Iterable<string>, exclusive: boolean): Promise<string> {
  const sha = createHash("sha512");
  const f = await openDurable(final, { exclusive });
  try {
    let pending: string[] = [];
    let size = 0;
    const flush = async (): Promise<void> => {
      const buf = Buffer.from(pending.join(""), "utf8");
      pending = [];
      size = 0;
      sha.update(buf);
      for (let off = 0; off < buf.length; ) off += (await f.handle.write(buf, off)).bytesWritten;
    };
    for (const c of chunks) {
      pending.push(c);
      size += c.length;
      if (size >= 1 << 20) await flush();
    }
    await flush();
  } catch (err) {
    await f.abort();
    throw err;
  }
  try {
    await f.commit();
  } catch (e) {
    if (isCode(e, "EEXIST")) throw new Error(`ascmhl: ${final} already exists; not overwriting it`);
    throw e;
  }
  return c4FromSha512(sha.digest());
}

// ------------------------------------------------------------------ writeGeneration

/**
 * Append a generation for `root` (a folder) from `files`, and add it to the chain.
 * Throws before writing anything when the existing history cannot be read.
 */
export async function writeGeneration(
  root: string,
  files: AsyncIterable<MhlFile> | Iterable<MhlFile>,
  opts: WriteGenerationOptions = {},
): Promise<GenerationResult> {
  const alg = opts.algorithm ?? DEFAULT_MHL_ALGORITHM;
  if (!isMhlAlgorithm(alg)) throw new Error(`ascmhl: unsupported hash format ${JSON.stringify(alg)} (supported: ${MHL_ALGORITHMS.join(", ")})`);
  const now = opts.now ?? new Date();
  const hashdate = isoSeconds(now);
  if (!hashdate) throw new Error(`ascmhl: invalid generation time ${String(now)}`);
  const host = opts.hostname ?? os.hostname();
  const toolName = opts.toolName ?? "prov";
  for (const s of [host, toolName, opts.toolVersion ?? "", ...(opts.ignore ?? [])]) checkXmlChars(s);
  const absRoot = path.resolve(root);
  if (!(await fs.stat(absRoot)).isDirectory()) throw new Error(`ascmhl: ${absRoot} is not a directory`);
  const mhlDir = path.join(absRoot, MHL_FOLDER);
  const chainFile = path.join(mhlDir, MHL_CHAIN_FILE);

  // Read everything that exists first: a bad chain or generation stops us before any write.
  const chain = await loadChain(chainFile);
  const history = await loadHistory(mhlDir);
  const generation = Math.max(history.lastGeneration, ...chain.map((e) => e.sequence)) + 1;

  const patterns = mergeIgnorePatterns(history.ignore, opts.ignore ?? []);
  const matchIgnore = mhlIgnoreMatcher(patterns);
  // Our own folder is never content, whatever the recorded patterns say.
  const ignored = (rel: string, isDir: boolean): boolean => rel === MHL_FOLDER || rel.startsWith(MHL_FOLDER + "/") || matchIgnore(rel, isDir);

  const tree = newDir();
  const seen = new Set<string>();
  const failed: string[] = [];
  const counts = { original: 0, verified: 0, failed: 0, ignored: 0 };

  for (const d of opts.directories ?? []) {
    const rel = normalizeRelPath(d.replace(/\/+$/, ""));
    if (!ignored(rel, true)) {
      const parts = rel.split("/");
      dirFor(tree, parts, parts.length, rel);
    }
  }

  for await (const f of files) {
    const rel = normalizeRelPath(f.path);
    if (ignored(rel, false)) {
      counts.ignored++;
      continue;
    }
    if (seen.has(rel)) throw new Error(`ascmhl: ${JSON.stringify(rel)} given twice`);
    seen.add(rel);
    if (!Number.isSafeInteger(f.size) || f.size < 0) throw new Error(`ascmhl: invalid size ${f.size} for ${JSON.stringify(rel)}`);
    const hash = normalizeDigest(alg, f.hash);
    const entries = await actionsFor(absRoot, rel, alg, hash, history.files.get(rel));
    // One count per file: failed if any entry failed.
    const action: MhlAction = entries.some((e) => e.action === "failed") ? "failed" : entries[0]!.action;
    counts[action]++;
    if (action === "failed") failed.push(rel);

    const parts = rel.split("/");
    const dir = dirFor(tree, parts, parts.length - 1, rel);
    const name = parts.at(-1)!;
    if (dir.dirs.has(name)) throw new Error(`ascmhl: ${JSON.stringify(rel)} is given both as a file and as a directory`);
    dir.files.set(name, { size: f.size, mtime: f.mtime, hash, entries });
  }

  const missing = [...history.files.keys()].filter((p) => !seen.has(p) && !ignored(p, false));

  await statDirs(tree, absRoot);
  const shot = await createOneShot(alg);
  try {
    computeDirHashes(tree, alg, shot);
  } finally {
    shot.release();
  }

  const hasHashes = tree.files.size > 0 || tree.dirs.size > 0;
  function* generationXml(): Generator<string> {
    yield '<?xml version="1.0" encoding="UTF-8"?>\n<hashlist version="2.0" xmlns="urn:ASC:MHL:v2.0">\n';
    yield `  <creatorinfo>\n    <creationdate>${hashdate}</creationdate>\n    <hostname>${escapeText(host)}</hostname>\n`;
    yield `    <tool${opts.toolVersion !== undefined ? ` version="${escapeAttr(opts.toolVersion)}"` : ""}>${escapeText(toolName)}</tool>\n  </creatorinfo>\n`;
    yield `  <processinfo>\n    <process>in-place</process>\n    <roothash>\n${dirHashesXml("      ", alg, tree, hashdate!)}    </roothash>\n`;
    yield `    <ignore>\n${patterns.map((p) => `      <pattern>${escapeText(p)}</pattern>\n`).join("")}    </ignore>\n  </processinfo>\n`;
    // <hashes> must not be empty: the schema wants at least one entry.
    if (hasHashes) {
      yield "  <hashes>\n";
      yield* hashesXml(tree, "", alg, hashdate!);
      yield "  </hashes>\n";
    }
    yield "</hashlist>\n";
  }

  const stamp = hashdate.slice(0, 10) + "_" + hashdate.slice(11, 19).replace(/:/g, "") + "Z";
  const fileName = `${String(generation).padStart(4, "0")}_${path.basename(absRoot)}_${stamp}.mhl`;
  const genFile = path.join(mhlDir, fileName);
  await fs.mkdir(mhlDir, { recursive: true });
  const c4 = await writeAtomic(genFile, generationXml(), true);
  // A generation written by a run that stopped before updating the chain joins it now.
  const chained = new Set(chain.map((e) => e.sequence));
  const orphans: ChainEntry[] = [];
  for (const g of history.generations) {
    if (!chained.has(g.n)) orphans.push({ sequence: g.n, path: g.name, c4: g.c4 });
  }
  const entries = [...chain, ...orphans, { sequence: generation, path: fileName, c4 }].sort((a, b) => a.sequence - b.sequence);
  await writeAtomic(chainFile, [chainXml(entries)], false);

  return {
    generation, file: genFile, chain: chainFile, c4, failed: failed.sort(byCodePoint), missing: missing.sort(byCodePoint), counts,
    rechained: orphans.map((o) => o.sequence),
    tampered: history.generations.filter((g) => chain.some((c) => c.sequence === g.n && c.path === g.name && c.c4 !== g.c4)).map((g) => g.n),
  };
}

/**
 * How the reference tool (generator.py, commands.py seal_file_path) records a file:
 *   - not in the history with an "original" entry: "original";
 *   - recorded before in this format: "verified" if the hash is the first one recorded, else "failed";
 *   - recorded before only in other formats: hash it again in the first of those and record
 *     that entry (verified/failed); the new format's entry follows as "verified" only if
 *     that verification passed. This re-read happens only when the format changes.
 */
async function actionsFor(root: string, rel: string, alg: MhlAlgorithm, hash: string, h: FileHistory | undefined): Promise<OutEntry[]> {
  if (!h || !h.original) return [{ format: alg, hash, action: "original" }];
  const same = (a: string, b: string, format: string): boolean => (format === "c4" ? a === b : a.toLowerCase() === b.toLowerCase());
  const prev = h.first.get(alg);
  if (prev !== undefined) return [{ format: alg, hash, action: same(prev, hash, alg) ? "verified" : "failed" }];

  const other = h.formats[0]!;
  if (!isMhlAlgorithm(other)) {
    throw new Error(`ascmhl: ${JSON.stringify(rel)} was recorded only in ${other}, which cannot be verified here (supported: ${MHL_ALGORITHMS.join(", ")})`);
  }
  const otherHash = await hashFileMhl(path.join(root, ...rel.split("/")), other);
  const ok = same(h.first.get(other)!, otherHash, other);
  const out: OutEntry[] = [{ format: other, hash: otherHash, action: ok ? "verified" : "failed" }];
  if (ok) out.push({ format: alg, hash, action: "verified" });
  return out;
}
