-- 0003: events by kind, newest first (EventRepo.list({ kind })), as SQLite's 0013: the desk
-- lists a store's sweeps, and their reports, out of millions of seen/changed events.
CREATE INDEX events_kind ON events (kind, id);
