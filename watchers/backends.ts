// The only module that talks to filesystem watchers. Callbacks do no work: they hand
// (path, kind) to the caller, which only enqueues. Two backends behind one shape:
//   - "dirs": one non-recursive fs.watch (one inotify watch) per directory, set up from a
//     walk of directories only: for large local working roots. chokidar holds a watch and a
//     stat per file (about 1 GB and 8 s for 100,000 files here); this holds one per folder.
//     Node drops inotify's queue-overflow signal, so the periodic reconcile is what makes
//     it complete, as for every backend;
//   - chokidar: native events or polling; used for deliverables and for network roots,
//     where inotify never sees writes made by other SMB/NFS clients.

import { watch as fsWatch, type FSWatcher as NodeWatcher } from "node:fs";
import { readdir } from "node:fs/promises";
import path from "node:path";
import chokidar, { type FSWatcher } from "chokidar";
import { errnoCode } from "../src/errors.js";

export type ChangeKind = "add" | "change" | "unlink" | "addDir" | "unlinkDir" | "unknown";

export interface WatchHandlers {
  onChange(path: string, kind: ChangeKind): void;
  onError(err: unknown): void;
}

export interface WatchOptions {
  backend: "dirs" | "chokidar";
  polling: boolean;
  intervalMs: number;
  /** Pruned before watches are made. */
  ignored: (absPath: string, isDir: boolean) => boolean;
}

export interface RootWatch {
  backend: "dirs" | "chokidar";
  mode: "events" | "polling";
  /** A new directory appeared (the "dirs" backend must be told; chokidar finds it itself). */
  addDirectory(dir: string): Promise<void>;
  /** A directory vanished: drop its watches. */
  removeDirectory(dir: string): void;
  /** Number of directories (or paths) watched. */
  watched(): number;
  close(): Promise<void>;
}

/** ENOSPC from a watcher is the inotify watch limit, not a full disk (chokidar #624). */
export function describeWatchError(err: unknown): string {
  const code = errnoCode(err);
  if (code === "ENOSPC") return "inotify watch limit reached (raise fs.inotify.max_user_watches); falling back to polling for this root";
  if (code === "EMFILE") return "too many open files (raise the file descriptor limit)";
  if (code === "EACCES" || code === "EPERM") return `permission denied: ${err instanceof Error ? err.message : String(err)}`;
  return err instanceof Error ? err.message : String(err);
}

export async function watchRoot(root: string, opts: WatchOptions, h: WatchHandlers): Promise<RootWatch> {
  if (opts.backend === "dirs" && !opts.polling) {
    const tree = new DirectoryWatches(opts.ignored, h);
    try {
      await tree.addDirectory(root);
    } catch (err) {
      await tree.close(); // e.g. ENOSPC half-way: the caller falls back to polling
      throw err;
    }
    return tree;
  }

  const watcher: FSWatcher = chokidar.watch(root, {
    ignoreInitial: true, // the reconcile walk is the truth for what is already there
    followSymlinks: false,
    usePolling: opts.polling,
    interval: opts.intervalMs,
    binaryInterval: opts.intervalMs,
    alwaysStat: false,
    atomic: false, // we coalesce ourselves; we want every unlink/add as it happens
    ignorePermissionErrors: false,
    ignored: (p, stats) => opts.ignored(p, stats?.isDirectory() ?? false),
  });
  watcher.on("all", (event, p) => h.onChange(p, event as ChangeKind));
  watcher.on("error", (err) => h.onError(err));
  await new Promise<void>((resolve, reject) => {
    watcher.once("ready", () => resolve());
    watcher.once("error", (err) => reject(err instanceof Error ? err : new Error(String(err))));
  });
  return {
    backend: "chokidar",
    mode: opts.polling ? "polling" : "events",
    addDirectory: async () => undefined,
    removeDirectory: () => undefined,
    watched: () => Object.keys(watcher.getWatched()).length,
    close: () => watcher.close(),
  };
}

/** Folder listings in flight while watches are set up (the libuv pool has 4 threads). */
const LISTINGS = 8;

/** One fs.watch per directory of a tree. */
class DirectoryWatches implements RootWatch {
  readonly backend = "dirs" as const;
  readonly mode = "events" as const;
  private readonly watches = new Map<string, NodeWatcher>();

  constructor(
    private readonly ignored: (absPath: string, isDir: boolean) => boolean,
    private readonly h: WatchHandlers,
  ) {}

  /**
   * Watch `dir` and every directory under it (a walk of directories only, links not
   * followed). Each folder is watched before it is listed, so nothing created meanwhile
   * is missed; one listing call per folder (opendir makes one per 32 entries), several
   * folders at a time: 10,000 folders holding a million files are watched in about 2 s.
   */
  async addDirectory(dir: string): Promise<void> {
    const stack = [dir];
    let active = 0;
    let failed = false;
    await new Promise<void>((resolve, reject) => {
      const next = (): void => {
        while (!failed && active < LISTINGS && stack.length > 0) {
          const d = stack.pop()!;
          if (this.watches.has(d) || this.ignored(d, true)) continue;
          try {
            this.watchOne(d);
          } catch (err) {
            // ENOSPC (out of inotify watches): the caller falls back to polling for this root.
            failed = true;
            reject(err);
            return;
          }
          active++;
          readdir(d, { withFileTypes: true })
            .then(
              (entries) => {
                for (const e of entries) if (e.isDirectory()) stack.push(path.join(d, e.name));
              },
              (err: unknown) => {
                if (errnoCode(err) !== "ENOENT" && errnoCode(err) !== "ENOTDIR") this.h.onError(err);
              },
            )
            .finally(() => {
              active--;
              next();
            });
        }
        if (!failed && active === 0 && stack.length === 0) resolve();
      };
      next();
    });
  }

  private watchOne(dir: string): void {
    let w: NodeWatcher;
    try {
      w = fsWatch(dir, { persistent: true }, (_event, name) => {
        // No name, or one that is not UTF-8 (decoded with U+FFFD): look at the whole folder.
        if (!name || name.includes("\uFFFD")) this.h.onChange(dir, "addDir");
        else this.h.onChange(path.join(dir, name), "unknown");
      });
    } catch (err) {
      if (errnoCode(err) === "ENOENT") return;
      throw err; // ENOSPC: the caller falls back to polling for this root
    }
    w.on("error", (err) => {
      this.removeDirectory(dir);
      if (errnoCode(err) !== "ENOENT" && errnoCode(err) !== "EPERM") this.h.onError(err);
    });
    this.watches.set(dir, w);
  }

  removeDirectory(dir: string): void {
    const prefix = dir + path.sep;
    for (const [d, w] of this.watches) {
      if (d === dir || d.startsWith(prefix)) {
        w.close();
        this.watches.delete(d);
      }
    }
  }

  watched(): number {
    return this.watches.size;
  }

  async close(): Promise<void> {
    for (const w of this.watches.values()) w.close();
    this.watches.clear();
  }
}
