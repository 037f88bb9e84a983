// README's quickstart, run exactly as written, in a copy of the checkout: `npm run
// quickstart`, `cd demo && npm run --silent prov -- ...`, `npm start` (stopped with Ctrl-C
// once the gate has shown its work), and a second quickstart that must keep what the user
// made in the first one.

import { spawn, spawnSync } from "node:child_process";
import fs from "node:fs";
import path from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { repoRoot, tempDir, waitFor } from "../helpers/index.js";

const README = fs.readFileSync(path.join(repoRoot, "README.md"), "utf8");

/** The commands of README's Quickstart section, in order: indented lines that start with `npm` or `cd`. */
function quickstartCommands(): string[] {
  const section = README.slice(README.indexOf("## Quickstart"), README.indexOf("\n## ", README.indexOf("## Quickstart") + 5));
  return section
    .split("\n")
    .filter((l) => /^ {4}(npm|cd) /.test(l))
    .map((l) => l.trim().replace(/\s+#.*$/, ""));
}

/**
 * A copy of the checkout (sources, samples, scripts, lock files) whose node_modules holds
 * links to this checkout's packages: a quickstart there builds and runs for real, and an
 * `npm ci` there could only remove links, never the packages themselves.
 */
function checkoutCopy(): string {
  const dir = path.join(tempDir(), "prov");
  fs.mkdirSync(dir);
  for (const e of ["package.json", "package-lock.json", "tsconfig.json", "README.md", "LICENSE", "src", "db", "watchers", "scripts", "bench", "samples"]) {
    fs.cpSync(path.join(repoRoot, e), path.join(dir, e), { recursive: true, preserveTimestamps: true });
  }
  const nm = path.join(dir, "node_modules");
  fs.mkdirSync(nm);
  for (const e of fs.readdirSync(path.join(repoRoot, "node_modules"))) {
    const src = path.join(repoRoot, "node_modules", e);
    if (e === ".package-lock.json") fs.cpSync(src, path.join(nm, e), { preserveTimestamps: true });
    else fs.symlinkSync(src, path.join(nm, e));
  }
  return dir;
}

interface Ran {
  code: number | null;
  out: string;
}

/** One README line, run by a shell the way a user types it (`cd` carries over to the next line). */
function sh(cwd: string, line: string): Ran {
  const r = spawnSync("sh", ["-c", line], { cwd, encoding: "utf8", timeout: 300_000, env: { ...process.env, CI: "" } });
  return { code: r.status, out: `${r.stdout}${r.stderr}` };
}

describe("README's quickstart, as written", () => {
  let dir: string;
  const cmds = quickstartCommands();

  beforeAll(() => {
    dir = checkoutCopy();
  });

  it("lists the commands this test runs", () => {
    expect(cmds).toEqual([
      "npm run quickstart",
      "npm test",
      "cd demo",
      "npm run --silent prov -- ls --origin genai",
      "npm run --silent prov -- show edit/genai-shot.mov",
      "npm start",
    ]);
  });

  it("npm run quickstart, then the commands README shows afterwards, work as written", { timeout: 600_000 }, () => {
    const q = sh(dir, "npm run quickstart");
    expect(q.code, q.out).toBe(0);
    expect(q.out).toMatch(/\$ prov sweep deliverables --format html --out sweep-report\.html --mhl/);
    expect(fs.readFileSync(path.join(dir, "demo/sweep-report.html"), "utf8")).toMatch(/<html/i);

    const demo = path.join(dir, "demo");
    const ls = sh(demo, "npm run --silent prov -- ls --origin genai");
    expect(ls.code, ls.out).toBe(0);
    expect(ls.out).toMatch(/genai\s+temporary\s+[0-9a-f]{12}/);
    const show = sh(demo, "npm run --silent prov -- show edit/genai-shot.mov");
    expect(show.code, show.out).toBe(0);
    expect(show.out).toMatch(/origin\s+genai/);
  });

  it("a second quickstart keeps what the user made in the first one", { timeout: 600_000 }, () => {
    const demo = path.join(dir, "demo");
    if (!fs.existsSync(demo)) expect(sh(dir, "npm run quickstart").code).toBe(0);
    // The user's own work: a note beside the report, and an approval recorded in prov.db.
    fs.writeFileSync(path.join(demo, "my-notes.txt"), "reel 1 checked\n");
    const ap = sh(demo, 'npm run --silent prov -- approve edit/genai-a1111.png --by "Me" --ref MINE-1');
    expect(ap.code, ap.out).toBe(0);

    const again = sh(dir, "npm run quickstart");
    expect(again.code, again.out).toBe(0);
    const kept = fs.readdirSync(dir).filter((e) => e.startsWith("demo.kept-"));
    expect(kept, again.out).toHaveLength(1);
    expect(again.out).toContain(`kept your earlier demo/ as ${kept[0]}/`);
    expect(again.out).toMatch(/added my-notes\.txt/);
    expect(again.out).toMatch(/event.* recorded in prov\.db since/);
    expect(fs.readFileSync(path.join(dir, kept[0]!, "my-notes.txt"), "utf8")).toBe("reel 1 checked\n");
    expect(fs.existsSync(path.join(dir, kept[0]!, "sweep-report.html"))).toBe(true);
    // The new demo/ is fresh, and a third run with nothing of the user's replaces it quietly.
    expect(fs.existsSync(path.join(demo, "my-notes.txt"))).toBe(false);
    const third = sh(dir, "npm run quickstart");
    expect(third.code, third.out).toBe(0);
    expect(third.out).toMatch(/rebuilding demo\/ \(it held only what the demo made\)/);
    expect(fs.readdirSync(dir).filter((e) => e.startsWith("demo.kept-"))).toHaveLength(1);
  });

  it("npm start runs the gate in demo-watch/, leaves demo/ alone, and stops on Ctrl-C", { timeout: 600_000 }, async () => {
    const demo = path.join(dir, "demo");
    if (!fs.existsSync(demo)) expect(sh(dir, "npm run quickstart").code).toBe(0);
    const before = fs.readdirSync(demo).sort();
    const child = spawn("sh", ["-c", "npm start"], { cwd: dir, stdio: ["ignore", "pipe", "pipe"], detached: true });
    let out = "";
    child.stdout.setEncoding("utf8").on("data", (d: string) => (out += d));
    child.stderr.setEncoding("utf8").on("data", (d: string) => (out += d));
    const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
    try {
      await waitFor(() => /The watcher keeps running/.test(out), `npm start to show the gate at work:\n${out}`, 300_000, 200);
    } finally {
      process.kill(-child.pid!, "SIGINT"); // Ctrl-C reaches the whole foreground process group
    }
    await exited;
    expect(out).toMatch(/blocked: .*sh010_v003\.jpg/);
    expect(fs.readdirSync(path.join(dir, "demo-watch/deliverables"))).toEqual(["sh020_plate.jpg"]);
    const q = sh(path.join(dir, "demo-watch"), "npm run --silent prov -- quarantine ls");
    expect(q.code, q.out).toBe(0);
    expect(q.out).toMatch(/sh010_v003\.jpg/);
    expect(fs.readdirSync(demo).sort()).toEqual(before);
  });
});
