// XML for ASC MHL: escaping for what we write, and readers for generation files and the
// chain. Files written by other MHL tools use namespace prefixes, comments, CDATA and
// character references, so they are read with a real XML parser (fast-xml-parser), and
// elements are matched by namespace URI and local name, not by how they are spelled.
// Anything that is not well-formed XML or not an ASC MHL v2 document is an MhlFormatError
// saying what is wrong (and where, for a syntax error), never silently skipped.

import { XMLParser, XMLValidator } from "fast-xml-parser";
import { isC4Id } from "./c4.js";

export const MHL_NS = "urn:ASC:MHL:v2.0";
export const MHL_DIRECTORY_NS = "urn:ASC:MHL:DIRECTORY:v2.0";

// Characters XML 1.0 cannot carry at all, even escaped.
const NOT_XML = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

export function checkXmlChars(s: string): void {
  if (NOT_XML.test(s)) throw new Error(`mhl: ${JSON.stringify(s)} has characters XML cannot carry`);
}

/** Escape element text. "\r" is escaped so a parser's newline normalization keeps it. */
export function escapeText(s: string): string {
  checkXmlChars(s);
  return s.replace(/[&<>\r]/g, (c) => (c === "&" ? "&amp;" : c === "<" ? "&lt;" : c === ">" ? "&gt;" : "&#13;"));
}

/** Escape an attribute value (double-quoted); whitespace is escaped so it survives normalization. */
export function escapeAttr(s: string): string {
  checkXmlChars(s);
  return s.replace(/[&<>"\r\n\t]/g, (c) => {
    switch (c) {
      case "&":
        return "&amp;";
      case "<":
        return "&lt;";
      case ">":
        return "&gt;";
      case '"':
        return "&quot;";
      default:
        return `&#${c.charCodeAt(0)};`;
    }
  });
}

// ------------------------------------------------------------------ reading

/** What is wrong with an MHL document (the caller names the file). */
export class MhlFormatError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MhlFormatError";
  }
}

/** An element after namespace resolution: local name, namespace URI, attributes without prefix. */
export interface XmlElement {
  ns: string | null;
  name: string;
  attrs: Map<string, string>;
  children: XmlElement[];
  /** Direct text and CDATA, entities decoded, not trimmed. */
  text: string;
}

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

/** Decode the five predefined entities and character references; anything else is an error. */
export function unescapeXml(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&([^;&\s]*);?/g, (m, ref: string) => {
    if (!m.endsWith(";")) throw new MhlFormatError(`a bare "&" (not an entity reference) in ${JSON.stringify(s.slice(0, 80))}`);
    let cp: number;
    if (/^#x[0-9a-fA-F]+$/.test(ref)) cp = parseInt(ref.slice(2), 16);
    else if (/^#[0-9]+$/.test(ref)) cp = parseInt(ref.slice(1), 10);
    else {
      const named = NAMED[ref];
      if (named === undefined) throw new MhlFormatError(`unknown XML entity ${m}`);
      return named;
    }
    if (cp > 0x10ffff || NOT_XML.test(String.fromCodePoint(cp))) throw new MhlFormatError(`character reference ${m} names no XML character`);
    return String.fromCodePoint(cp);
  });
}

type FxpNode = Record<string, unknown>;

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: "",
  attributesGroupName: false,
  // Entities are decoded here (unescapeXml), after CDATA is told apart from text, so a
  // CDATA "&amp;" stays as written and "&amp;#13;" is not decoded twice.
  processEntities: false,
  htmlEntities: false,
  cdataPropName: "#cdata",
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  removeNSPrefix: false,
  // No callbacks use the path of a tag; building it as a string for every tag tripled the
  // parse time of a 5,000-file generation.
  jPath: false,
});

/** A DOCTYPE in the prolog: MHL files have none, and refusing it rules out entity expansion. */
const DOCTYPE = /^(?:\s|<\?[\s\S]*?\?>|<!--[\s\S]*?-->)*<!DOCTYPE/i;

/**
 * Parse a document into namespace-resolved elements. Throws MhlFormatError with line and
 * column for anything that is not well-formed.
 */
