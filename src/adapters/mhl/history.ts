// Reading an ASC MHL history as the reference tool (ascmitc/mhl, history.py) does, for
// `prov mhl verify|diff|info`: every generation file in ROOT/ascmhl, the chain file with
// the C4 ID of each, and child histories (a folder below ROOT with its own ascmhl/ folder
// keeps the records of everything under it).
//
// The chain is checked while loading: each generation file's C4 ID is recomputed and
// compared with the chain's, so an edited generation is reported ("tampered"), as are a
// generation missing from the chain, a chained generation that is gone, and references to
// child generations whose C4 ID no longer matches. Those are findings, not errors; a file
// that cannot be read or is not an ASC MHL document is an InputError naming the file.

import type { Dirent } from "node:fs";
import fs from "node:fs/promises";
import path from "node:path";
import { InputError } from "../../domain/errors.js";
import { c4id } from "./c4.js";
import { GENERATION_NAME, MHL_CHAIN_FILE, MHL_FOLDER } from "./mhl.js";
import { parseGeneration, readChain, type ChainEntry, type HashEntry, type MhlGenerationDoc } from "./xml.js";

export interface LoadedGeneration {
  n: number;
  /** File name in the ascmhl folder. */
  name: string;
  file: string;
  /** C4 ID of the file as it is now. */
  c4: string;
  doc: MhlGenerationDoc;
  chain: "ok" | "tampered" | "unchained";
}

export type HistoryProblemKind = "tampered" | "unchained" | "missing-generation" | "reference-tampered" | "reference-missing";

export interface HistoryProblem {
  kind: HistoryProblemKind;
  /** The file concerned (absolute). */
  file: string;
  generation?: number | undefined;
  message: string;
  expected?: string | undefined;
  actual?: string | undefined;
}

/** What the history knows of one file path. */
export interface FileRecord {
  path: string;
  /** The first "original" entry (what the reference verifies against), with its generation. */
  original: { entry: HashEntry; generation: number; size: number | undefined; lastModified: string | undefined } | undefined;
  /** Per format, the first hash recorded in it. */
  first: Map<string, { hash: string; generation: number }>;
  /** Generations that list the file, in order. */
  generations: number[];
  /** Per generation that lists it: its entries, size and date. */
  records: { generation: number; size: number | undefined; lastModified: string | undefined; previousPath: string | undefined; entries: HashEntry[] }[];
}

export interface LoadedHistory {
  /** Absolute root of the managed folder. */
  root: string;
  /** Relative to the top root ("/"-separated), "" for the top history. */
  rel: string;
  mhlDir: string;
  chainFile: string;
  generations: LoadedGeneration[];
  /** null when there is no chain file. */
  chain: ChainEntry[] | null;
  problems: HistoryProblem[];
  files: Map<string, FileRecord>;
  /** The latest generation's ignore patterns; null when it has none. */
  ignore: string[] | null;
  children: LoadedHistory[];
}

function code(e: unknown): string {
  return typeof e === "object" && e !== null ? ((e as { code?: string }).code ?? "") : "";
}

