-- 0013: events by kind, newest first (EventRepo.list({ kind })): the desk lists a store's
-- sweeps, and their reports, out of millions of seen/changed events. Index only: safe on
-- an existing database, and an older prov reading it ignores the index.
CREATE INDEX events_kind ON events (kind, id);
