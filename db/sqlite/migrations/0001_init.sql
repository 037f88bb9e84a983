-- 0001: the provenance store.
-- An asset is content (SHA-256); a location is a path where that content was seen.
-- Evidence says why an asset is (or is not) GenAI; approvals and events are append-only.

CREATE TABLE assets (
  id               INTEGER PRIMARY KEY,
  sha256           TEXT NOT NULL UNIQUE CHECK (length(sha256) = 64),
  size             INTEGER NOT NULL,
  -- ExifTool's ImageDataHash (SHA-256 of the image/audio/video data without metadata):
  -- survives `exiftool -all=` and other label stripping, so lineage can follow it.
  media_hash       TEXT,
  file_type        TEXT,
  mime_type        TEXT,
  -- Cached result of classifying the evidence (detect/classify.ts); recomputed whenever
  -- evidence or approvals change, kept here so `ls` and the gate need no re-derivation.
  origin           TEXT NOT NULL CHECK (origin IN ('genai', 'genai-edited', 'possibly-genai', 'not-genai', 'unknown')),
  status           TEXT CHECK (status IN ('temporary', 'approved')),
  metadata_error   TEXT,
  warnings         TEXT NOT NULL DEFAULT '[]',   -- JSON array of ExifTool warnings
  exiftool_version TEXT,
  first_seen       TEXT NOT NULL,
  updated_at       TEXT NOT NULL
) STRICT;
CREATE INDEX assets_media_hash ON assets (media_hash) WHERE media_hash IS NOT NULL;
CREATE INDEX assets_origin_status ON assets (origin, status);

CREATE TABLE locations (
  id          INTEGER PRIMARY KEY,
  path        TEXT NOT NULL UNIQUE,
  asset_id    INTEGER REFERENCES assets (id),  -- NULL while the file could not be identified
  -- Cache key only (never identity): device, inode, size, mtime and ctime in nanoseconds.
  dev         TEXT,
  ino         TEXT,
  size        INTEGER,
  mtime_ns    TEXT,
  ctime_ns    TEXT,
  state       TEXT NOT NULL CHECK (state IN ('present', 'missing', 'error')),
  error       TEXT,
  first_seen  TEXT NOT NULL,
  last_seen   TEXT NOT NULL
) STRICT;
CREATE INDEX locations_asset ON locations (asset_id);
CREATE INDEX locations_dev_ino ON locations (dev, ino);

CREATE TABLE evidence (
  id          INTEGER PRIMARY KEY,
  asset_id    INTEGER NOT NULL REFERENCES assets (id),
  source      TEXT NOT NULL CHECK (source IN ('c2pa', 'iptc', 'generator', 'folder', 'manual', 'exiftool')),
  field       TEXT NOT NULL,
  value       TEXT NOT NULL,
  signal      TEXT NOT NULL CHECK (signal IN ('genai', 'genai-edited', 'possibly-genai', 'not-genai', 'info')),
  detail      TEXT,            -- JSON: manual tag's tool/model/prompt/note/by, etc.
  recorded_at TEXT NOT NULL
) STRICT;
CREATE INDEX evidence_asset ON evidence (asset_id);
-- Metadata and folder evidence is a set per asset; manual tags are a history (latest wins).
CREATE UNIQUE INDEX evidence_unique ON evidence (asset_id, source, field, value) WHERE source <> 'manual';

CREATE TABLE approvals (
  id          INTEGER PRIMARY KEY,
  asset_id    INTEGER NOT NULL REFERENCES assets (id),
  action      TEXT NOT NULL CHECK (action IN ('approve', 'revoke')),
  by          TEXT NOT NULL,
  ref         TEXT,
  scope       TEXT,
  note        TEXT,
  doc_path    TEXT,
  doc_sha256  TEXT,
  at          TEXT NOT NULL
) STRICT;
CREATE INDEX approvals_asset ON approvals (asset_id, id);

CREATE TABLE events (
  id          INTEGER PRIMARY KEY,
  at          TEXT NOT NULL,
  kind        TEXT NOT NULL,
  asset_id    INTEGER REFERENCES assets (id),
  location_id INTEGER REFERENCES locations (id),
  path        TEXT,
  detail      TEXT             -- JSON
) STRICT;
CREATE INDEX events_asset ON events (asset_id, id);
CREATE INDEX events_location ON events (location_id, id);

-- History cannot be rewritten, whatever code or tool touches the file.
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER events_append_only_delete BEFORE DELETE ON events
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER approvals_append_only_update BEFORE UPDATE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER approvals_append_only_delete BEFORE DELETE ON approvals
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