export function parseXml(text: string): XmlElement {
  // XML's end-of-line handling, before parsing: "\r\n" and "\r" read as "\n".
  const xml = text.replace(/^\uFEFF/, "").replace(/\r\n?/g, "\n");
  if (DOCTYPE.test(xml)) throw new MhlFormatError("has a DOCTYPE declaration, which ASC MHL files never have");
  const bad = NOT_XML.exec(xml);
  if (bad) throw new MhlFormatError(`has a character XML cannot carry (U+${bad[0].charCodeAt(0).toString(16).toUpperCase().padStart(4, "0")}) at offset ${bad.index}`);
  const v = XMLValidator.validate(xml, { allowBooleanAttributes: false });
  if (v !== true) throw new MhlFormatError(`is not well-formed XML: ${v.err.msg} (line ${v.err.line}, column ${v.err.col})`);
  const top = parser.parse(xml) as FxpNode[];
  const roots = top.filter((n) => elementName(n) !== null);
  if (roots.length !== 1) throw new MhlFormatError(`is not well-formed XML: ${roots.length} root elements`);
  return resolve(roots[0]!, new Map([["xml", "http://www.w3.org/XML/1998/namespace"]]));
}

function elementName(n: FxpNode): string | null {
  for (const k of Object.keys(n)) if (k !== ":@" && k !== "#text" && k !== "#cdata") return k;
  return null;
}

function resolve(n: FxpNode, outer: Map<string, string>): XmlElement {
  const qname = elementName(n)!;
  const rawAttrs = (n[":@"] ?? {}) as Record<string, string>;
  let scope = outer;
  const attrs = new Map<string, string>();
  for (const [k, raw] of Object.entries(rawAttrs)) {
    // Attribute value normalization: literal whitespace reads as a space, references stay.
    const value = unescapeXml(String(raw).replace(/[\t\n]/g, " "));
    if (k === "xmlns" || k.startsWith("xmlns:")) {
      if (scope === outer) scope = new Map(outer);
      scope.set(k === "xmlns" ? "" : k.slice(6), value);
    } else if (!k.includes(":")) {
      attrs.set(k, value);
    }
  }
  const colon = qname.indexOf(":");
  const prefix = colon < 0 ? "" : qname.slice(0, colon);
  const ns = scope.get(prefix);
  if (prefix !== "" && ns === undefined) throw new MhlFormatError(`uses the namespace prefix "${prefix}" without declaring it (<${qname}>)`);
  const el: XmlElement = { ns: ns === undefined || ns === "" ? null : ns, name: qname.slice(colon + 1), attrs, children: [], text: "" };
  const kids = n[qname] as FxpNode[];
  for (const k of kids) {
    if ("#text" in k) el.text += unescapeXml(String(k["#text"]));
    else if ("#cdata" in k) {
      for (const c of k["#cdata"] as FxpNode[]) el.text += String(c["#text"] ?? "");
    } else if (elementName(k) !== null) el.children.push(resolve(k, scope));
  }
  return el;
}

/** Children of `el` in namespace `ns` named `name` (any name when omitted). */
function kids(el: XmlElement, ns: string, name?: string): XmlElement[] {
  return el.children.filter((c) => c.ns === ns && (name === undefined || c.name === name));
}

function one(el: XmlElement, ns: string, name: string, where: string): XmlElement | undefined {
  const list = kids(el, ns, name);
  if (list.length > 1) throw new MhlFormatError(`${where} has ${list.length} <${name}> elements, at most one is allowed`);
  return list[0];
}

function textOf(el: XmlElement | undefined): string | undefined {
  return el === undefined ? undefined : el.text.trim();
}

export interface HashEntry {
  format: string;
  hash: string;
  action: string | undefined;
  hashdate?: string | undefined;
}

export interface MhlFileRecord {
  path: string;
  size: number | undefined;
  lastModified: string | undefined;
  /** The path the file had before (a rename recorded by the writer). */
  previousPath: string | undefined;
  entries: HashEntry[];
}

export interface MhlDirectoryRecord {
  path: string;
  lastModified: string | undefined;
  content: HashEntry[];
  structure: HashEntry[];
}

export interface MhlAuthor {
  name: string;
  email: string | undefined;
  phone: string | undefined;
  role: string | undefined;
}

export interface MhlGenerationDoc {
  creator: {
    creationDate: string | undefined;
    hostname: string | undefined;
    tool: string | undefined;
    toolVersion: string | undefined;
    authors: MhlAuthor[];
    location: string | undefined;
    comment: string | undefined;
  };
  process: string | undefined;
  rootHash: { content: HashEntry[]; structure: HashEntry[] } | undefined;
  /** null when the generation has no <ignore>. */
  ignore: string[] | null;
  files: MhlFileRecord[];
  directories: MhlDirectoryRecord[];
  /** Child histories' generations this one references (path relative to this root). */
  references: { path: string; c4: string }[];
}

