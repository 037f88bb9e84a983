// Volumes, the pure rules (src/domain/volumes.ts): host form ↔ stored form, prefixes, the
// marker check, and a move between volumes.

import { describe, expect, it } from "vitest";
import { crossVolumeMove, mapStrings, markerProblem, volumesBelow, MOVE_WINDOW_MS, storedVolumeOf, toHost, toStored, volumeNameProblem, volumeOfPath, type Volume } from "../../src/domain/volumes.js";

const host1: Volume[] = [
  { name: "EDIT-A", mount: "/mnt/edit-a" },
  { name: "EDIT-AB", mount: "/mnt/edit-a/b" },
];
const host2: Volume[] = [{ name: "EDIT-A", mount: "/Volumes/EDIT A" }];

describe("host form and stored form", () => {
  it("a path on a volume is stored as volume + path within it, and read back on another host at its mount", () => {
    expect(toStored("/mnt/edit-a/show/x.png", host1)).toBe("EDIT-A:/show/x.png");
    expect(toHost("EDIT-A:/show/x.png", host2)).toBe("/Volumes/EDIT A/show/x.png");
    expect(toHost(toStored("/mnt/edit-a/show/x.png", host1), host1)).toBe("/mnt/edit-a/show/x.png");
  });

  it("the volume root is NAME:/ and a folder's stored form prefixes its files' (prefix queries keep working)", () => {
    expect(toStored("/mnt/edit-a", host1)).toBe("EDIT-A:/");
    expect(toHost("EDIT-A:/", host1)).toBe("/mnt/edit-a");
    const dir = toStored("/mnt/edit-a/show", host1);
    expect(toStored("/mnt/edit-a/show/x.png", host1).startsWith(dir + "/")).toBe(true);
    expect(toStored("/mnt/edit-a/showreel/x.png", host1).startsWith(dir + "/")).toBe(false);
  });

  it("the longest mount wins; a name that only starts like a mount is not on it", () => {
    expect(toStored("/mnt/edit-a/b/x.png", host1)).toBe("EDIT-AB:/x.png");
    expect(toStored("/mnt/edit-ab/x.png", host1)).toBe("/mnt/edit-ab/x.png");
    expect(volumeOfPath("/mnt/edit-a/b", host1)?.name).toBe("EDIT-AB");
  });

  it("paths on no volume, relative names and a volume this host does not mount stay as they are", () => {
    expect(toStored("/srv/quarantine/x.png", host1)).toBe("/srv/quarantine/x.png");
    expect(toStored("x.png", host1)).toBe("x.png");
    expect(toHost("EDIT-B:/show/x.png", host1)).toBe("EDIT-B:/show/x.png");
    expect(toHost("/mnt/edit-a/x.png", host2)).toBe("/mnt/edit-a/x.png");
    expect(storedVolumeOf("/mnt/edit-a/x:/y")).toBeNull();
    expect(storedVolumeOf("C:/x")).toBe("C");
    expect(storedVolumeOf("EDIT-A:/x")).toBe("EDIT-A");
  });

  it("volume names never hold ':' or '/'", () => {
    expect(volumeNameProblem("EDIT-A")).toBeNull();
    expect(volumeNameProblem("EDIT:A")).not.toBeNull();
    expect(volumeNameProblem("a/b")).not.toBeNull();
    expect(volumeNameProblem("")).not.toBeNull();
  });
});

describe("the marker at a volume's mount", () => {
  const v = { name: "EDIT-A", mount: "/mnt/edit-a" };
  it("matches its name, or says what is there instead", () => {
    expect(markerProblem(v, { name: "EDIT-A", uuid: "u", createdAt: "t" }, "/mnt/edit-a/.prov-volume.json")).toBeNull();
    expect(markerProblem(v, { name: "EDIT-B", uuid: "u2", createdAt: "t" }, "/mnt/edit-a/.prov-volume.json")).toBe(
      "/mnt/edit-a holds volume EDIT-B (marker /mnt/edit-a/.prov-volume.json, uuid u2), not EDIT-A: another volume is mounted there",
    );
    expect(markerProblem(v, null, "/mnt/edit-a/.prov-volume.json")).toContain("prov volume init EDIT-A /mnt/edit-a");
    // Pinned to the uuid seen first: the same name on another filesystem is not the same volume.
    expect(markerProblem(v, { name: "EDIT-A", uuid: "u", createdAt: "t" }, "/m", "u")).toBeNull();
    expect(markerProblem(v, { name: "EDIT-A", uuid: "u3", createdAt: "t" }, "/m", "u")).toBe("/mnt/edit-a holds another volume named EDIT-A (uuid u3, not u as when this watcher started)");
  });
});

