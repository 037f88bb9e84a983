-- What c2pa-rs said of a content's C2PA manifest store (src/adapters/c2pa/, src/app/c2pa.ts):
-- one row per asset per validator (the npm binding, pinned exactly, fixes the c2pa-rs version)
-- and trust bundle (SHA-256 of the anchors handed to it). Validating again with the same
-- validator and anchors replaces the row; a new validator or new anchors add one.
CREATE TABLE c2pa_validations (
  id INTEGER PRIMARY KEY,
  asset_id INTEGER NOT NULL REFERENCES assets(id),
  -- "@contentauth/c2pa-wasm@0.15.0"
  binding TEXT NOT NULL,
  -- "c2pa-rs 0.92.0", as the WASM reported it
  validator TEXT NOT NULL,
  trust_sha256 TEXT NOT NULL,
  -- validated | no-manifest | remote-manifest | unreadable | not-checked
  outcome TEXT NOT NULL CHECK (outcome IN ('validated', 'no-manifest', 'remote-manifest', 'unreadable', 'not-checked')),
  -- The store's C2PA 2.x state when validated: invalid | valid | trusted
  state TEXT CHECK (state IN ('invalid', 'valid', 'trusted')),
  -- Why not validated (unreadable, not-checked), or the remote manifest's URL.
  detail TEXT,
  -- JSON: per manifest {label, active, state, wellFormed, success[], informational[], failure[]}
  manifests TEXT NOT NULL,
  validated_at TEXT NOT NULL,
  UNIQUE (asset_id, binding, trust_sha256)
) STRICT;
CREATE INDEX c2pa_validations_asset ON c2pa_validations (asset_id, id);
