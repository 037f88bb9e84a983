// Runs once before the suite: says out loud when the tests that need ../shared/fixtures (the
// project's real media files, which CI always has) will be skipped, instead of letting them
// disappear into a skip count.

import fs from "node:fs";
import path from "node:path";
import { fileURLToPath } from "node:url";

export default function setup(): void {
  const repo = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "../..");
  const fixtures = path.resolve(repo, "../shared/fixtures");
  if (fs.existsSync(path.join(fixtures, "MANIFEST.md"))) return;
  if (process.env["CI"]) throw new Error(`CI is set but the shared fixtures are missing: expected ${fixtures} (MANIFEST.md and media/)`);
  process.stderr.write(
    `\nnote: ${fixtures} is not here, so the tests that need the project's real media files (C2PA, IPTC and generator ` +
      `samples from public sources) are SKIPPED; everything else runs. To run them, put the fixtures at that path ` +
      `(README, Development).\n\n`,
  );
}