/** Elements a <hash> or <directoryhash> holds besides its hash entries. */
const NOT_A_FORMAT = new Set(["path", "previousPath", "metadata", "content", "structure"]);

function hashEntries(el: XmlElement, where: string): HashEntry[] {
  const out: HashEntry[] = [];
  for (const c of kids(el, MHL_NS)) {
    if (NOT_A_FORMAT.has(c.name)) continue;
    const hash = c.text.trim();
    if (hash === "") throw new MhlFormatError(`${where}: an empty <${c.name}> hash`);
    out.push({ format: c.name, hash, action: c.attrs.get("action"), hashdate: c.attrs.get("hashdate") });
  }
  return out;
}

function dirHashes(el: XmlElement, where: string): { content: HashEntry[]; structure: HashEntry[] } {
  const content = one(el, MHL_NS, "content", where);
  const structure = one(el, MHL_NS, "structure", where);
  return { content: content ? hashEntries(content, where + " <content>") : [], structure: structure ? hashEntries(structure, where + " <structure>") : [] };
}

function pathOf(el: XmlElement, where: string): XmlElement {
  const p = one(el, MHL_NS, "path", where);
  const v = textOf(p);
  if (p === undefined || v === undefined || v === "") throw new MhlFormatError(`${where} has no <path>`);
  return p;
}

/** Read a whole generation (.mhl) file. */
export function parseGeneration(xml: string): MhlGenerationDoc {
  const root = parseXml(xml);
  if (root.name !== "hashlist") throw new MhlFormatError(`is not an ASC MHL hashlist (root element <${root.name}>, expected <hashlist>)`);
  if (root.ns !== MHL_NS) throw new MhlFormatError(`is not an ASC MHL v2.0 hashlist (namespace ${root.ns === null ? "missing" : JSON.stringify(root.ns)}, expected ${MHL_NS})`);

  const ci = one(root, MHL_NS, "creatorinfo", "<hashlist>");
  const tool = ci ? one(ci, MHL_NS, "tool", "<creatorinfo>") : undefined;
  const creator: MhlGenerationDoc["creator"] = {
    creationDate: ci ? textOf(one(ci, MHL_NS, "creationdate", "<creatorinfo>")) : undefined,
    hostname: ci ? textOf(one(ci, MHL_NS, "hostname", "<creatorinfo>")) : undefined,
    tool: textOf(tool),
    toolVersion: tool?.attrs.get("version"),
    authors: ci
      ? kids(ci, MHL_NS, "author").map((a) => ({ name: a.text.trim(), email: a.attrs.get("email"), phone: a.attrs.get("phone"), role: a.attrs.get("role") }))
      : [],
    location: ci ? textOf(one(ci, MHL_NS, "location", "<creatorinfo>")) : undefined,
    comment: ci ? textOf(one(ci, MHL_NS, "comment", "<creatorinfo>")) : undefined,
  };

  const pi = one(root, MHL_NS, "processinfo", "<hashlist>");
  let ignore: string[] | null = null;
  let rootHash: MhlGenerationDoc["rootHash"];
  if (pi) {
    const ign = one(pi, MHL_NS, "ignore", "<processinfo>");
    if (ign) ignore = kids(ign, MHL_NS, "pattern").map((p) => p.text);
    const rh = one(pi, MHL_NS, "roothash", "<processinfo>");
    if (rh) rootHash = dirHashes(rh, "<roothash>");
  }

  const files: MhlFileRecord[] = [];
  const directories: MhlDirectoryRecord[] = [];
  for (const hashes of kids(root, MHL_NS, "hashes")) {
    for (const h of hashes.children) {
      if (h.ns !== MHL_NS) continue;
      if (h.name === "hash") {
        const where = `<hash> #${files.length + 1}`;
        const p = pathOf(h, where);
        const rel = p.text.trim();
        // Early drafts marked directories as <hash directory="true">: not files.
        if (h.attrs.get("directory") === "true") {
          directories.push({ path: rel, lastModified: p.attrs.get("lastmodificationdate"), content: [], structure: [] });
          continue;
        }
        const sizeAttr = p.attrs.get("size");
        let size: number | undefined;
        if (sizeAttr !== undefined) {
          if (!/^\s*\d+\s*$/.test(sizeAttr) || !Number.isSafeInteger(Number(sizeAttr))) throw new MhlFormatError(`${where} (${JSON.stringify(rel)}) has an invalid size ${JSON.stringify(sizeAttr)}`);
          size = Number(sizeAttr);
        }
        const entries = hashEntries(h, `${where} (${JSON.stringify(rel)})`);
        if (entries.length === 0) throw new MhlFormatError(`${where} (${JSON.stringify(rel)}) has no hash`);
        files.push({ path: rel, size, lastModified: p.attrs.get("lastmodificationdate"), previousPath: textOf(one(h, MHL_NS, "previousPath", where)), entries });
      } else if (h.name === "directoryhash") {
        const where = `<directoryhash> #${directories.length + 1}`;
        const p = pathOf(h, where);
        directories.push({ path: p.text.trim(), lastModified: p.attrs.get("lastmodificationdate"), ...dirHashes(h, `${where} (${JSON.stringify(p.text.trim())})`) });
      }
    }
  }

  const references: MhlGenerationDoc["references"] = [];
  for (const refs of kids(root, MHL_NS, "references")) {
    for (const r of kids(refs, MHL_NS, "hashlistreference")) {
      const where = `<hashlistreference> #${references.length + 1}`;
      const p = textOf(pathOf(r, where))!;
      const c4 = textOf(one(r, MHL_NS, "c4", where));
      if (c4 === undefined || !isC4Id(c4)) throw new MhlFormatError(`${where} (${JSON.stringify(p)}) has no valid <c4> (${JSON.stringify(c4 ?? null)})`);
      references.push({ path: p, c4 });
    }
  }
  return { creator, process: pi ? textOf(one(pi, MHL_NS, "process", "<processinfo>")) : undefined, rootHash, ignore, files, directories, references };
}

