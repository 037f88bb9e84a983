// The history chain's pure rules (src/domain/chain.ts): the canonical encoding and its
// hash, the per-column digests, the order old rows are chained in, and the walk that finds
// edits, deletions, reorders and rows outside the chain, each at its row.

import { createHash } from "node:crypto";
import { describe, expect, it } from "vitest";
import {
  CHAIN_VERSION,
  ChainWalker,
  MAX_BREAKS,
  canonicalRow,
  changedFields,
  fieldDigests,
  genesisHash,
  mergeByTime,
  nextLink,
  rowHash,
  verdictOf,
  type ChainHead,
  type ChainRow,
  type ChainTable,
  type ChainValue,
  type Genesis,
} from "../../src/domain/chain.js";

const sha = (s: string): string => createHash("sha256").update(s, "utf8").digest("hex");

function genesis(rowsBefore = 0): Genesis {
  const startedAt = "2026-12-01T09:00:00.000Z";
  return { storeId: "0123456789abcdef0123456789abcdef", startedAt, rowsBefore, hash: genesisHash("0123456789abcdef0123456789abcdef", startedAt, rowsBefore) };
}

/** A chain as prov would write it: events (and an approval at `approvalAt`), each linked to the one before. */
function chain(n: number, g = genesis(), approvalAt = -1): ChainRow[] {
  const rows: ChainRow[] = [];
  let head: ChainHead = { seq: 0, hash: g.hash };
  const ids: Record<ChainTable, number> = { events: 0, approvals: 0 };
  for (let i = 0; i < n; i++) {
    const table: ChainTable = i === approvalAt ? "approvals" : "events";
    const content: Record<string, ChainValue> =
      table === "events"
        ? { at: `2026-12-01T10:00:${String(i).padStart(2, "0")}.000Z`, kind: "seen", asset_id: i + 1, location_id: i + 1, path: `/edit/f${i}.png`, detail: null }
        : { asset_id: 1, action: "approve", by: "Dana Post", ref: "STUDIO-1", scope: null, note: null, doc_path: null, doc_sha256: null, at: "2026-12-01T10:00:30.000Z" };
    const link = nextLink(head, table, content);
    rows.push({ table, id: ++ids[table], seq: link.seq, prev: link.prev, hash: link.hash, fields: link.fields, content });
    head = { seq: link.seq, hash: link.hash };
  }
  return rows;
}

function walk(rows: readonly ChainRow[], g: Genesis | null = genesis(), recordedHead?: string) {
  const w = new ChainWalker(g, recordedHead === undefined ? {} : { recordedHead });
  const ordered = [...rows].sort((a, b) => (a.seq ?? -Infinity) - (b.seq ?? -Infinity) || a.table.localeCompare(b.table) || a.id - b.id);
  for (const r of ordered) w.push(r);
  if (w.wanted().size > 0) for (const r of rows) w.locate(r);
  return w.finish();
}

