-- Admin entrance: accounts, sessions, login history. Times are Unix seconds (UTC).
CREATE TABLE users (
    id                   BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name                 VARCHAR(64) NOT NULL UNIQUE,
    role                 VARCHAR(10) NOT NULL CHECK (role IN ('admin', 'editor')),
    password_hash        VARCHAR(255) NOT NULL,
    must_change_password BIGINT NOT NULL DEFAULT 0,
    totp_secret          VARCHAR(128) NULL,
    disabled             BIGINT NOT NULL DEFAULT 0,
    created_at           BIGINT NOT NULL,
    password_changed_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE sessions (
    token_hash  CHAR(64) NOT NULL PRIMARY KEY,
    user_id     BIGINT NOT NULL,
    csrf_token  CHAR(64) NOT NULL,
    stage       VARCHAR(20) NOT NULL CHECK (stage IN ('full', 'change_password', 'second_factor')),
    network     VARCHAR(64) NOT NULL,
    ip          VARCHAR(64) NOT NULL,
    user_agent  VARCHAR(512) NOT NULL,
    created_at  BIGINT NOT NULL,
    last_seen   BIGINT NOT NULL,
    KEY sessions_user (user_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE login_attempts (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          BIGINT NOT NULL,
    user_name   VARCHAR(255) NOT NULL,
    user_id     BIGINT NULL,
    ip          VARCHAR(64) NOT NULL,
    user_agent  VARCHAR(512) NOT NULL,
    result      VARCHAR(32) NOT NULL,
    KEY login_attempts_ip_at (ip, at),
    KEY login_attempts_user_at (user_name, at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

ALTER TABLE audit_log ADD COLUMN ip VARCHAR(64) NULL;
