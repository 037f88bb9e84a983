-- 0003: perceptual fingerprints, so an image is recognised after it was re-saved, resized,
-- recompressed, cropped, colour-shifted or rendered into a video (content hashes miss all
-- of those).

-- One row per asset that was fingerprinted, or tried: a skipped or failed attempt says why
-- (no ffmpeg, not an image or video, undecodable), so nothing is silently unchecked.
CREATE TABLE fingerprinted (
  asset_id   INTEGER PRIMARY KEY REFERENCES assets (id),
  algo       TEXT NOT NULL,             -- e.g. 'phash64': a new algorithm re-fingerprints
  state      TEXT NOT NULL CHECK (state IN ('done', 'skipped', 'error')),
  reason     TEXT,
  kind       TEXT CHECK (kind IN ('image', 'video')),
  width      INTEGER,
  height     INTEGER,
  -- Video only: what frame numbers and timecodes of matches are computed from.
  duration   REAL,
  fps_num    INTEGER,
  fps_den    INTEGER,
  start_tc   TEXT,
  at         TEXT NOT NULL
) STRICT;

-- A still has one fingerprint (seconds NULL); a video one per sampled frame.
-- The 64-bit hash is split into four 16-bit chunks for multi-index hashing: two hashes
-- within distance d share at least one chunk within distance floor(d/4), so a lookup
-- probes each chunk's index with that chunk's near values only.
CREATE TABLE fingerprints (
  id         INTEGER PRIMARY KEY,
  asset_id   INTEGER NOT NULL REFERENCES assets (id),
  seconds    REAL,
  hash       TEXT NOT NULL CHECK (length(hash) = 16),
  c0         INTEGER NOT NULL,
  c1         INTEGER NOT NULL,
  c2         INTEGER NOT NULL,
  c3         INTEGER NOT NULL,
  -- Flat frames (black, slates, one colour) hash alike: kept, never matched.
  low_detail INTEGER NOT NULL DEFAULT 0 CHECK (low_detail IN (0, 1))
) STRICT;
CREATE INDEX fingerprints_asset ON fingerprints (asset_id, seconds);
-- Covering (the hash is in the index): a probe never visits the table.
CREATE INDEX fingerprints_c0 ON fingerprints (c0, hash, asset_id, seconds) WHERE low_detail = 0;
CREATE INDEX fingerprints_c1 ON fingerprints (c1, hash, asset_id, seconds) WHERE low_detail = 0;
CREATE INDEX fingerprints_c2 ON fingerprints (c2, hash, asset_id, seconds) WHERE low_detail = 0;
CREATE INDEX fingerprints_c3 ON fingerprints (c3, hash, asset_id, seconds) WHERE low_detail = 0;

-- Image sequences: numbered frame files (shot010_plate.1001.exr ... .1240.exr) in one
-- folder are one shot. Each frame file stays an asset of its own (per-frame hashes); the
-- sequence groups their locations, so a frame answers for its shot and GenAI evidence on
-- any frame travels to every frame (provenance.ts).
CREATE TABLE sequences (
  id          INTEGER PRIMARY KEY,
  dir         TEXT NOT NULL,
  key         TEXT NOT NULL,            -- "shot010_plate.#.exr": what the frames share
  pattern     TEXT NOT NULL,            -- "shot010_plate.%04d.exr"
  first_frame INTEGER NOT NULL,
  last_frame  INTEGER NOT NULL,
  frames      INTEGER NOT NULL,
  gaps        TEXT NOT NULL DEFAULT '[]',        -- JSON [{from, to}]
  duplicates  TEXT NOT NULL DEFAULT '[]',        -- JSON [{frame, names}]
  first_seen  TEXT NOT NULL,
  updated_at  TEXT NOT NULL,
  UNIQUE (dir, key)
) STRICT;

CREATE TABLE sequence_frames (
  sequence_id INTEGER NOT NULL REFERENCES sequences (id),
  location_id INTEGER NOT NULL REFERENCES locations (id),
  frame       INTEGER NOT NULL,
  PRIMARY KEY (sequence_id, location_id)
) STRICT;
CREATE INDEX sequence_frames_location ON sequence_frames (location_id);
