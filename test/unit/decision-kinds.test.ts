// The events after which watchers judge delivered files again have one home
// (DECISION_EVENT_KINDS); the PostgreSQL NOTIFY trigger, written in SQL, must name the same.

import fs from "node:fs";
import path from "node:path";
import { expect, it } from "vitest";
import { DECISION_EVENT_KINDS } from "../../src/domain/types.js";
import { repoRoot } from "../helpers/index.js";

it("the PostgreSQL decision trigger wakes watchers for exactly the decision kinds", () => {
  const sql = fs.readFileSync(path.join(repoRoot, "db/postgres/migrations/0001_init.sql"), "utf8");
  const m = /CREATE TRIGGER events_notify_decision[\s\S]*?NEW\.kind IN \(([^)]*)\)/.exec(sql);
  expect(m, "the trigger's WHEN clause").not.toBeNull();
  const kinds = m![1]!.split(",").map((k) => k.trim().replace(/^'|'$/g, ""));
  expect(kinds.sort()).toEqual([...DECISION_EVENT_KINDS].sort());
});
