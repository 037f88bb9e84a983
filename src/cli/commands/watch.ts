import { existsSync } from "node:fs";
import { databaseShown, validateRoots } from "../../config.js";
import { isDatabaseUrl } from "../../domain/database-url.js";
import type { Context } from "../context.js";
import { ExitCode, exitCodeOf } from "../exit.js";
import { log } from "../../log.js";
import { nodeSupport } from "../../domain/node-support.js";
import { ProvError, StoreError, errorMessage } from "../../domain/errors.js";
import { readMarker, storeMismatch, writeMarker } from "../../app/store-marker.js";
import { WatchRuntime } from "../../../watchers/runtime.js";
import { readNotifySecrets } from "../../adapters/notify/notifier.js";
import { configForVolume, volumeOfRoot, volumeRefusal } from "../../app/volumes.js";
import { SystemdNotifier } from "../../adapters/systemd.js";

export interface WatchCommandOptions {
  /** Start on a new, empty database although the quarantine was kept by another. */
  newDatabase?: boolean;
  /** Watch only the roots on this configured volume, holding its lease (`--volume`). */
  volume?: string | undefined;
}

/**
 * Run until SIGINT/SIGTERM, then stop gracefully (watchers, queue, ExifTool, database).
 * An error the service cannot survive (a damaged or deleted database, an error no handler
 * expected) stops it the same way, with the reason in the log and a non-zero exit code, so
 * a service manager restarts it. Refused (exit 75) when another watcher holds the
 * database's lease; ends with exit 75 when another watcher takes the lease over (this one
 * was paused past its heartbeat).
 */
export async function watchCommand(ctx: Context, version: string, opts: WatchCommandOptions = {}): Promise<number> {
  const support = nodeSupport(process.version, new Date());
  if (support.warning) log.warn(support.warning);
  // --volume: only the roots on that volume (without it, the roots on no volume), that volume's lease.
  const config = configForVolume(ctx.config(), opts.volume);
  validateRoots(config);
  // A secret file refused (readable by others, missing) stops the start before anything is opened.
  if (config.notify) readNotifySecrets(config.notify, config.file);
  // A URL is shown (and kept in the quarantine's marker) without its password; a server's
  // database always exists (an empty one is given prov's schema, and the marker's identity decides).
  const database = databaseShown(ctx.databasePath());
  const quarantine = config.roots.quarantine;
  const marker = quarantine ? await readMarker(quarantine) : null;
  const existed = isDatabaseUrl(database) || existsSync(database);
  const before = storeMismatch({ quarantine: quarantine ?? "", database, existed, marker, identity: null, newDatabase: opts.newDatabase === true });
  if (before) throw new StoreError(before);
  const store = await ctx.store({ create: true });
  const identity = await store.identity();
  const mismatch = storeMismatch({ quarantine: quarantine ?? "", database, existed, marker, identity, newDatabase: opts.newDatabase === true });
  if (mismatch) throw new StoreError(mismatch);
  if (quarantine && marker?.id !== identity.id) {
    if (marker) log.warn(`starting on a new database ${database} (--new-database); ${quarantine} was kept by database ${marker.id}, whose records are not in it`);
    try {
      await writeMarker(quarantine, { id: identity.id, createdAt: identity.createdAt, database });
    } catch (err) {
      log.warn(`cannot write the database marker in ${quarantine}: ${errorMessage(err)}; a deleted database will not be noticed at the next start`);
    }
  }

  const systemd = new SystemdNotifier();
  /** Each volume's uuid as first seen: another filesystem marked with the same name is refused too. */
  const uuids = new Map<string, string>();
  const runtime = new WatchRuntime(config, store, await ctx.reader(), version, ctx.clock, {
    volume: opts.volume ?? "",
    rootRefusal: async (root) => {
      const v = volumeOfRoot(config, root);
      return v ? volumeRefusal(v, uuids) : null;
    },
    ownRowsOnly: config.volumes.length > 0,
    onBeat: () => systemd.beat(),
  });
  let fatal: (reason: { what: string; err: unknown }) => void = () => undefined;
  const failed = new Promise<{ what: string; err: unknown }>((resolve) => (fatal = resolve));
  runtime.onFatal = (what, err) => fatal({ what, err });
  // The last line of defence: every timer, callback and stream has its own handler, so
  // reaching these is a bug; it stops the service with its reason rather than leaving
  // it half-alive or ending it without a word.
  const onRejection = (err: unknown): void => fatal({ what: "an unhandled error", err });
  process.on("unhandledRejection", onRejection);
  process.on("uncaughtException", onRejection);
  try {
    const stopped = ctx.takeSignals();
    await runtime.start();
    // Ready: every root is watched and the gate judges what arrives (systemd's Type=notify waits for this).
    await systemd.ready(`watching ${config.roots.deliverables.length + config.roots.working.length} root(s)${opts.volume ? ` on volume ${opts.volume}` : ""}`);
    const outcome = await Promise.race([stopped.then((signal) => ({ signal })), failed, runtime.lost.then((lost) => ({ lost }))]);
    if ("lost" in outcome) {
      // The lease was taken over: the runtime has stopped acting. The CLI prints the one line
      // and exits with ExitCode.lease; should a handle keep the process alive, exit anyway.
      setTimeout(() => process.exit(ExitCode.lease), 5000).unref();
      throw outcome.lost;
    }
    if ("signal" in outcome) {
      log.info(`${outcome.signal}: stopping`);
      await systemd.stopping();
      await runtime.stop();
      return ExitCode.ok;
    }
    const code = outcome.err instanceof ProvError ? exitCodeOf(outcome.err) : ExitCode.internal;
    await systemd.stopping();
    log.error(`stopping: ${outcome.what}: ${errorMessage(outcome.err)}${code === ExitCode.internal ? " (this is a bug in prov; please report it with this log)" : ""}`);
    await runtime.stop(`${outcome.what}: ${errorMessage(outcome.err)}`).catch((err: unknown) => log.error(`while stopping: ${errorMessage(err)}`));
    return code;
  } finally {
    process.off("unhandledRejection", onRejection);
    process.off("uncaughtException", onRejection);
  }
}