describe("canonical encoding and hash", () => {
  it("is SHA-256 over [version, table, prev, sorted non-null columns] as JSON", () => {
    const content = { kind: "seen", at: "2026-12-01T10:00:00.000Z", asset_id: 7, detail: null };
    const text = canonicalRow("events", "ab".repeat(32), content);
    expect(text).toBe(JSON.stringify([CHAIN_VERSION, "events", "ab".repeat(32), [["asset_id", 7], ["at", "2026-12-01T10:00:00.000Z"], ["kind", "seen"]]]));
    expect(rowHash("events", "ab".repeat(32), content)).toBe(sha(text));
    // A known vector, so the encoding cannot drift without this test saying so.
    expect(rowHash("events", "0".repeat(64), { at: "t", kind: "seen" })).toBe(sha(`["${CHAIN_VERSION}","events","${"0".repeat(64)}",[["at","t"],["kind","seen"]]]`));
  });

  it("does not depend on column order; a NULL column is as good as an absent one (later nullable columns keep old hashes)", () => {
    const prev = "cd".repeat(32);
    expect(rowHash("events", prev, { a: 1, b: "x" })).toBe(rowHash("events", prev, { b: "x", a: 1 }));
    expect(rowHash("events", prev, { a: 1, b: "x", added_later: null })).toBe(rowHash("events", prev, { a: 1, b: "x" }));
    expect(rowHash("events", prev, { a: 1, id: 5, chain_seq: 3, chain_hash: "x" })).toBe(rowHash("events", prev, { a: 1 }));
  });

  it("commits to the table, the previous hash and each value, with its type", () => {
    const prev = "ef".repeat(32);
    const base = rowHash("events", prev, { asset_id: 1, path: "/a" });
    expect(rowHash("approvals", prev, { asset_id: 1, path: "/a" })).not.toBe(base);
    expect(rowHash("events", "ee".repeat(32), { asset_id: 1, path: "/a" })).not.toBe(base);
    expect(rowHash("events", prev, { asset_id: "1", path: "/a" })).not.toBe(base);
    expect(rowHash("events", prev, { asset_id: 1, path: "/a " })).not.toBe(base);
    expect(rowHash("events", prev, { asset_id: 1, path: "" })).not.toBe(rowHash("events", prev, { asset_id: 1 }));
  });

  it("hashes a string as SQLite keeps it: a lone surrogate as U+FFFD", () => {
    const prev = "00".repeat(32);
    expect(rowHash("events", prev, { path: "/a\uD800b" })).toBe(rowHash("events", prev, { path: "/a\uFFFDb" }));
    expect(rowHash("events", prev, { path: "/a\uD83D\uDE00" })).not.toBe(rowHash("events", prev, { path: "/a\uFFFD\uFFFD" }));
  });

  it("the genesis hash binds the store's identity, when the chain began and the rows it found", () => {
    const g = genesis(3);
    expect(genesisHash(g.storeId, g.startedAt, 3)).toBe(g.hash);
    expect(genesisHash("ffffffffffffffffffffffffffffffff", g.startedAt, 3)).not.toBe(g.hash);
    expect(genesisHash(g.storeId, "2026-12-01T09:00:00.001Z", 3)).not.toBe(g.hash);
    expect(genesisHash(g.storeId, g.startedAt, 2)).not.toBe(g.hash);
  });

  it("nextLink: the next position, the head as prev, the row's hash and its digests", () => {
    const head = { seq: 41, hash: "12".repeat(32) };
    const content = { at: "t", kind: "seen" };
    expect(nextLink(head, "events", content)).toEqual({ seq: 42, prev: head.hash, hash: rowHash("events", head.hash, content), fields: fieldDigests(content) });
  });
});

describe("column digests", () => {
  it("name each non-null column with 8 hex digits", () => {
    expect(fieldDigests({ kind: "seen", at: "t", detail: null })).toMatch(/^at=[0-9a-f]{8} kind=[0-9a-f]{8}$/);
  });

  it("changedFields lists the columns changed, added or cleared", () => {
    const was = { at: "t", kind: "seen", path: "/a", asset_id: 1 };
    const stored = fieldDigests(was);
    expect(changedFields(stored, was)).toEqual([]);
    expect(changedFields(stored, { ...was, kind: "moved", path: "/b" })).toEqual(["kind", "path"]);
    expect(changedFields(stored, { ...was, path: null })).toEqual(["path"]);
    expect(changedFields(stored, { ...was, detail: "{}" })).toEqual(["detail"]);
    expect(changedFields(null, { at: "t" })).toEqual(["at"]);
  });
});

