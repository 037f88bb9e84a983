// The quickstart's main job: a demo workspace built from samples/, scanned with the real
// CLI, so a newcomer sees GenAI detection, label stripping and the store at work.
//   demo/edit/            copies of samples/ (an edit-suite folder)
//   demo/edit/AI_TEMP/    an unlabelled shot in the studio's temporary-GenAI folder (folder rule)
//   demo/edit/stripped-concept-art.jpg   a GenAI still after `exiftool -all=` (labels gone)

import { spawnSync } from "node:child_process";
import { copyFileSync, mkdirSync, readdirSync, rmSync } from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ExifTool } from "exiftool-vendored";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
const demo = path.join(root, "demo");
const edit = path.join(demo, "edit");
const cli = path.join(root, "dist/src/cli.js");

function prov(...args: string[]): number {
  process.stdout.write(`\n$ prov ${args.join(" ")}\n`);
  const r = spawnSync(process.execPath, [cli, ...args], { cwd: demo, stdio: "inherit" });
  return r.status ?? 1;
}

async function main(): Promise<void> {
  rmSync(demo, { recursive: true, force: true });
  mkdirSync(path.join(edit, "AI_TEMP"), { recursive: true });
  for (const f of readdirSync(path.join(root, "samples"))) {
    if (f === "README.md") continue;
    // A shot generated into the temporary-GenAI folder carries no label: the folder says it.
    const dest = f === "unlabelled-shot.mov" ? path.join(edit, "AI_TEMP/sh010-gen-v002.mov") : path.join(edit, f);
    copyFileSync(path.join(root, "samples", f), dest);
  }

  process.stdout.write(`demo workspace: ${demo}\n`);
  prov("init");
  prov("scan", "edit");

  // Strip every label from a recorded GenAI still, as a careless re-export would.
  const stripped = path.join(edit, "stripped-concept-art.jpg");
  copyFileSync(path.join(edit, "genai-concept-art.jpg"), stripped);
  const et = new ExifTool({ maxProcs: 1 });
  try {
    await et.write(stripped, {}, ["-all=", "-overwrite_original"]);
  } finally {
    await et.end();
  }
  process.stdout.write(`\n(stripped every metadata tag from ${path.relative(demo, stripped)})\n`);
  prov("scan", "edit");
  prov("show", "edit/stripped-concept-art.jpg");
  prov("ls", "--status", "temporary");
  process.stdout.write(`\nNext: cd demo && node ${path.relative(demo, cli)} --help\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`demo failed: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
