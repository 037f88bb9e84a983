import { describe, expect, it } from "vitest";
import { compareMount, type MountView, type RootMount } from "../../watchers/mounts.js";

const share: RootMount = { dev: "41", mountPoint: "/mnt/share", fsType: "nfs4" };
const rootfs: RootMount = { dev: "2049", mountPoint: "/", fsType: "ext4" };
const view = (now: RootMount | null, points: string[]): MountView => ({ now, points: new Set(points) });

describe("compareMount: has a root's filesystem changed, and is its share unmounted?", () => {
  it("same device and mount point: nothing changed", () => {
    expect(compareMount("/mnt/share/edit", share, share, view(share, ["/", "/mnt/share"]))).toEqual({ kind: "same" });
  });
  it("the share unmounted, its mount point left as a plain folder: changed, and unmounted in words", () => {
    expect(compareMount("/mnt/share", share, share, view(rootfs, ["/"]))).toEqual({ kind: "changed", now: rootfs, unmounted: "/mnt/share (nfs4) is not mounted" });
  });
  it("a folder on the unmounted share is gone: gone, and unmounted", () => {
    expect(compareMount("/mnt/share/edit", share, share, view(null, ["/"]))).toEqual({ kind: "gone", unmounted: "/mnt/share (nfs4) is not mounted" });
  });
  it("a root on / deleted: gone, said as such", () => {
    expect(compareMount("/srv/edit", rootfs, rootfs, view(null, ["/"]))).toEqual({ kind: "gone", unmounted: "/srv/edit does not exist" });
  });
  it("mounted again (a new device at the same mount point): changed, not unmounted", () => {
    const again = { ...share, dev: "42" };
    expect(compareMount("/mnt/share", share, rootfs, view(again, ["/", "/mnt/share"]))).toEqual({ kind: "changed", now: again, unmounted: null });
  });
  it("a share mounted onto a root that was on /: changed, not unmounted", () => {
    expect(compareMount("/mnt/share", rootfs, rootfs, view(share, ["/", "/mnt/share"]))).toEqual({ kind: "changed", now: share, unmounted: null });
  });
});