describe("mergeByTime: rows already in a database, chained in the order they were written", () => {
  it("keeps each table's id order; between them the earlier time first, an approval before its event", () => {
    const approvals = [{ id: 1, at: "2026-01-01T00:00:02Z" }, { id: 2, at: "2026-01-01T00:00:05Z" }];
    const events = [
      { id: 1, at: "2026-01-01T00:00:01Z" },
      { id: 2, at: "2026-01-01T00:00:02Z" },
      { id: 3, at: "2026-01-01T00:00:00Z" }, // written later with an earlier time: stays after id 2
      { id: 4, at: "2026-01-01T00:00:09Z" },
    ];
    expect(mergeByTime(approvals, events).map((m) => `${m.table[0]}${m.row.id}`)).toEqual(["e1", "a1", "e2", "e3", "a2", "e4"]);
    expect(mergeByTime([], [])).toEqual([]);
  });
});

describe("the walk", () => {
  it("an intact chain: every row counted, the head is the last row", () => {
    const rows = chain(6, genesis(), 2);
    const r = walk(rows);
    expect(r).toMatchObject({ intact: true, rows: 6, breakCount: 0, breaks: [] });
    expect(r.head).toEqual({ seq: 6, hash: rows[5]!.hash });
    expect(verdictOf(r)).toBe(`history intact: 6 rows, head row 6 ${rows[5]!.hash}`);
  });

  it("an empty chain is intact; its head is the genesis", () => {
    const g = genesis();
    expect(walk([], g)).toMatchObject({ intact: true, rows: 0, head: { seq: 0, hash: g.hash } });
  });

  it("an edited row is found at its row, with the columns that no longer hash; the rows after it still link", () => {
    const rows = chain(6);
    rows[2] = { ...rows[2]!, content: { ...rows[2]!.content, kind: "moved", path: "/elsewhere.png" } };
    const r = walk(rows);
    expect(r.intact).toBe(false);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "edited", row: 3, table: "events", id: 3, fields: ["kind", "path"] })]);
    expect(verdictOf(r)).toBe("history broken at row 3: row 3 (events id 3) was edited: kind, path no longer hash");
  });

  it("an edited approval is named as one", () => {
    const rows = chain(5, genesis(), 3);
    rows[3] = { ...rows[3]!, content: { ...rows[3]!.content, by: "Someone Else" } };
    expect(walk(rows).breaks).toEqual([expect.objectContaining({ kind: "edited", row: 4, table: "approvals", id: 1, fields: ["by"] })]);
  });

  it("a row whose stored hash was altered: one break at that row (the next link is explained by it)", () => {
    const rows = chain(5);
    rows[1] = { ...rows[1]!, hash: "ab".repeat(32) };
    const r = walk(rows);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "edited", row: 2, fields: [] })]);
  });

  it("a row rewritten with a fresh hash that hashes: the next row no longer follows it", () => {
    const rows = chain(5);
    const content = { ...rows[1]!.content, kind: "forged" };
    const link = nextLink({ seq: 1, hash: rows[0]!.hash! }, "events", content);
    rows[1] = { ...rows[1]!, ...link, content };
    const r = walk(rows);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "edited", row: 3 })]);
    expect(r.breaks[0]!.message).toMatch(/row 3 \(events id 3\) no longer follows the row before it/);
  });

  it("a deleted row is a gap at the row after it", () => {
    const rows = chain(6).filter((r) => r.seq !== 4);
    const r = walk(rows);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "deleted", row: 5, missing: { from: 4, to: 4 } })]);
    expect(verdictOf(r)).toBe("history broken at row 5: row 4 was deleted (row 5, events id 5, follows a row that is gone)");
  });

  it("several rows deleted together are one gap", () => {
    const rows = chain(8).filter((r) => r.seq! < 3 || r.seq! > 5);
    expect(walk(rows).breaks).toEqual([expect.objectContaining({ kind: "deleted", row: 6, missing: { from: 3, to: 5 } })]);
  });

  it("a deleted row with the rows after it renumbered: the row that followed it no longer links", () => {
    const rows = chain(6)
      .filter((r) => r.seq !== 3)
      .map((r) => (r.seq! > 3 ? { ...r, seq: r.seq! - 1 } : r));
    const r = walk(rows);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "edited", row: 3, table: "events", id: 4 })]);
  });

  it("the last rows deleted are not found by the chain alone, but against a head recorded earlier", () => {
    const rows = chain(6);
    const recorded = rows[5]!.hash!;
    const cut = rows.slice(0, 4);
    expect(walk(cut).intact).toBe(true);
    const r = walk(cut, genesis(), recorded);
    expect(r.intact).toBe(false);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "head" })]);
    expect(r.recordedHead).toEqual({ hash: recorded, found: false, row: null });
    expect(walk(rows, genesis(), recorded.toUpperCase()).recordedHead).toEqual({ hash: recorded, found: true, row: 6 });
    expect(walk(rows, genesis(), rows[2]!.hash!).recordedHead).toEqual({ hash: rows[2]!.hash!, found: true, row: 3 });
  });

  it("two rows swapped by id (plain SQL: UPDATE events SET id = …): reordered, at the later row", () => {
    const rows = chain(6).map((r) => (r.id === 3 ? { ...r, id: 4 } : r.id === 4 ? { ...r, id: 3 } : r));
    const r = walk(rows);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "reordered", row: 4, table: "events", id: 3 })]);
    expect(r.breaks[0]!.message).toBe("row 4 (events id 3) comes after row 3 (events id 4) in the chain but before it by id: rows were reordered");
  });

  it("two rows swapped by position: reordered, starting at the first one moved", () => {
    const rows = chain(6).map((r) => (r.seq === 3 ? { ...r, seq: 4 } : r.seq === 4 ? { ...r, seq: 3 } : r));
    const r = walk(rows);
    expect(r.intact).toBe(false);
    expect(r.breaks[0]).toMatchObject({ kind: "reordered", row: 3, id: 4 });
    expect(r.breaks[0]!.message).toMatch(/it was written after row 4, which now comes later/);
    expect(r.breaks.every((b) => b.kind === "reordered")).toBe(true);
  });

  it("a row renumbered alone (its link intact) is an edit of chain_seq", () => {
    const rows = chain(4).map((r) => (r.seq === 4 ? { ...r, seq: 9 } : r));
    // 9 after 3 with a good link: not a deletion
    expect(walk(rows).breaks).toEqual([expect.objectContaining({ kind: "edited", row: 9, fields: ["chain_seq"] })]);
  });

  it("a row without a link (inserted with plain SQL) is outside the chain", () => {
    const rows = [...chain(3), { table: "events" as const, id: 4, seq: null, prev: null, hash: null, fields: null, content: { at: "t", kind: "seen" } }];
    const r = walk(rows);
    expect(r.rows).toBe(3);
    expect(r.breaks).toEqual([expect.objectContaining({ kind: "unchained", row: null, table: "events", id: 4 })]);
    expect(verdictOf(r)).toMatch(/^history broken: events id 4 is not in the chain/);
  });

  it("a genesis edited or gone is a break of its own", () => {
    const g = genesis(2);
    const rows = chain(3, g);
    expect(walk(rows, { ...g, rowsBefore: 0 }).breaks).toEqual([expect.objectContaining({ kind: "genesis" })]);
    const gone = walk(rows, null);
    expect(gone.breaks[0]).toMatchObject({ kind: "genesis" });
    expect(gone.breaks[0]!.message).toMatch(/missing/);
  });

  it("keeps the first breaks and counts the rest", () => {
    const rows = chain(MAX_BREAKS + 20).map((r) => ({ ...r, content: { ...r.content, kind: "edited" } }));
    const r = walk(rows);
    expect(r.breaks).toHaveLength(MAX_BREAKS);
    expect(r.breakCount).toBe(MAX_BREAKS + 20);
    expect(verdictOf(r)).toMatch(/\(and 119 more\)$/);
  });
});
