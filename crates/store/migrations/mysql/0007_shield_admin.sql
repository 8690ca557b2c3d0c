-- Addresses the shield never blocks, kept by administrators (CLI or admin); the config's
-- allowlist is added to these.
CREATE TABLE allowlist (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    cidr        VARCHAR(64) NOT NULL,
    note        VARCHAR(255) NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL,
    UNIQUE KEY allowlist_cidr (cidr)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- Rules an administrator switched off to stop a false positive (one row per switched rule).
CREATE TABLE rule_switches (
    rule_id     BIGINT NOT NULL PRIMARY KEY,
    enabled     BIGINT NOT NULL,
    changed_by  VARCHAR(255) NOT NULL,
    changed_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE INDEX security_events_at ON security_events(at);
