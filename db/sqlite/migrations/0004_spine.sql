-- 0004: every quarantined file is verified after its move (the bytes moved are the bytes
-- judged, or they are judged again), and a file blocked while still being written on a
-- filesystem the quarantine is not on is made unreadable in place until it can be copied.

-- When the quarantined bytes were hashed and found to be what was judged (NULL: not yet).
ALTER TABLE quarantine ADD COLUMN verified_at TEXT;
-- The permission bits a file had before the gate made it unreadable in place (NULL: untouched).
ALTER TABLE quarantine ADD COLUMN held_mode INTEGER;
-- The original path's bytes when its name is not UTF-8 (original_path shows it with \x escapes).
ALTER TABLE quarantine ADD COLUMN original_raw BLOB;

-- Moves made before this version were of judged, complete content when their sha256 is known.
UPDATE quarantine SET verified_at = moved_at WHERE state IN ('moved', 'released') AND sha256 IS NOT NULL;

CREATE INDEX quarantine_unverified ON quarantine (state) WHERE verified_at IS NULL;
