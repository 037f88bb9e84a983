// prov volume init NAME PATH, prov volume ls: src/app/volumes.ts.

import { readFile } from "node:fs/promises";
import path from "node:path";
import type { Context } from "../context.js";
import { ExitCode } from "../exit.js";
import { printJson, println, showPath, table } from "../output.js";
import { initVolume, volumeInfos } from "../../app/volumes.js";
import { VOLUME_MARKER } from "../../domain/volumes.js";

export async function volumeInitCommand(ctx: Context, name: string, root: string): Promise<number> {
  const abs = path.resolve(root);
  const marker = await initVolume(name, abs, ctx.clock.iso());
  if (ctx.globals.json) printJson("prov.volume.init", { ...marker, root: abs, marker: path.join(abs, VOLUME_MARKER) });
  else {
    println(`${showPath(abs)} is volume ${marker.name} (uuid ${marker.uuid}; ${showPath(path.join(abs, VOLUME_MARKER))})`);
    const configured = ctx.config().volumes.find((v) => v.name === name);
    if (!configured) println(`name where this host mounts it in the config: "volumes": { "${name}": { "mount": "${abs}" } }`);
    else if (configured.mount !== abs) println(`note: the config mounts ${name} at ${showPath(configured.mount)}, not here`);
  }
  return ExitCode.ok;
}

export async function volumeLsCommand(ctx: Context): Promise<number> {
  const config = ctx.config();
  const mounts = await readFile("/proc/mounts", "utf8").catch(() => "");
  const infos = await volumeInfos(config, mounts);
  if (ctx.globals.json) {
    printJson("prov.volume.ls", infos);
    return ExitCode.ok;
  }
  if (infos.length === 0) {
    println(`no volumes configured${config.file ? ` in ${showPath(config.file)}` : ""} (add "volumes": { "NAME": { "mount": "/mnt/..." } })`);
    return ExitCode.ok;
  }
  println(
    table(
      infos.map((v) => [v.name, showPath(v.mount), v.mounted ? "yes" : "no", v.markerOk ? "ok" : "NO", v.fsType ?? "?", String(v.roots.length)]),
      ["volume", "mount", "mounted", "marker", "fs", "roots"],
    ),
  );
  for (const v of infos) if (v.problem) println(`${v.name}: ${v.problem}`);
  return ExitCode.ok;
}
