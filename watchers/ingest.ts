// Working roots: every new or changed media file is identified, classified and recorded
// the way `prov scan` does, in batches. Identity follows renames and moves (device and
// inode first, then content); a vanished file's location is marked missing, never
// deleted, unless so much of a root vanishes at once that an unmounted share is likelier.

import { lstat } from "node:fs/promises";
import path from "node:path";
import type { FolderMatcher } from "../src/domain/folders.js";
import { errnoCode } from "../src/errors.js";
import { statKey } from "../src/adapters/fs/hash.js";
import { log } from "../src/log.js";
import { suspectUnmount } from "../src/domain/unmount.js";
import { markVanished } from "../src/app/record.js";
import { mtimeMs, unchangedAt } from "../src/domain/identity.js";
import type { Clock, MetadataReader, Store } from "../src/ports.js";
import type { FingerprintOptions } from "../src/app/perceptual.js";
import { scan } from "../src/app/ingest/scan.js";
import { exists } from "../src/adapters/fs/move.js";

const BATCH = 48;
const BATCH_WAIT_MS = 100;

export interface IngestDeps {
  store: Store;
  clock: Clock;
  reader: MetadataReader;
  folderMatcher: FolderMatcher;
  stableMs: number;
  fingerprint?: FingerprintOptions | undefined;
}


export type IngestOutcome = "recorded" | "unchanged" | "moved" | "wait" | "gone" | "directory" | "not-media";


export class WorkingIngest {
  recorded = 0;
  private batch: Array<{ path: string; done: () => void; fail: (e: unknown) => void }> = [];
  private timer: NodeJS.Timeout | null = null;

  constructor(private readonly d: IngestDeps) {}

  async handle(p: string, media: boolean): Promise<IngestOutcome> {
    const { store, clock } = this.d;
    let st;
    try {
      st = await lstat(p, { bigint: true });
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return "gone";
      throw err;
    }
    if (st.isDirectory()) return "directory";
    if (!st.isFile() || !media) return "not-media";
    const key = statKey(st);
    if (clock.now() - mtimeMs(key) < this.d.stableMs) return "wait";

    if (unchangedAt(await store.locations.byPath(p), key)) return "unchanged";

    // Renamed or moved within the filesystem: same inode, size and mtime at a path that is gone.
    for (const other of await store.locations.byInode(key.dev, key.ino)) {
      if (other.path === p || other.asset_id === null || other.size !== key.size || other.mtime_ns !== key.mtimeNs) continue;
      if (await exists(other.path)) continue; // a hard link: both names are real locations
      await store.transaction(async (tx) => {
        const now = clock.iso();
        const at = await tx.locations.byPath(p);
        if (at) {
          await tx.locations.upsert(p, other.asset_id, key, "present", null, now);
          await tx.locations.markMissing(other.id, now);
        } else {
          await tx.locations.relocate(other.id, p, key, now);
        }
        await tx.events.add("moved", now, { assetId: other.asset_id, locationId: at?.id ?? other.id, path: p, detail: { from: other.path, to: p } });
      });
      return "moved";
    }
    await this.enqueueForScan(p);
    this.recorded++;
    return "recorded";
  }

  private enqueueForScan(p: string): Promise<void> {
    return new Promise((done, fail) => {
      this.batch.push({ path: p, done, fail });
      if (this.batch.length >= BATCH) void this.flush();
      else this.timer ??= setTimeout(() => void this.flush(), BATCH_WAIT_MS);
    });
  }

  private async flush(): Promise<void> {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    const items = this.batch;
    this.batch = [];
    if (items.length === 0) return;
    try {
      await scan(
        items.map((i) => i.path),
        { store: this.d.store, reader: this.d.reader, folderMatcher: this.d.folderMatcher, fingerprint: this.d.fingerprint, clock: this.d.clock },
        { extensions: "all", ignore: [], skipMissingRoots: true },
      );
      items.forEach((i) => i.done());
    } catch (err) {
      items.forEach((i) => i.fail(err));
    }
  }

  /**
   * Paths that vanished (after a delay, so renames are seen as moves first). Marks them
   * missing unless that would look like an unmounted share, or one is already suspected
   * under this root (a share going away in waves); the next full reconcile decides then.
   */
  async vanished(root: string, paths: readonly string[], alreadySuspected = false): Promise<{ marked: number; suspected: boolean }> {
    const { store } = this.d;
    // Only recorded, present files count (not names never recorded, nor files the gate moved).
    const live: string[] = [];
    for (const p of paths) if ((await store.locations.byPath(p))?.state === "present") live.push(p);
    if (live.length === 0) return { marked: 0, suspected: alreadySuspected };
    if (alreadySuspected) return { marked: 0, suspected: true };
    const present = await store.locations.countPresentUnder(root);
    if (suspectUnmount(live.length, present)) {
      log.warn(`${live.length} of ${present} recorded files under ${root} vanished at once: is the share unmounted? They are not marked missing.`);
      return { marked: 0, suspected: true };
    }
    const marked = await store.transaction((tx) => markVanished(tx, live, this.d.clock.iso()));
    return { marked, suspected: false };
  }
}

export function isUnder(p: string, root: string): boolean {
  const rel = path.relative(root, p);
  return rel !== "" && !rel.startsWith("..") && !path.isAbsolute(rel);
}
