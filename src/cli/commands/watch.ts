import { validateRoots } from "../../config.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { log } from "../../log.js";
import { nodeSupport } from "../../domain/node-support.js";
import { WatchRuntime } from "../../../watchers/runtime.js";

/**
 * Run until SIGINT/SIGTERM, then stop gracefully (watchers, queue, ExifTool, database).
 * Refused (exit 75) when another watcher holds the database's lease; ends with exit 75 when
 * another watcher takes the lease over (this one was paused past its heartbeat).
 */
export async function watchCommand(ctx: Context, version: string): Promise<number> {
  const support = nodeSupport(process.version, new Date());
  if (support.warning) log.warn(support.warning);
  const config = ctx.config();
  validateRoots(config);
  const store = await ctx.store({ create: true });
  const runtime = new WatchRuntime(config, store, await ctx.reader(), version, ctx.clock);
  const stopped = ctx.takeSignals();
  await runtime.start();
  const ended = await Promise.race([stopped, runtime.lost]);
  if (typeof ended !== "string") {
    // The lease was taken over: the runtime has stopped acting. The CLI prints the one line
    // and exits with ExitCode.lease; should a handle keep the process alive, exit anyway.
    setTimeout(() => process.exit(ExitCode.lease), 5000).unref();
    throw ended;
  }
  const signal = ended;
  log.info(`${signal}: stopping`);
  await runtime.stop();
  return ExitCode.ok;
}
