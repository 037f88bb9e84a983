// The volume decorator (src/app/volume-paths.ts) over a real SQLite store: a query on a
// folder above the volumes' mount points covers their files, a page at a time in host path
// order (a watcher's reconcile walks a root that way), and the paths inside an event's
// detail and a quarantine row's evidence are stored in volume form and read back in host form.

import path from "node:path";
import { describe, expect, it } from "vitest";
import { withVolumes } from "../../src/app/volume-paths.js";
import type { StatKey } from "../../src/ports.js";
import { openStore, tempDir } from "../helpers/index.js";

const NOW = "2026-01-01T00:00:00.000Z";
const stat = (ino: number): StatKey => ({ dev: "1", ino: String(ino), size: 10, mtimeNs: "100", ctimeNs: "200" });

describe("volume paths at the store boundary", () => {
  it("a folder above the mounts: every scope, in host path order, page by page, counted and listed", async () => {
    const t = tempDir();
    const raw = await openStore(path.join(t, "prov.db"));
    const store = withVolumes(raw, [
      { name: "EDIT-A", mount: "/mnt/a" },
      { name: "EDIT-B", mount: "/mnt/b" },
    ]);
    const files = ["/mnt/0-loose.png", "/mnt/a/x/1.png", "/mnt/a/x/2.png", "/mnt/a0.png", "/mnt/b/3.png", "/mnt/c/4.png", "/srv/elsewhere.png"];
    let ino = 0;
    for (const f of files) {
      const a = await store.assets.record({ asset: { sha256: String(++ino).repeat(64).slice(0, 64), size: 10, mediaHash: null, fileType: "PNG", mimeType: "image/png", metadataError: null, warnings: [], exiftoolVersion: "13.59" } }, NOW);
      await store.locations.upsert(f, a.id, stat(ino), "present", null, NOW);
    }
    const stored = (await raw.locations.presentUnder("/")).map((l) => l.path).concat((await raw.locations.presentUnder("EDIT-A:/")).map((l) => l.path), (await raw.locations.presentUnder("EDIT-B:/")).map((l) => l.path));
    expect(stored.sort()).toEqual(["/mnt/0-loose.png", "/mnt/a0.png", "/mnt/c/4.png", "/srv/elsewhere.png", "EDIT-A:/x/1.png", "EDIT-A:/x/2.png", "EDIT-B:/3.png"]);

    const under = files.filter((f) => f.startsWith("/mnt/"));
    expect(await store.locations.countPresentUnder("/mnt")).toBe(under.length);
    expect((await store.locations.presentUnder("/mnt")).map((l) => l.path).sort()).toEqual(under);
    expect([...(await store.locations.statCacheUnder("/mnt")).keys()].sort()).toEqual(under);
    for (const limit of [1, 2, 3, 100]) {
      const pages: string[] = [];
      let after: string | null = null;
      for (;;) {
        const page: string[] = await store.locations.presentPathsUnder("/mnt", after, limit);
        if (page.length === 0) break;
        expect(page.length).toBeLessThanOrEqual(limit);
        pages.push(...page);
        after = page[page.length - 1]!;
      }
      expect(pages, `pages of ${limit}`).toEqual(under);
    }
    // Inside a volume, and on no volume: as before.
    expect(await store.locations.presentPathsUnder("/mnt/a", null, 10)).toEqual(["/mnt/a/x/1.png", "/mnt/a/x/2.png"]);
    expect(await store.locations.presentPathsUnder("/srv", null, 10)).toEqual(["/srv/elsewhere.png"]);
  });

  it("paths inside an event's detail and a quarantine row's evidence: volume form stored, host form read", async () => {
    const t = tempDir();
    const raw = await openStore(path.join(t, "prov.db"));
    const host1 = withVolumes(raw, [{ name: "EDIT-A", mount: "/mnt/a" }]);
    const host2 = withVolumes(raw, [{ name: "EDIT-A", mount: "/Volumes/EDIT A" }]);
    await host1.events.add("moved", NOW, { path: "/mnt/a/new.png", detail: { from: "/mnt/a/old.png", to: "/mnt/a/new.png", list: ["/mnt/a/x.png", "/srv/y.png"], n: 3, note: "kept: /mnt/a is a mount" } });
    const [stored] = await raw.events.list({ limit: 1 });
    expect(JSON.parse(stored!.detail!)).toEqual({ from: "EDIT-A:/old.png", to: "EDIT-A:/new.png", list: ["EDIT-A:/x.png", "/srv/y.png"], n: 3, note: "kept: /mnt/a is a mount" });
    const [seen] = await host2.events.list({ limit: 1 });
    expect(seen!.path).toBe("/Volumes/EDIT A/new.png");
    expect(JSON.parse(seen!.detail!)).toMatchObject({ from: "/Volumes/EDIT A/old.png", to: "/Volumes/EDIT A/new.png", list: ["/Volumes/EDIT A/x.png", "/srv/y.png"] });

    const row = await host1.quarantine.plan(
      { kind: "blocked", original_path: "/mnt/a/del/sh010.png", original_raw: null, sha256: null, asset_id: null, dev: null, ino: null, reason: "derived from GenAI", evidence: JSON.stringify({ derivedFrom: { path: "/mnt/a/gen/orig.png", distance: 3 } }), planned_at: NOW },
      (id) => `/srv/q/${id}.png`,
      { kind: "blocked", detail: { from: "/mnt/a/del/sh010.png" } },
    );
    expect(JSON.parse(row.evidence!)).toEqual({ derivedFrom: { path: "/mnt/a/gen/orig.png", distance: 3 } });
    expect(JSON.parse((await raw.quarantine.byId(row.id))!.evidence!)).toEqual({ derivedFrom: { path: "EDIT-A:/gen/orig.png", distance: 3 } });
    expect(JSON.parse((await host2.quarantine.byId(row.id))!.evidence!).derivedFrom.path).toBe("/Volumes/EDIT A/gen/orig.png");
    const blocked = (await raw.events.list({ limit: 10 })).find((e) => e.kind === "blocked");
    expect(JSON.parse(blocked!.detail!)).toMatchObject({ from: "EDIT-A:/del/sh010.png" });
  });
});
