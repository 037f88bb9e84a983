-- 0007: a move that cannot be done yet (the quarantine is read-only or full, the file
-- cannot be removed from deliverables, its receipt could not be written) is one row that
-- is retried with bounded exponential backoff, never a new row per attempt.

-- What stops it, as "<where>:<errno>" (where: quarantine, source, receipt, move, growing);
-- NULL when nothing does. A moved row with a fault is waiting for its receipt.
ALTER TABLE quarantine ADD COLUMN fault TEXT;
-- When it is tried next (ISO 8601); sooner when a probe sees the fault clear.
ALTER TABLE quarantine ADD COLUMN next_try_at TEXT;

UPDATE quarantine SET fault = 'move' WHERE state = 'stuck';

CREATE INDEX quarantine_fault ON quarantine (id) WHERE fault IS NOT NULL;