function message(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

async function readBytes(file: string, what: string): Promise<Buffer> {
  try {
    return await fs.readFile(file);
  } catch (e) {
    throw new InputError(`cannot read ${what} ${file}: ${message(e)}`, { cause: e });
  }
}

/** XML text from bytes: UTF-8 (strict) unless a byte-order mark says UTF-16. */
function decode(buf: Buffer, file: string, what: string): string {
  try {
    if (buf[0] === 0xff && buf[1] === 0xfe) return new TextDecoder("utf-16le", { fatal: true }).decode(buf.subarray(2));
    if (buf[0] === 0xfe && buf[1] === 0xff) return new TextDecoder("utf-16be", { fatal: true }).decode(buf.subarray(2));
    return new TextDecoder("utf-8", { fatal: true }).decode(buf);
  } catch {
    throw new InputError(`${what} ${file} is not valid UTF-8 (or UTF-16 with a byte-order mark) text`);
  }
}

async function isDir(p: string): Promise<boolean> {
  try {
    return (await fs.stat(p)).isDirectory();
  } catch {
    return false;
  }
}

/** Whether `root` has an ASC MHL history (an ascmhl folder). */
export async function hasHistory(root: string): Promise<boolean> {
  return isDir(path.join(root, MHL_FOLDER));
}

/**
 * Load the history at `root` (and, with children, every child history below it). Returns
 * null when `root` has no ascmhl folder.
 */
export async function loadHistory(root: string, opts: { children?: boolean } = {}): Promise<LoadedHistory | null> {
  return load(path.resolve(root), "", opts.children ?? true);
}

async function load(root: string, rel: string, withChildren: boolean): Promise<LoadedHistory | null> {
  const mhlDir = path.join(root, MHL_FOLDER);
  if (!(await isDir(mhlDir))) return null;
  const chainFile = path.join(mhlDir, MHL_CHAIN_FILE);
  let names: Dirent[];
  try {
    names = await fs.readdir(mhlDir, { withFileTypes: true });
  } catch (e) {
    throw new InputError(`cannot read the ASC MHL folder ${mhlDir}: ${message(e)}`, { cause: e });
  }

  let chain: ChainEntry[] | null = null;
  if (names.some((d) => d.name === MHL_CHAIN_FILE)) {
    try {
      chain = readChain(decode(await readBytes(chainFile, "ASC MHL chain file"), chainFile, "ASC MHL chain file"));
    } catch (e) {
      if (e instanceof InputError) throw e;
      throw new InputError(`ASC MHL chain file ${chainFile} ${message(e)}`);
    }
  }
  const chained = new Map((chain ?? []).map((c) => [c.sequence, c]));

  const found = names
    .filter((d) => d.isFile())
    .map((d) => ({ name: d.name, m: GENERATION_NAME.exec(d.name) }))
    .filter((x): x is { name: string; m: RegExpExecArray } => x.m !== null)
    .map((x) => ({ name: x.name, n: Number(x.m[1]) }))
    .sort((a, b) => a.n - b.n);

  const problems: HistoryProblem[] = [];
  const generations: LoadedGeneration[] = [];
  for (const g of found) {
    const file = path.join(mhlDir, g.name);
    const bytes = await readBytes(file, "ASC MHL generation file");
    const c4 = c4id(bytes);
    const entry = chained.get(g.n);
    let state: LoadedGeneration["chain"] = "ok";
    if (!entry || entry.path !== g.name) {
      state = "unchained";
      problems.push({
        kind: "unchained", file, generation: g.n,
        message: entry ? `the chain's generation ${g.n} is ${entry.path}, not this file` : chain === null ? `there is no chain file (${MHL_CHAIN_FILE}) to vouch for it` : `generation ${g.n} is not in the chain`,
      });
    } else if (entry.c4 !== c4) {
      state = "tampered";
      problems.push({ kind: "tampered", file, generation: g.n, message: "its C4 ID differs from the one the chain recorded: the file was changed after it was written", expected: entry.c4, actual: c4 });
    }
    let doc: MhlGenerationDoc;
    try {
      doc = parseGeneration(decode(bytes, file, "ASC MHL generation file"));
    } catch (e) {
      if (e instanceof InputError) throw e;
      const tampered = state === "tampered" ? " (and its C4 ID differs from the chain's: it was changed after it was written)" : "";
      throw new InputError(`ASC MHL generation file ${file} ${message(e)}${tampered}`);
    }
    generations.push({ n: g.n, name: g.name, file, c4, doc, chain: state });
  }
  const onDisk = new Set(found.map((g) => g.n));
  for (const c of chain ?? []) {
    if (!onDisk.has(c.sequence)) {
      problems.push({ kind: "missing-generation", file: path.join(mhlDir, c.path), generation: c.sequence, message: `generation ${c.sequence} is in the chain but its file is gone` });
    }
  }

  const files = new Map<string, FileRecord>();
  for (const g of generations) {
    for (const f of g.doc.files) {
      let r = files.get(f.path);
      if (!r) files.set(f.path, (r = { path: f.path, original: undefined, first: new Map(), generations: [], records: [] }));
      r.generations.push(g.n);
      r.records.push({ generation: g.n, size: f.size, lastModified: f.lastModified, previousPath: f.previousPath, entries: f.entries });
      for (const e of f.entries) {
        if (!r.first.has(e.format)) r.first.set(e.format, { hash: e.hash, generation: g.n });
        if (!r.original && e.action === "original") r.original = { entry: e, generation: g.n, size: f.size, lastModified: f.lastModified };
      }
    }
  }

  const history: LoadedHistory = {
    root, rel, mhlDir, chainFile, generations, chain, problems, files,
    ignore: generations.at(-1)?.doc.ignore ?? null,
    children: [],
  };
  if (withChildren) {
    history.children = await findChildren(root, rel);
    await checkReferences(history);
  }
  return history;
}

/** Child histories: the first folders below root (not inside ascmhl/) that have their own ascmhl folder. */
async function findChildren(root: string, rel: string): Promise<LoadedHistory[]> {
  const out: LoadedHistory[] = [];
  const visit = async (abs: string, sub: string): Promise<void> => {
    let entries: Dirent[];
    try {
      entries = await fs.readdir(abs, { withFileTypes: true });
    } catch {
      return; // the walk of verify/diff reports unreadable folders
    }
    for (const d of entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))) {
      if (!d.isDirectory() || (sub === "" && d.name === MHL_FOLDER) || d.name === MHL_FOLDER) continue;
      const childAbs = path.join(abs, d.name);
      const childSub = sub === "" ? d.name : `${sub}/${d.name}`;
      const child = await load(childAbs, rel === "" ? childSub : `${rel}/${childSub}`, true);
      if (child) out.push(child);
      else await visit(childAbs, childSub);
    }
  };
  await visit(root, "");
  return out;
}

/** Each <hashlistreference> names a child generation by path and C4 ID: both must hold. */
async function checkReferences(h: LoadedHistory): Promise<void> {
  for (const g of h.generations) {
    for (const r of g.doc.references) {
      const file = path.join(h.root, ...r.path.split("/"));
      let bytes: Buffer;
      try {
        bytes = await fs.readFile(file);
      } catch (e) {
        if (code(e) !== "ENOENT") throw new InputError(`cannot read ASC MHL generation file ${file} (referenced by ${g.file}): ${message(e)}`, { cause: e });
        h.problems.push({ kind: "reference-missing", file, generation: g.n, message: `generation ${g.n} references this child generation, which is gone` });
        continue;
      }
      const c4 = c4id(bytes);
      if (c4 !== r.c4) {
        h.problems.push({ kind: "reference-tampered", file, generation: g.n, message: `its C4 ID differs from the one generation ${g.n} (${g.name}) referenced: the file was changed after it was written`, expected: r.c4, actual: c4 });
      }
    }
  }
}

/** The history itself and every child history below it, parents first. */
export function* allHistories(h: LoadedHistory): Generator<LoadedHistory> {
  yield h;
  for (const c of h.children) yield* allHistories(c);
}
