// Just enough XML for ASC MHL: escaping for what we write, and small readers for the
// elements we need back from generation files and the chain. Those files are
// machine-written (by us or by other MHL tools), so a reader of the few elements we use
// does the job without an XML dependency; anything that does not look like an MHL file
// is an error naming the file, never silently skipped.

import { isC4Id } from "./c4.js";

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

const NAMED: Record<string, string> = { amp: "&", lt: "<", gt: ">", quot: '"', apos: "'" };

export function unescapeXml(s: string): string {
  if (!s.includes("&")) return s;
  return s.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[a-z]+);/g, (m, ref: string) => {
    if (ref.startsWith("#x")) return String.fromCodePoint(parseInt(ref.slice(2), 16));
    if (ref.startsWith("#")) return String.fromCodePoint(parseInt(ref.slice(1), 10));
    const named = NAMED[ref];
    if (named === undefined) throw new Error(`unknown XML entity ${m}`);
    return named;
  });
}

function attr(attrs: string, name: string): string | undefined {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)')`).exec(attrs);
  return m ? unescapeXml(m[1] ?? m[2] ?? "") : undefined;
}

/** Remove comments and the XML declaration; CDATA sections are unwrapped into escaped text. */
function prepare(xml: string): string {
  return xml
    .replace(/^\uFEFF/, "")
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<\?[\s\S]*?\?>/g, "")
    .replace(/<!\[CDATA\[([\s\S]*?)\]\]>/g, (_m, t: string) => t.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;"));
}

/** Element name without a namespace prefix ("ascmhl:hash" → "hash"); the regexes allow one. */
const P = "(?:[A-Za-z_][\\w.-]*:)?";

export interface HashEntry {
  format: string;
  hash: string;
  action: string | undefined;
}

/** The hash element names a <hash> may hold (the schema's, plus sha256 some tools write). */
const FORMAT_NAMES = "c4|md5|sha1|sha256|xxh128|xxh3|xxh64|xxh32";

/**
 * Read one generation (.mhl) file: calls onFile for each file <hash> in document order,
 * returns the ignore patterns (null when the file has no <ignore>).
 */
export function readGeneration(xml: string, onFile: (path: string, entries: HashEntry[]) => void): { ignore: string[] | null } {
  const doc = prepare(xml);
  const root = new RegExp(`^\\s*<${P}hashlist\\b([^>]*)>([\\s\\S]*)</${P}hashlist>\\s*$`).exec(doc);
  if (!root) throw new Error("not an ASC MHL hashlist (no <hashlist> … </hashlist> root)");
  if (!/urn:ASC:MHL:v2\.0/.test(root[1]!)) throw new Error("not an ASC MHL v2.0 hashlist (namespace urn:ASC:MHL:v2.0 missing)");
  const body = root[2]!;

  let ignore: string[] | null = null;
  const ign = new RegExp(`<${P}ignore\\s*>([\\s\\S]*?)</${P}ignore\\s*>`).exec(body);
  if (ign) {
    ignore = [];
    const pat = new RegExp(`<${P}pattern\\s*>([^<]*)</${P}pattern\\s*>`, "g");
    for (const m of ign[1]!.matchAll(pat)) ignore.push(unescapeXml(m[1]!));
  }

  // <hash> (files) only: <hashes>, <hashlist…> and <directoryhash> are different names.
  const hashRe = new RegExp(`<${P}hash(\\s[^>]*)?>([\\s\\S]*?)</${P}hash\\s*>`, "g");
  const pathRe = new RegExp(`<${P}path\\b[^>]*>([^<]*)</${P}path\\s*>`);
  const entryRe = new RegExp(`<${P}(${FORMAT_NAMES})\\b([^>]*)>([^<]*)</${P}\\1\\s*>`, "g");
  for (const m of body.matchAll(hashRe)) {
    // Early drafts marked directories as <hash directory="true">: not files.
    if (m[1] && attr(m[1], "directory") === "true") continue;
    const inner = m[2]!;
    const p = pathRe.exec(inner);
    if (!p) throw new Error(`a <hash> without a <path> near offset ${m.index}`);
    const entries: HashEntry[] = [];
    for (const e of inner.matchAll(entryRe)) {
      entries.push({ format: e[1]!, hash: unescapeXml(e[3]!).trim(), action: attr(e[2]!, "action") });
    }
    onFile(unescapeXml(p[1]!), entries);
  }
  return { ignore };
}

export interface ChainEntry {
  sequence: number;
  /** The generation file's name, relative to the ascmhl folder. */
  path: string;
  c4: string;
}

/** Read ascmhl_chain.xml. Throws on anything that is not a well-formed list of <hashlist> entries. */
export function readChain(xml: string): ChainEntry[] {
  const doc = prepare(xml);
  const root = new RegExp(`^\\s*<${P}ascmhldirectory\\b([^>]*)>([\\s\\S]*)</${P}ascmhldirectory\\s*>\\s*$`).exec(doc);
  if (!root) throw new Error("not an ASC MHL chain (no <ascmhldirectory> … </ascmhldirectory> root)");
  if (!/urn:ASC:MHL:DIRECTORY:v2\.0/.test(root[1]!)) throw new Error("not an ASC MHL v2.0 chain (namespace urn:ASC:MHL:DIRECTORY:v2.0 missing)");
  const entries: ChainEntry[] = [];
  const itemRe = new RegExp(`<${P}hashlist\\b([^>]*)>([\\s\\S]*?)</${P}hashlist\\s*>`, "g");
  const rest = root[2]!.replace(itemRe, (_m, attrs: string, inner: string) => {
    const seq = attr(attrs, "sequencenr");
    const p = new RegExp(`<${P}path\\b[^>]*>([^<]*)</${P}path\\s*>`).exec(inner);
    const c4 = new RegExp(`<${P}c4\\b[^>]*>([^<]*)</${P}c4\\s*>`).exec(inner);
    if (seq === undefined || !/^\s*\d+\s*$/.test(seq)) throw new Error(`a <hashlist> without a valid sequencenr (${JSON.stringify(seq ?? null)})`);
    if (!p || !c4) throw new Error(`<hashlist sequencenr="${seq.trim()}"> lacks a <path> or a <c4>`);
    const id = unescapeXml(c4[1]!).trim();
    if (!isC4Id(id)) throw new Error(`<hashlist sequencenr="${seq.trim()}"> has an invalid C4 ID ${JSON.stringify(id)}`);
    entries.push({ sequence: Number(seq), path: unescapeXml(p[1]!).trim(), c4: id });
    return "";
  });
  if (rest.trim() !== "") throw new Error(`unexpected content in the chain: ${JSON.stringify(rest.trim().slice(0, 80))}`);
  return entries;
}
