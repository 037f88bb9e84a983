// Sidecars. XMP: `shot.xmp` (Adobe Camera Raw / Lightroom / Bridge: the media's name with its
// extension replaced) and `shot.exr.xmp` (darktable, digiKam, RawTherapee: the whole name plus
// .xmp) describe the file beside them. Their labels (IPTC DigitalSourceType, AI system, ...)
// count for that file's content: read by ExifTool like the file's own, recorded with its
// metadata evidence, each field prefixed "sidecar:" and the sidecar's path in the detail.
// A sidecar with its media beside it is not recorded as a file of its own (it is not media);
// the scan reports it skipped as "XMP sidecar of <name>". An .xmp with no media beside it stays
// a file of its own, as before.
// C2PA: `shot.c2pa` (the C2PA spec's sidecar: the asset's name with .c2pa) holds the manifest
// store of the file beside it, or the remote manifest its XMP dcterms:provenance points at,
// saved by the user. Its evidence is recorded like an embedded store's (the same fields, so
// the C2PA rules apply unchanged) with the sidecar's path in the detail, and scan and sweep
// validate it against the asset (src/app/c2pa.ts).

import { lstatSync } from "node:fs";
import { lstat, open, readdir } from "node:fs/promises";
import path from "node:path";
import { statKey } from "../adapters/fs/hash.js";
import type { WalkEntry } from "../adapters/fs/walk.js";
import { statKeyString } from "../domain/identity.js";
import { evidenceFromTags } from "../domain/evidence.js";
import type { Evidence } from "../domain/types.js";
import type { MetadataReader, MetadataResult } from "../ports.js";

/** The field prefix of evidence read from a sidecar (and of the row saying which sidecar was read). */
export const SIDECAR_FIELD_PREFIX = "sidecar:";
const READ_FIELD = `${SIDECAR_FIELD_PREFIX}read`;
/** Files that are never the media a sidecar describes. */
const NOT_MEDIA = new Set(["xmp", "c2pa"]);

const isXmp = (name: string): boolean => /\.xmp$/i.test(name);
const isC2pa = (name: string): boolean => /\.c2pa$/i.test(name);
const extOf = (name: string): string => path.extname(name).slice(1).toLowerCase();

/** Which XMP sidecars of a folder describe which of its files (one walk batch: a folder's entries). */
export interface FolderSidecars {
  /** media path → its sidecar paths (both conventions may be present). */
  ofMedia: Map<string, string[]>;
  /** sidecar path → what the scan says of it ("XMP sidecar of shot.exr"). */
  describes: Map<string, string>;
}

/**
 * Whether a file named as a sidecar holds what its name says: XMP text (a packet, an
 * `x:xmpmeta` or RDF document) for `.xmp`, a JUMBF manifest store for `.c2pa`. A picture
 * renamed `shot.xmp` beside `shot.png` is judged as the file it is, never waved through as
 * a sidecar (in deliverables that would let GenAI pass by its name).
 */
export async function holdsSidecarContent(p: string): Promise<boolean> {
  let fh;
  try {
    fh = await open(p, "r");
    const head = Buffer.alloc(64);
    const { bytesRead: n } = await fh.read(head, 0, head.length, 0);
    if (isC2pa(p)) return n >= 8 && head.toString("latin1", 4, 8) === "jumb";
    const text = head.subarray(0, n).toString("utf8").replace(/^\uFEFF/, "").trimStart();
    return /^<(\?xpacket|x:xmpmeta|\?xml|rdf:RDF)/.test(text);
  } catch {
    return false;
  } finally {
    await fh?.close();
  }
}

