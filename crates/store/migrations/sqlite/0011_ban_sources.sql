-- Where a ban came from: `web` (the shield), `cli` or `admin` (by hand), or the service whose
-- log the guard read (`dovecot`, `knot`, ...), with the log line that caused it. The index on
-- lifted_at lets every node and the guard notice a lift within a second, cheaply.
ALTER TABLE bans ADD COLUMN source TEXT NOT NULL DEFAULT 'web';
ALTER TABLE bans ADD COLUMN evidence TEXT;
CREATE INDEX bans_lifted ON bans(lifted_at);
