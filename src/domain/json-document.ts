// The one envelope of every JSON document prov writes (README "JSON output"): an object
// whose first key is `schemaVersion`, second `kind`, then the payload's fields. A list is
// carried under `items` (a bare array has no room for a version). Pure: the text is written
// by the callers (src/cli/output.ts printJson, the report adapters, the desk).

/**
 * Every kind of document, with its schema version. A version goes up when a field of that
 * document changes meaning or goes away; a new field does not change it. Kinds are "prov."
 * and the command's words joined by dots ("prov quarantine ls" → "prov.quarantine.ls"),
 * plus a last word for a second document of one command ("prov.sweep.disclosure").
 */
export const JSON_DOCUMENTS = {
  "prov.init": 1,
  "prov.migrate": 1,
  "prov.scan": 1,
  "prov.sweep": 1,
  "prov.sweep.disclosure": 1,
  "prov.show": 1,
  "prov.frame": 1,
  "prov.frame.timeline": 1,
  "prov.ls": 1,
  "prov.tag": 1,
  "prov.approve": 1,
  "prov.revoke": 1,
  "prov.log": 1,
  "prov.verify": 1,
  "prov.export-history": 1,
  "prov.db.export": 1,
  "prov.db.import": 1,
  "prov.volume.init": 1,
  "prov.volume.ls": 1,
  "prov.status": 1,
  "prov.quarantine.ls": 1,
  "prov.release": 1,
  "prov.desk.user.add": 1,
  "prov.desk.sweep": 1,
  // A notification (webhook body, command hook's input); 2: what happened moved from `kind` to `event`.
  "prov.notice": 2,
  "prov.mhl.verify": 1,
  "prov.mhl.diff": 1,
  "prov.mhl.info": 1,
} as const;

export type JsonKind = keyof typeof JSON_DOCUMENTS;

export const isJsonKind = (k: string): k is JsonKind => Object.hasOwn(JSON_DOCUMENTS, k);

/** A payload may not carry the envelope's own keys (they would be overwritten, or shadow them). */
export type JsonPayload = object & { schemaVersion?: never; kind?: never; length?: never };

export type JsonDocument<P> = { schemaVersion: number; kind: JsonKind } & P;

/** An object document: `schemaVersion`, `kind`, then the payload's fields as they are. */
export function jsonDocument<P extends JsonPayload>(kind: JsonKind, payload: P): JsonDocument<P> {
  if (Array.isArray(payload)) throw new TypeError(`${kind}: a list goes through jsonList (under "items")`);
  for (const k of ["schemaVersion", "kind"])
    if (Object.hasOwn(payload, k)) throw new TypeError(`${kind}: the payload has its own "${k}", which the envelope owns`);
  return { schemaVersion: JSON_DOCUMENTS[kind], kind, ...payload };
}

/** A list document: `schemaVersion`, `kind`, `items`. */
export function jsonList<T>(kind: JsonKind, items: readonly T[]): JsonDocument<{ items: readonly T[] }> {
  return { schemaVersion: JSON_DOCUMENTS[kind], kind, items };
}

/**
 * The opening of a document written piece by piece (a scan's or a sweep's files stream
 * out as they come): `{`, the two envelope keys, and a comma; the caller writes the rest,
 * indented by two spaces, and the closing `}`.
 */
export function jsonDocumentHead(kind: JsonKind): string {
  return `{\n  "schemaVersion": ${JSON_DOCUMENTS[kind]},\n  "kind": ${JSON.stringify(kind)},`;
}