export async function xmpSidecarsIn(batch: readonly WalkEntry[]): Promise<FolderSidecars> {
  const ofMedia = new Map<string, string[]>();
  const describes = new Map<string, string>();
  const files = batch.filter((e) => e.type === "file");
  if (!files.some((e) => isXmp(e.path) || isC2pa(e.path))) return { ofMedia, describes };
  const media = files.filter((e) => !NOT_MEDIA.has(extOf(e.path)));
  const byName = new Map(media.map((e) => [path.basename(e.path).toLowerCase(), e.path]));
  const byStem = new Map<string, string[]>();
  for (const e of media) {
    const n = path.basename(e.path);
    const stem = n.slice(0, n.length - path.extname(n).length).toLowerCase();
    byStem.set(stem, [...(byStem.get(stem) ?? []), e.path]);
  }
  for (const e of files) {
    const name = path.basename(e.path);
    const xmp = isXmp(name);
    if (!xmp && !isC2pa(name)) continue;
    if (!(await holdsSidecarContent(e.path))) continue; // named like a sidecar, but something else: a file of its own
    const bare = name.slice(0, -(xmp ? 4 : 5)).toLowerCase();
    // "shot.exr.xmp" names its file exactly; "shot.xmp" every file named shot.* (a raw and its JPEG: both).
    const whole = xmp ? byName.get(bare) : undefined;
    const targets = whole ? [whole] : (byStem.get(bare) ?? []);
    for (const t of targets) {
      ofMedia.set(t, [...(ofMedia.get(t) ?? []), e.path]);
      if (!describes.has(e.path)) describes.set(e.path, `${xmp ? "XMP sidecar" : "C2PA manifest store"} of ${path.basename(t)}`);
    }
  }
  return { ofMedia, describes };
}

/** A sidecar's stat as recorded with its evidence (its change makes the media be read again). */
export function sidecarStat(p: string): string | null {
  try {
    return statKeyString(statKey(lstatSync(p, { bigint: true })));
  } catch {
    return null;
  }
}

/** Evidence a sidecar gives for the file it describes, and a row saying it was read (and in what state). */
export function sidecarEvidence(sidecar: string, read: MetadataResult | undefined, stat: string | null): Evidence[] {
  const detail = { sidecar, stat };
  if (!read?.ok) {
    return [{ source: "exiftool", field: READ_FIELD, value: `${path.basename(sidecar)}: not read (${read ? read.reason : "no answer"})`, signal: "info", detail }];
  }
  // A .c2pa store's evidence keeps the embedded store's field names (the C2PA rules read them); an XMP sidecar's is prefixed.
  const prefix = isC2pa(sidecar) ? "" : SIDECAR_FIELD_PREFIX;
  const own = evidenceFromTags(read.metadata.tags).map((e) => ({ ...e, field: `${prefix}${e.field}`, detail: { ...(e.detail ?? {}), sidecar } }));
  return [...own, { source: "exiftool", field: READ_FIELD, value: path.basename(sidecar), signal: "info", detail }];
}

/** Whether a row came from a sidecar; its sidecar path. */
export function sidecarOf(e: { field: string; detail?: Record<string, unknown> | undefined }): string | undefined {
  const s = e.detail?.["sidecar"];
  return typeof s === "string" ? s : undefined;
}

/**
 * Evidence of a content read again at `mediaPath`: the sidecars read now replace what was
 * recorded from the sidecars this path could have (one deleted stops counting); what other
 * copies' sidecars said is kept (labels count for the content, wherever it lies).
 */
export function mergeSidecarEvidence(mediaPath: string, recorded: readonly Evidence[], fresh: readonly Evidence[]): Evidence[] {
  const mine = new Set(candidateSidecars(mediaPath).map((c) => c.toLowerCase()));
  return [...recorded.filter((e) => {
    const s = sidecarOf(e);
    return s !== undefined && !mine.has(s.toLowerCase());
  }), ...fresh];
}

/** Where a sidecar of this file would be, by both conventions (exact case of the media name). */
export function candidateSidecars(mediaPath: string): string[] {
  const dir = path.dirname(mediaPath);
  const name = path.basename(mediaPath);
  const stem = name.slice(0, name.length - path.extname(name).length);
  return [path.join(dir, `${stem}.xmp`), `${mediaPath}.xmp`, path.join(dir, `${stem}.c2pa`)];
}