/**
 * Read one generation (.mhl) file: calls onFile for each file <hash> in document order,
 * returns the ignore patterns (null when the file has no <ignore>).
 */
export function readGeneration(xml: string, onFile: (path: string, entries: HashEntry[]) => void): { ignore: string[] | null } {
  const doc = parseGeneration(xml);
  for (const f of doc.files) onFile(f.path, f.entries.map((e) => ({ format: e.format, hash: e.hash, action: e.action })));
  return { ignore: doc.ignore };
}

export interface ChainEntry {
  sequence: number;
  /** The generation file's name, relative to the ascmhl folder. */
  path: string;
  c4: string;
}

/** Read ascmhl_chain.xml. Throws on anything that is not a well-formed list of <hashlist> entries. */
export function readChain(xml: string): ChainEntry[] {
  const root = parseXml(xml);
  if (root.name !== "ascmhldirectory") throw new MhlFormatError(`is not an ASC MHL chain (root element <${root.name}>, expected <ascmhldirectory>)`);
  if (root.ns !== MHL_DIRECTORY_NS) {
    throw new MhlFormatError(`is not an ASC MHL v2.0 chain (namespace ${root.ns === null ? "missing" : JSON.stringify(root.ns)}, expected ${MHL_DIRECTORY_NS})`);
  }
  const entries: ChainEntry[] = [];
  for (const c of root.children) {
    if (c.ns !== MHL_DIRECTORY_NS || c.name !== "hashlist") throw new MhlFormatError(`has unexpected content in the chain: <${c.name}>`);
    const seq = c.attrs.get("sequencenr");
    if (seq === undefined || !/^\s*\d+\s*$/.test(seq)) throw new MhlFormatError(`has a <hashlist> without a valid sequencenr (${JSON.stringify(seq ?? null)})`);
    // The schema puts <path> and <c4> in the directory namespace; accept the MHL one too.
    const pick = (name: string): string | undefined => {
      const found = c.children.filter((x) => (x.ns === MHL_DIRECTORY_NS || x.ns === MHL_NS) && x.name === name);
      if (found.length > 1) throw new MhlFormatError(`<hashlist sequencenr="${seq.trim()}"> has ${found.length} <${name}> elements`);
      return textOf(found[0]);
    };
    const p = pick("path");
    const id = pick("c4");
    if (!p || id === undefined) throw new MhlFormatError(`<hashlist sequencenr="${seq.trim()}"> lacks a <path> or a <c4>`);
    if (!isC4Id(id)) throw new MhlFormatError(`<hashlist sequencenr="${seq.trim()}"> has an invalid C4 ID ${JSON.stringify(id)}`);
    entries.push({ sequence: Number(seq), path: p, c4: id });
  }
  return entries;
}
