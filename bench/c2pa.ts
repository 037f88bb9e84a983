// C2PA validation: what it costs per file (warm worker, median of --runs; cold: a new worker,
// WASM compile included), and prov scan's throughput over the shared C2PA fixtures with
// validation on and off (--copies copies each, fresh database each run). Prints figures,
// asserts nothing. Needs ../shared/fixtures/media.

import { appendFileSync, copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { c2paChecker } from "../src/app/c2pa.js";
import { defaultConfig } from "../src/config.js";
import { run } from "./proc.js";

const repo = fileURLToPath(new URL("../../", import.meta.url));
const cli = path.join(repo, "dist/src/cli.js");
const media = path.resolve(repo, "../shared/fixtures/media");
const { values } = parseArgs({ options: { runs: { type: "string", default: "5" }, copies: { type: "string", default: "4" } } });
const runs = Number(values.runs);
const copies = Number(values.copies);
if (!existsSync(media)) {
  console.log(`bench/c2pa: ${media} is not here; nothing to measure`);
  process.exit(0);
}
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const files = readdirSync(media).map((n) => path.join(media, n)).filter((p) => statSync(p).isFile());

console.log(`C2PA validation per file (c2pa-rs in a worker thread; warm: median of ${runs}; cold: a new worker)`);
console.log("file".padEnd(42), "KiB".padStart(7), "result".padEnd(34), "warm ms".padStart(8), "cold ms".padStart(8));
for (const f of files) {
  const cold = c2paChecker(defaultConfig(), 1)!;
  let t = performance.now();
  const o = await cold.validate(f);
  const coldMs = performance.now() - t;
  const warm: number[] = [];
  for (let i = 0; i < runs; i++) {
    t = performance.now();
    await cold.validate(f);
    warm.push(performance.now() - t);
  }
  await cold.close();
  const result = o.kind === "validated" ? `${o.state}, ${o.manifests.length} manifest${o.manifests.length === 1 ? "" : "s"}` : o.kind;
  console.log(path.basename(f).slice(0, 41).padEnd(42), String(Math.round(statSync(f).size / 1024)).padStart(7), result.padEnd(34), median(warm).toFixed(1).padStart(8), coldMs.toFixed(0).padStart(8));
}

const dir = mkdtempSync(path.join(tmpdir(), "prov-bench-c2pa-"));
try {
  const tree = path.join(dir, "tree");
  for (let c = 0; c < copies; c++) {
    // Each copy's bytes differ (a byte appended: signed ones then validate invalid, at the same
    // cost), so every file is new content with its own validation.
    const sub = path.join(tree, `copy${c}`);
    mkdirSync(sub, { recursive: true });
    for (const f of files) {
      const dest = path.join(sub, path.basename(f));
      copyFileSync(f, dest);
      if (c > 0) appendFileSync(dest, Buffer.from([c]));
    }
  }
  console.log(`\nprov scan of ${files.length * copies} files (${copies} copies of the fixtures, each copy other bytes), fresh database, median of 3`);
  for (const validate of [false, true]) {
    const config = path.join(dir, `c2pa-${validate}.json`);
    writeFileSync(config, JSON.stringify({ c2pa: { validate } }));
    const secs: number[] = [];
    for (let i = 0; i < 3; i++) {
      const db = path.join(dir, `run-${validate}-${i}.db`);
      const r = await run(process.execPath, [cli, "--config", config, "--db", db, "-q", "scan", tree], { stdout: "ignore" });
      if (r.code !== 0 && r.code !== 1) throw new Error(`prov scan exited ${r.code}: ${r.stderr}`);
      secs.push(r.seconds);
    }
    const s = median(secs);
    console.log(`  c2pa.validate ${String(validate).padEnd(5)}  ${s.toFixed(2)} s  ${((files.length * copies) / s).toFixed(1)} files/s  (runs: ${secs.map((x) => x.toFixed(2)).join(", ")} s)`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
