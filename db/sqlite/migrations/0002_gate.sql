-- 0002: the deliverables gate and the watcher.

-- One row per file the gate moved out of deliverables (or tried to). The row is written
-- as an intent ('planned') before the move and completed after, so a crash at any instant
-- is finished or rolled back at the next start.
CREATE TABLE quarantine (
  id              INTEGER PRIMARY KEY,
  kind            TEXT NOT NULL CHECK (kind IN ('blocked', 'held')),
  original_path   TEXT NOT NULL,
  quarantine_path TEXT NOT NULL UNIQUE,
  sha256          TEXT,
  asset_id        INTEGER REFERENCES assets (id),
  dev             TEXT,            -- the inode that was judged: only that inode is moved
  ino             TEXT,
  reason          TEXT NOT NULL,
  evidence        TEXT,            -- JSON array of evidence items
  state           TEXT NOT NULL CHECK (state IN ('planned', 'moved', 'stuck', 'rolled-back', 'released')),
  error           TEXT,
  attempts        INTEGER NOT NULL DEFAULT 0,
  planned_at      TEXT NOT NULL,
  moved_at        TEXT,
  released_at     TEXT,
  released_to     TEXT,
  released_by     TEXT,
  release_note    TEXT,
  release_forced  INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE INDEX quarantine_state ON quarantine (state);
CREATE INDEX quarantine_original ON quarantine (original_path);

-- The running watcher (at most one): a lock, and what `prov status` reports.
CREATE TABLE watcher (
  id            INTEGER PRIMARY KEY CHECK (id = 1),
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  stopped_at    TEXT,
  ready         INTEGER NOT NULL DEFAULT 0,
  state         TEXT NOT NULL DEFAULT '{}'   -- JSON: roots, modes, queue, last reconcile, counts
) STRICT;
