-- Bans survive restarts. Rows are appended by the recorder; lifting a ban sets lifted_at.
CREATE TABLE bans (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    subject     VARCHAR(64) NOT NULL,
    until       BIGINT NULL,
    reason      VARCHAR(255) NOT NULL,
    count       BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    lifted_at   BIGINT NULL,
    KEY bans_subject (subject)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
