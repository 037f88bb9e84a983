-- 0002: several watchers at once, a lease per volume (issue 16), as SQLite's 0012.
-- `prov watch --volume NAME` holds the lease of that volume (a row keyed by its name);
-- `prov watch` without --volume holds the default one (volume ''), which keeps id 1, so a
-- watcher running from before the upgrade is still judged by its heartbeat and pid. A named
-- volume's row gets id 2 and up (db/postgres/sql.ts claimWatcher).
ALTER TABLE watcher DROP CONSTRAINT watcher_id_check;
ALTER TABLE watcher ADD COLUMN volume TEXT NOT NULL DEFAULT '';
ALTER TABLE watcher ADD CONSTRAINT watcher_volume_key UNIQUE (volume);
