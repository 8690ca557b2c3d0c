-- Where an account's password-reset links go, and the links themselves (only their SHA-256).
CREATE TABLE user_emails (
    user_id     BIGINT NOT NULL PRIMARY KEY,
    email       VARCHAR(254) NOT NULL,
    changed_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE password_resets (
    token_hash  VARCHAR(64) NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    created_at  BIGINT NOT NULL,
    expires_at  BIGINT NOT NULL,
    used_at     BIGINT,
    client_ip   VARCHAR(64),
    KEY password_resets_user (user_id, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
