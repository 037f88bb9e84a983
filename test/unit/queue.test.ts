// The watcher's work queue: keys() lists each waiting or running key once, which is what
// `prov status` counts per root.

import { describe, expect, it } from "vitest";
import { WorkQueue } from "../../watchers/queue.js";

describe("WorkQueue.keys()", () => {
  it("lists delayed, ready and running keys once each, and nothing once they are handled", async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const q = new WorkQueue({ concurrency: 1, maxPending: 100, handler: () => gate, onOverflow: () => {}, onError: () => {} });
    q.push("/del/a.png"); // starts running at once (concurrency 1)
    q.push("/del/b.png"); // waits its turn
    q.push("/del/a.png"); // again while running: still one key
    q.push("/work/c.mov", 60_000); // delayed
    await new Promise((r) => setImmediate(r));
    expect([...q.keys()].sort()).toEqual(["/del/a.png", "/del/b.png", "/work/c.mov"]);
    expect(q.pending + q.active).toBeGreaterThanOrEqual(3);
    release();
    q.push("/work/c.mov"); // due now
    await q.idle();
    await new Promise((r) => setTimeout(r, 20));
    expect([...q.keys()]).toEqual([]);
    q.close();
  });

  it("a key pushed again while it runs, with a delay, waits that delay (a file still being written is not looked at in a busy loop)", async () => {
    const runs: string[] = [];
    let second!: () => void;
    const ranTwice = new Promise<void>((r) => (second = r));
    const q = new WorkQueue({
      concurrency: 1,
      maxPending: 100,
      handler: async (k) => {
        runs.push(k);
        if (runs.length === 1) q.push(k, 60_000); // "wait": look again in a minute
        else second();
      },
      onOverflow: () => {},
      onError: () => {},
    });
    q.push("/work/growing.mov");
    await q.idle();
    // The first run ended; the key waits on its timer, listed, not run again.
    for (let i = 0; i < 5; i++) await new Promise((r) => setImmediate(r));
    expect(runs).toEqual(["/work/growing.mov"]);
    expect([...q.keys()]).toEqual(["/work/growing.mov"]);
    // Asked for at once (an event), it runs now, keeping one entry.
    q.push("/work/growing.mov");
    await ranTwice;
    expect(runs).toEqual(["/work/growing.mov", "/work/growing.mov"]);
    q.close();
  });
});
