-- Second factor: TOTP enrolment, replay protection, recovery codes; instance settings.
ALTER TABLE users ADD COLUMN totp_pending VARCHAR(128) NULL;
ALTER TABLE users ADD COLUMN totp_last_step BIGINT NOT NULL DEFAULT 0;

CREATE TABLE recovery_codes (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    code_hash   CHAR(64) NOT NULL,
    used_at     BIGINT NULL,
    KEY recovery_codes_user (user_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE settings (
    name        VARCHAR(64) NOT NULL PRIMARY KEY,
    value       VARCHAR(1024) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
