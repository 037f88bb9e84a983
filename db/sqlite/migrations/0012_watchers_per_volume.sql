-- 0012: several watchers at once, a lease per volume (issue 16). `prov watch --volume NAME`
-- holds the lease of that volume (a row keyed by its name); `prov watch` without --volume
-- holds the default one (volume ''), which is the row an older prov wrote: it keeps id 1, so
-- a watcher running from before the upgrade is still judged by its heartbeat and pid. Safe on
-- an existing database: the one row is copied as it is. Ids: 1 is the default volume's row,
-- a named volume's row gets 2 and up (db/sqlite/sql.ts claimWatcher).
CREATE TABLE watcher_per_volume (
  id            INTEGER PRIMARY KEY,
  volume        TEXT NOT NULL DEFAULT '' UNIQUE,
  pid           INTEGER NOT NULL,
  host          TEXT NOT NULL,
  started_at    TEXT NOT NULL,
  heartbeat_at  TEXT NOT NULL,
  stopped_at    TEXT,
  ready         INTEGER NOT NULL DEFAULT 0,
  state         TEXT NOT NULL DEFAULT '{}',  -- JSON: roots, modes, queue, last reconcile, counts
  token         TEXT
) STRICT;
INSERT INTO watcher_per_volume (id, volume, pid, host, started_at, heartbeat_at, stopped_at, ready, state, token)
  SELECT 1, '', pid, host, started_at, heartbeat_at, stopped_at, ready, state, token FROM watcher WHERE id = 1;
DROP TABLE watcher;
ALTER TABLE watcher_per_volume RENAME TO watcher;
