import { validateRoots } from "../../config.js";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { log } from "../../log.js";
import { nodeSupport } from "../../domain/node-support.js";
import { WatchRuntime } from "../../../watchers/runtime.js";

/** Run until SIGINT/SIGTERM, then stop gracefully (watchers, queue, ExifTool, database). */
export async function watchCommand(ctx: Context, version: string): Promise<number> {
  const support = nodeSupport(process.version, new Date());
  if (support.warning) log.warn(support.warning);
  const config = ctx.config();
  validateRoots(config);
  const store = await ctx.store({ create: true });
  const runtime = new WatchRuntime(config, store, await ctx.reader(), version, ctx.clock);
  const stopped = ctx.takeSignals();
  await runtime.start();
  const signal = await stopped;
  log.info(`${signal}: stopping`);
  await runtime.stop();
  return ExitCode.ok;
}
