// The only module that talks to filesystem watchers. Callbacks do no work: they hand
// (path, kind) to the caller, which only enqueues. Two backends behind one shape:
//   - @parcel/watcher: one inotify watch per directory, native code, small memory: for
//     large local working roots (chokidar holds a watch and a stat per file);
//   - chokidar: native events or polling; used for deliverables and for network roots,
//     where inotify never sees writes made by other SMB/NFS clients.

import parcel from "@parcel/watcher";
import chokidar, { type FSWatcher } from "chokidar";
import { errnoCode } from "../src/errors.js";

export type ChangeKind = "add" | "change" | "unlink" | "addDir" | "unlinkDir" | "unknown";

export interface WatchHandlers {
  onChange(path: string, kind: ChangeKind): void;
  onError(err: unknown): void;
}

export interface WatchOptions {
  backend: "parcel" | "chokidar";
  polling: boolean;
  intervalMs: number;
  /** Pruned before watches are made. */
  ignored: (absPath: string, isDir: boolean) => boolean;
  /** Directory names to ignore, for @parcel/watcher's glob list. */
  ignoreGlobs: readonly string[];
}

export interface RootWatch {
  backend: "parcel" | "chokidar";
  mode: "events" | "polling";
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
  if (opts.backend === "parcel" && !opts.polling) {
    const sub = await parcel.subscribe(
      root,
      (err, events) => {
        if (err) {
          h.onError(err);
          return;
        }
        for (const e of events) {
          if (opts.ignored(e.path, false)) continue;
          h.onChange(e.path, e.type === "delete" ? "unlink" : e.type === "create" ? "add" : "change");
        }
      },
      { ignore: [...opts.ignoreGlobs] },
    );
    return { backend: "parcel", mode: "events", close: () => sub.unsubscribe() };
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
  return { backend: "chokidar", mode: opts.polling ? "polling" : "events", close: () => watcher.close() };
}
