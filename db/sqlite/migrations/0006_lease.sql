-- 0006: the watcher's lock becomes a lease. A watcher claims it with a random token in one
-- write transaction (BEGIN IMMEDIATE: the check of the current holder and the claim are one
-- step, so two watchers started at the same instant cannot both win), and every heartbeat
-- and release names that token: a watcher whose token is no longer in the row has lost
-- the lease and stops. Safe on an existing database: a row left by an older prov has no
-- token and is judged by its heartbeat and pid as before.
ALTER TABLE watcher ADD COLUMN token TEXT;
