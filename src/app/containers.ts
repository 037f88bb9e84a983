// Containers: files that hold other files. A GenAI picture inside a zip or tar in
// deliverables, or a whole GenAI JPEG appended after a clean one (ExifTool reads only the
// first image), must not pass. The members are listed (src/adapters/containers), each is
// hashed and its labels read, and each is judged as content: known temporary GenAI by its
// SHA-256, or labelled GenAI. What cannot be looked inside is said, so the gate can hold it.

import { createHash } from "node:crypto";
import { mkdtemp, open, rename, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { classify } from "../domain/classify.js";
import { evidenceFromTags } from "../domain/evidence.js";
import { errorMessage } from "../domain/errors.js";
import type { Origin, Status } from "../domain/types.js";
import { isGenAI, isTemporaryGenAI } from "../domain/types.js";
import { ArchiveError, members } from "../adapters/containers/archive.js";
import { sniffContentType, sniffFile, type ContentType } from "../adapters/containers/sniff.js";
import { trailingOfFile, WALKABLE, type TrailingReport } from "../adapters/containers/trailing.js";
import type { MetadataReader, Repos } from "../ports.js";

/** Members larger than this are hashed but not written out for their labels. */
const LABEL_MAX_BYTES = 256 * 1024 * 1024;
/** At most this much of a container is inspected (uncompressed); beyond it, it is said. */
const INSPECT_MAX_BYTES = 8 * 1024 ** 3;

export interface MemberFinding {
  /** "reel1.zip > shots/sh010.png", or "after the end of the JPEG, at byte 81234". */
  name: string;
  sha256: string;
  origin: Origin;
  status: Status | null;
  /** Why it is GenAI (or not), in words. */
  reason: string;
}

export interface ContainerReport {
  kind: "archive" | "appended";
  members: MemberFinding[];
  /** The first member that is temporary GenAI, if any. */
  temporary: MemberFinding | null;
  /** What could not be looked at (encrypted, too large, corrupt), in words. */
  problems: string[];
}

/** The file's content type by its bytes (never by its name). */
export function contentTypeOf(file: string): Promise<ContentType> {
  return sniffFile(file);
}

/** Whether a file of this type can hold other files prov looks into. */
export function mayContain(t: ContentType): boolean {
  return t.kind === "archive" || (WALKABLE as readonly string[]).includes(t.format);
}

interface Extracted {
  name: string;
  sha256: string;
  size: number;
  file: string | null;
}

/**
 * Look inside a container. null when it holds nothing to judge (no members, nothing
 * appended). Never throws for a bad container: what cannot be read is a problem.
 */
export async function inspectContainer(
  file: string,
  type: ContentType,
  deps: { store: Pick<Repos, "assets">; reader: MetadataReader },
  /** What follows the picture's end, walked already when the hash read it whole (hashFile's `appended`). */
  appended?: TrailingReport | null,
): Promise<ContainerReport | null> {
  if (!mayContain(type)) return null;
  // Made when the first member is written out: most pictures hold nothing after their end,
  // and a temp folder per picture was a mkdir, a recursive rm and their stats each.
  let made: Promise<string> | null = null;
  const dir: TempDir = () => (made ??= mkdtemp(path.join(tmpdir(), "prov-container-")));
  try {
    const found: Extracted[] = [];
    const problems: string[] = [];
    const kind = type.kind === "archive" ? "archive" : "appended";
    if (kind === "archive") await listArchive(file, dir, found, problems);
    else await listAppended(file, dir, found, problems, appended);
    if (found.length === 0 && problems.length === 0) return null;
    const known = await deps.store.assets.byShas(found.map((f) => f.sha256));
    const toRead = found.filter((f) => f.file !== null && !known.get(f.sha256)?.exiftool_version);
    const metas = toRead.length > 0 ? await deps.reader.readMany(toRead.map((f) => ({ path: f.file!, size: f.size }))) : [];
    const metaOf = new Map(toRead.map((f, i) => [f, metas[i]]));
    const out: MemberFinding[] = found.map((f) => {
      const k = known.get(f.sha256);
      const m = metaOf.get(f);
      const evidence = m?.ok ? evidenceFromTags(m.metadata.tags) : [];
      const labels = classify(evidence);
      // What the store knows wins when it says GenAI; otherwise what the member's labels say.
      if (k && (isGenAI(k.origin) || labels.origin === "unknown")) {
        return { name: f.name, sha256: f.sha256, origin: k.origin, status: k.status, reason: `its content is a recorded ${k.origin} asset (sha256 ${f.sha256.slice(0, 12)})` };
      }
      const first = labels.decidedBy[0];
      const status = isGenAI(labels.origin) ? (k?.status === "approved" ? "approved" : "temporary") : null;
      return { name: f.name, sha256: f.sha256, origin: labels.origin, status, reason: first ? `its own metadata says ${labels.origin} (${first.source}: ${first.field})` : "no GenAI signal" };
    });
    return { kind, members: out, temporary: out.find((m) => isTemporaryGenAI(m.origin, m.status)) ?? null, problems };
  } finally {
    if (made) await rm(await made, { recursive: true, force: true });
  }
}

/** The private temp folder members are written to, made on first use. */
type TempDir = () => Promise<string>;

async function listArchive(file: string, dir: TempDir, found: Extracted[], problems: string[]): Promise<void> {
  try {
    for await (const m of members(file, { maxTotalBytes: INSPECT_MAX_BYTES })) {
      const name = [path.basename(file), ...m.containers, m.name].join(" > ");
      if (m.problem) {
        problems.push(`${name}: ${m.problem}`);
        continue;
      }
      if (m.kind !== "file" || !m.open) continue;
      found.push(await extract(m.open(), name, m.size, dir, found.length));
    }
  } catch (err) {
    problems.push(err instanceof ArchiveError ? err.message : `${path.basename(file)}: ${errorMessage(err)}`);
  }
}

async function listAppended(file: string, dir: TempDir, found: Extracted[], problems: string[], walked: TrailingReport | null | undefined): Promise<void> {
  let report = walked;
  try {
    report ??= walked === undefined ? await trailingOfFile(file) : null;
  } catch (err) {
    // A picture whose structure cannot be walked is not a container we can open; its own
    // reading (ExifTool, the decoder) says what is wrong with it.
    void err;
    return;
  }
  if (!report || report.embedded.length === 0) return;
  const fh = await open(file, "r");
  try {
    for (const e of report.embedded) {
      if (e.length > INSPECT_MAX_BYTES) {
        problems.push(`${e.format} of ${e.length} bytes after the end of the ${report.format} at byte ${e.offset}: too large to inspect`);
        continue;
      }
      const name = `${e.format} after the end of the ${report.format}, at byte ${e.offset}`;
      found.push(await extract(readRange(fh, e.offset, e.length), name, e.length, dir, found.length));
    }
  } finally {
    await fh.close();
  }
}

async function* readRange(fh: Awaited<ReturnType<typeof open>>, at: number, len: number): AsyncGenerator<Uint8Array> {
  const buf = Buffer.allocUnsafe(1024 * 1024);
  let done = 0;
  while (done < len) {
    const { bytesRead } = await fh.read(buf, 0, Math.min(buf.length, len - done), at + done);
    if (bytesRead === 0) break;
    yield Buffer.from(buf.subarray(0, bytesRead));
    done += bytesRead;
  }
}

/**
 * Hash a member as it streams, and (when small enough for its labels to be read) write it
 * to a private temp file on the way, named so ExifTool recognises its type.
 */
async function extract(bytes: AsyncIterable<Uint8Array>, name: string, size: number, tempDir: TempDir, n: number): Promise<Extracted> {
  const hash = createHash("sha256");
  const keep = size <= LABEL_MAX_BYTES;
  const dir = keep ? await tempDir() : "";
  const tmp = path.join(dir, `${n}.part`);
  const out = keep ? await open(tmp, "wx", 0o600) : null;
  let head: Uint8Array | null = null;
  let total = 0;
  try {
    for await (const chunk of bytes) {
      hash.update(chunk);
      if (out) await out.write(chunk);
      if (head === null) head = Buffer.from(chunk.subarray(0, 8192));
      total += chunk.length;
    }
  } finally {
    await out?.close();
  }
  let file: string | null = null;
  if (out) {
    const t = sniffContentType(head ?? new Uint8Array(0), undefined, total);
    // The member's own extension, else its sniffed format: ExifTool goes by the bytes, but a name helps it.
    const ext = path.extname(name).replace(/[^.\w]/g, "").slice(0, 10) || (t.format !== "unknown" ? `.${t.format}` : "");
    file = path.join(dir, `${n}${ext}`);
    await rename(tmp, file);
  }
  return { name, sha256: hash.digest("hex"), size: total, file };
}
