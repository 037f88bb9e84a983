import { describe, expect, it } from "vitest";
import { storeMismatch } from "../../src/app/store-marker.js";

const marker = { id: "aaa", createdAt: "2026-11-01T00:00:00.000Z", database: "/var/lib/prov/prov.db" };
const base = { quarantine: "/srv/quarantine", database: "/var/lib/prov/prov.db", existed: true, marker, identity: { id: "aaa", createdAt: marker.createdAt }, newDatabase: false };

describe("storeMismatch: may the watcher run on this database with this quarantine?", () => {
  it("the database that kept the quarantine: yes", () => expect(storeMismatch(base)).toBeNull());
  it("no marker yet (first start, or a quarantine never used): yes", () => expect(storeMismatch({ ...base, marker: null, existed: false, identity: null })).toBeNull());
  it("the database is gone: no, naming the quarantine, the database kept and --new-database", () => {
    const r = storeMismatch({ ...base, existed: false, identity: null });
    expect(r).toMatch(/^the database \/var\/lib\/prov\/prov.db does not exist, but \/srv\/quarantine holds files quarantined under database aaa/);
    expect(r).toMatch(/--new-database/);
  });
  it("another database in its place: no, naming both", () => {
    expect(storeMismatch({ ...base, identity: { id: "bbb", createdAt: "2026-12-06T00:00:00.000Z" } })).toMatch(/is not the one that kept this quarantine: .* is bbb/);
  });
  it("told to start over: yes, either way", () => {
    expect(storeMismatch({ ...base, existed: false, identity: null, newDatabase: true })).toBeNull();
    expect(storeMismatch({ ...base, identity: { id: "bbb", createdAt: "x" }, newDatabase: true })).toBeNull();
  });
});
