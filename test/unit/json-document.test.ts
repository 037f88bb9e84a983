// The envelope of every JSON document (src/domain/json-document.ts): the order of its keys,
// lists under items, a payload that would shadow the envelope refused, the streamed head.

import { describe, expect, it } from "vitest";
import { JSON_DOCUMENTS, isJsonKind, jsonDocument, jsonDocumentHead, jsonList } from "../../src/domain/json-document.js";

describe("jsonDocument", () => {
  it("puts schemaVersion first and kind second, then the payload's fields in their order", () => {
    const doc = jsonDocument("prov.desk.sweep", { sweep: { id: 3 }, extra: null });
    expect(Object.keys(doc)).toEqual(["schemaVersion", "kind", "sweep", "extra"]);
    expect(JSON.stringify(doc)).toBe('{"schemaVersion":1,"kind":"prov.desk.sweep","sweep":{"id":3},"extra":null}');
  });

  it("carries a list under items", () => {
    expect(jsonList("prov.ls", [{ a: 1 }])).toEqual({ schemaVersion: 1, kind: "prov.ls", items: [{ a: 1 }] });
    expect(Object.keys(jsonList("prov.log", []))).toEqual(["schemaVersion", "kind", "items"]);
  });

  it("refuses a payload with its own schemaVersion or kind, and a bare array", () => {
    const withKind = { kind: "blocked" } as Record<string, unknown>;
    expect(() => jsonDocument("prov.status", withKind as never)).toThrow(/"kind", which the envelope owns/);
    expect(() => jsonDocument("prov.status", { schemaVersion: 2 } as never)).toThrow(/"schemaVersion"/);
    expect(() => jsonDocument("prov.ls", [1] as never)).toThrow(/jsonList/);
  });

  it("the streamed head opens the same envelope", () => {
    const text = `${jsonDocumentHead("prov.scan")}\n  "files": []\n}\n`;
    const doc = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(doc)).toEqual(["schemaVersion", "kind", "files"]);
    expect(doc).toEqual({ schemaVersion: JSON_DOCUMENTS["prov.scan"], kind: "prov.scan", files: [] });
  });

  it("every kind in the table is prov. and words, with a positive integer version", () => {
    for (const [kind, version] of Object.entries(JSON_DOCUMENTS)) {
      expect(kind).toMatch(/^prov(\.[a-z][a-z-]*)+$/);
      expect(Number.isInteger(version) && version >= 1, kind).toBe(true);
      expect(isJsonKind(kind)).toBe(true);
    }
    expect(isJsonKind("prov.nothing")).toBe(false);
    expect(isJsonKind("toString")).toBe(false);
  });
});
