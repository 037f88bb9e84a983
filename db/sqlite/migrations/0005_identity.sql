-- 0005: the database's identity. The watcher writes it next to the quarantine it keeps
-- (.prov-database), so a database that was deleted or replaced is noticed at the next
-- start instead of being silently created empty (approvals, history and quarantine
-- records gone).

CREATE TABLE store_identity (
  id TEXT NOT NULL,
  created_at TEXT NOT NULL
) STRICT;
INSERT INTO store_identity (id, created_at) VALUES (lower(hex(randomblob(16))), strftime('%Y-%m-%dT%H:%M:%fZ', 'now'));
