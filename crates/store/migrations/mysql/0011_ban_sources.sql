-- Where a ban came from: `web` (the shield), `cli` or `admin` (by hand), or the service whose
-- log the guard read (`dovecot`, `knot`, ...), with the log line that caused it. The index on
-- lifted_at lets every node and the guard notice a lift within a second, cheaply.
ALTER TABLE bans
    ADD COLUMN source VARCHAR(32) NOT NULL DEFAULT 'web',
    ADD COLUMN evidence VARCHAR(1000) NULL,
    ADD KEY bans_lifted (lifted_at);