describe("a move between volumes", () => {
  const t0 = Date.parse("2026-12-06T10:00:00Z");
  const iso = (ms: number): string => new Date(ms).toISOString();
  const loc = (id: number, p: string, state: "present" | "missing", first: number, last: number) => ({ id, path: p, state, first_seen: iso(first), last_seen: iso(last) });

  it("content that appears on one volume after it went missing on another (within the window)", () => {
    const gone = loc(1, "EDIT-A:/x.png", "missing", t0 - 86_400_000, t0 - 60_000);
    const came = loc(2, "EDIT-B:/x.png", "present", t0, t0);
    expect(crossVolumeMove(came, [gone, came], t0)).toEqual({ from: gone, to: came });
    // The other way round: the copy first, then the original goes missing.
    const copied = loc(2, "EDIT-B:/x.png", "present", t0 - 60_000, t0 - 60_000);
    const left = loc(1, "EDIT-A:/x.png", "missing", t0 - 86_400_000, t0);
    expect(crossVolumeMove(left, [left, copied], t0)).toEqual({ from: left, to: copied });
  });

  it("not within one volume (renames are followed by inode), not long after, not a long-standing copy", () => {
    expect(crossVolumeMove(loc(2, "EDIT-A:/y.png", "present", t0, t0), [loc(1, "EDIT-A:/x.png", "missing", 0, t0 - 1000)], t0)).toBeNull();
    expect(crossVolumeMove(loc(2, "EDIT-B:/x.png", "present", t0, t0), [loc(1, "EDIT-A:/x.png", "missing", 0, t0 - MOVE_WINDOW_MS - 1)], t0)).toBeNull();
    expect(crossVolumeMove(loc(1, "EDIT-A:/x.png", "missing", 0, t0), [loc(2, "EDIT-B:/x.png", "present", t0 - MOVE_WINDOW_MS - 1, t0)], t0)).toBeNull();
    expect(crossVolumeMove(loc(2, "/srv/b/x.png", "present", t0, t0), [loc(1, "/srv/a/x.png", "missing", 0, t0 - 1000)], t0)).toBeNull();
    // Off every volume at either end (the quarantine is a folder on none): not a move between volumes.
    expect(crossVolumeMove(loc(2, "/srv/quarantine/1-x.png", "present", t0, t0), [loc(1, "EDIT-A:/x.png", "missing", 0, t0 - 1000)], t0)).toBeNull();
    expect(crossVolumeMove(loc(1, "EDIT-A:/x.png", "missing", 0, t0), [loc(2, "/srv/quarantine/1-x.png", "present", t0 - 1000, t0)], t0)).toBeNull();
  });
});

describe("folders above the mounts, and paths inside details", () => {
  it("the volumes mounted strictly below a folder", () => {
    const vs: Volume[] = [
      { name: "EDIT-A", mount: "/mnt/edit-a" },
      { name: "EDIT-B", mount: "/mnt/san/edit-b" },
    ];
    expect(volumesBelow("/mnt", vs).map((v) => v.name)).toEqual(["EDIT-A", "EDIT-B"]);
    expect(volumesBelow("/", vs).map((v) => v.name)).toEqual(["EDIT-A", "EDIT-B"]);
    expect(volumesBelow("/mnt/san/", vs).map((v) => v.name)).toEqual(["EDIT-B"]);
    expect(volumesBelow("/mnt/edit-a", vs)).toEqual([]); // the volume itself: its own stored form covers it
    expect(volumesBelow("/mnt/edit", vs)).toEqual([]); // only starts like a mount
    expect(volumesBelow("/srv", vs)).toEqual([]);
  });

  it("mapStrings changes only strings, keeps the shape, and returns the same object when nothing changed", () => {
    const detail = { from: "/mnt/edit-a/x.png", n: 3, ok: true, none: null, list: ["/mnt/edit-a/y.png", "/srv/z.png"], deep: { to: "/mnt/edit-a" } };
    const out = mapStrings(detail, (s) => toStored(s, host1));
    expect(out).toEqual({ from: "EDIT-A:/x.png", n: 3, ok: true, none: null, list: ["EDIT-A:/y.png", "/srv/z.png"], deep: { to: "EDIT-A:/" } });
    expect(Object.keys(out)).toEqual(Object.keys(detail));
    const untouched = { a: "/srv/x", b: [1, "/srv/y"] };
    expect(mapStrings(untouched, (s) => toStored(s, host1))).toBe(untouched);
  });
});
