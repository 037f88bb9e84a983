-- 0008: the history chain. Every event and approval commits to the row written before it
-- (src/domain/chain.ts): chain_seq is its place in one chain over both tables, chain_prev
-- the hash of the row before it (the genesis hash for the first), chain_hash SHA-256 over
-- its canonical encoding with chain_prev, chain_fields a short digest per column (to say
-- which columns of an edited row changed). prov computes them in the transaction that
-- inserts the row; `prov verify` walks the chain.
--
-- Rows already here are chained when this migration runs, in the order they were written
-- (db/sqlite/sql.ts chainExisting): the chain proves history from then on only, and the
-- genesis row says when that was and how many rows it found.

ALTER TABLE events ADD COLUMN chain_seq INTEGER;
ALTER TABLE events ADD COLUMN chain_prev TEXT;
ALTER TABLE events ADD COLUMN chain_hash TEXT;
ALTER TABLE events ADD COLUMN chain_fields TEXT;
ALTER TABLE approvals ADD COLUMN chain_seq INTEGER;
ALTER TABLE approvals ADD COLUMN chain_prev TEXT;
ALTER TABLE approvals ADD COLUMN chain_hash TEXT;
ALTER TABLE approvals ADD COLUMN chain_fields TEXT;

-- One row: when the chain began in this database, how many rows were already here, and
-- the hash the first row commits to (over the database's identity and those two).
CREATE TABLE history_genesis (
  id          INTEGER PRIMARY KEY CHECK (id = 1),
  started_at  TEXT NOT NULL,
  rows_before INTEGER NOT NULL,
  hash        TEXT NOT NULL
) STRICT;

-- Still append-only: a row may be given its link once (the rows chained above), never
-- changed after. The triggers keep prov's own code honest; the chain finds the rest.
DROP TRIGGER events_append_only_update;
DROP TRIGGER approvals_append_only_update;
CREATE TRIGGER events_append_only_update BEFORE UPDATE ON events WHEN OLD.chain_hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'events are append-only'); END;
CREATE TRIGGER approvals_append_only_update BEFORE UPDATE ON approvals WHEN OLD.chain_hash IS NOT NULL
BEGIN SELECT RAISE(ABORT, 'approvals are append-only'); END;
CREATE TRIGGER history_genesis_update BEFORE UPDATE ON history_genesis
BEGIN SELECT RAISE(ABORT, 'the history genesis is written once'); END;
CREATE TRIGGER history_genesis_delete BEFORE DELETE ON history_genesis
BEGIN SELECT RAISE(ABORT, 'the history genesis is written once'); END;
