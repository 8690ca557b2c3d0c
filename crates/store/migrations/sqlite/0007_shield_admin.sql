-- Addresses the shield never blocks, kept by administrators (CLI or admin); the config's
-- allowlist is added to these.
CREATE TABLE allowlist (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    cidr        TEXT NOT NULL UNIQUE,
    note        TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

-- Rules an administrator switched off to stop a false positive (one row per switched rule).
CREATE TABLE rule_switches (
    rule_id     INTEGER PRIMARY KEY,
    enabled     INTEGER NOT NULL,
    changed_by  TEXT NOT NULL,
    changed_at  INTEGER NOT NULL
);

CREATE INDEX security_events_at ON security_events(at);
