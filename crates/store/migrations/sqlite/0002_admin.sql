-- Admin entrance: accounts, sessions, login history. Times are Unix seconds (UTC).
CREATE TABLE users (
    id                   INTEGER PRIMARY KEY AUTOINCREMENT,
    name                 TEXT NOT NULL UNIQUE,
    role                 TEXT NOT NULL CHECK (role IN ('admin', 'editor')),
    password_hash        TEXT NOT NULL,
    must_change_password INTEGER NOT NULL DEFAULT 0,
    totp_secret          TEXT,
    disabled             INTEGER NOT NULL DEFAULT 0,
    created_at           INTEGER NOT NULL,
    password_changed_at  INTEGER NOT NULL
);

-- The session cookie is never stored: only its SHA-256.
CREATE TABLE sessions (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    csrf_token  TEXT NOT NULL,
    stage       TEXT NOT NULL CHECK (stage IN ('full', 'change_password', 'second_factor')),
    network     TEXT NOT NULL,
    ip          TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    created_at  INTEGER NOT NULL,
    last_seen   INTEGER NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

-- Append-only (recorder role): every attempt at the admin entrance.
CREATE TABLE login_attempts (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    user_name   TEXT NOT NULL,
    user_id     INTEGER,
    ip          TEXT NOT NULL,
    user_agent  TEXT NOT NULL,
    result      TEXT NOT NULL
);
CREATE INDEX login_attempts_ip_at ON login_attempts(ip, at);
CREATE INDEX login_attempts_user_at ON login_attempts(user_name, at);

ALTER TABLE audit_log ADD COLUMN ip TEXT;