/** Whether the sidecars of a recorded content are the ones its record was made with (else it is read again). */
export function sidecarsCurrent(recorded: ReadonlyArray<{ field: string; detail?: Record<string, unknown> | undefined }>, sidecars: readonly string[]): boolean {
  return sidecars.every((s) => recorded.some((e) => e.field === READ_FIELD && e.detail?.["sidecar"] === s && e.detail?.["stat"] === sidecarStat(s)));
}

/**
 * The XMP sidecars beside one file, found by name (two lstat calls, no listing) and read in one
 * ExifTool call with the file's own labels when those are wanted too (`withFile`). For the
 * gate, which judges one file at a time. undefined: no sidecar is there (nothing read).
 */
export async function readSidecarsOf(
  reader: Pick<MetadataReader, "readMany">,
  mediaPath: string,
  withFile: { size: number } | null,
): Promise<{ evidence: Evidence[]; file: MetadataResult | undefined } | undefined> {
  if (NOT_MEDIA.has(extOf(mediaPath))) return undefined;
  const found = await existing(candidateSidecars(mediaPath));
  if (found.length === 0) return undefined;
  const stats = found.map(sidecarStat);
  const asked = [...(withFile ? [{ path: mediaPath, size: withFile.size }] : []), ...found.map((p) => ({ path: p, size: 0, mediaHash: false }))];
  const read = await reader.readMany(asked);
  const own = withFile ? read.shift() : undefined;
  return { evidence: found.flatMap((p, i) => sidecarEvidence(p, read[i], stats[i] ?? null)), file: own };
}

/**
 * The media an .xmp at `p` describes, found in its folder's listing (asked only for .xmp
 * files); undefined: not an XMP sidecar, or none of its media is there (a file of its own).
 */
export async function mediaOfSidecar(p: string): Promise<string | undefined> {
  if (!isXmp(p) && !isC2pa(p)) return undefined;
  const dir = path.dirname(p);
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return undefined;
  }
  return (await xmpSidecarsIn(names.map((n) => ({ type: "file" as const, path: path.join(dir, n) })))).describes.get(p);
}

/**
 * How to validate a content's C2PA manifest store at `file`: its own (no option), a .c2pa
 * sidecar's, or a downloaded remote manifest's (the URL its labels point at, served from the
 * .c2pa beside it). Read from its recorded evidence.
 */
export function c2paSource(evidence: readonly { source: string; field: string; value: string; detail?: Record<string, unknown> | undefined }[]): { sidecar?: string; remoteManifests?: Record<string, string> } {
  const stores = evidence.filter((e) => e.source === "c2pa" && e.field === "manifest store");
  if (stores.length === 0 || stores.some((e) => sidecarOf(e) === undefined)) return {};
  const sidecar = sidecarOf(stores[0]!)!;
  const remote = evidence.find((e) => e.source === "c2pa" && e.field === "XMP-dcterms:Provenance" && sidecarOf(e) === undefined);
  const url = remote ? /(https?:\/\/\S+)$/i.exec(remote.value)?.[1] : undefined;
  return url ? { remoteManifests: { [url]: sidecar } } : { sidecar };
}

/** The sidecars of one file named on its own (a scan of a single file): its own, or the media it describes. */
export async function sidecarsBeside(p: string): Promise<FolderSidecars> {
  const ofMedia = new Map<string, string[]>();
  const describes = new Map<string, string>();
  const of = await mediaOfSidecar(p);
  if (of !== undefined) describes.set(p, of);
  else if (!NOT_MEDIA.has(extOf(p))) {
    const found = await existing(candidateSidecars(p));
    if (found.length > 0) ofMedia.set(p, found);
  }
  return { ofMedia, describes };
}

async function existing(paths: readonly string[]): Promise<string[]> {
  const here = await Promise.all(paths.map(async (p) => (await lstat(p).then((st) => st.isFile(), () => false)) && (await holdsSidecarContent(p))));
  return paths.filter((_, i) => here[i]);
}
