-- Where an account's password-reset links go, and the links themselves (only their SHA-256).
CREATE TABLE user_emails (
    user_id     INTEGER PRIMARY KEY,
    email       TEXT NOT NULL,
    changed_at  INTEGER NOT NULL
);
CREATE TABLE password_resets (
    token_hash  TEXT PRIMARY KEY,
    user_id     INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    expires_at  INTEGER NOT NULL,
    used_at     INTEGER,
    client_ip   TEXT
);
CREATE INDEX password_resets_user ON password_resets(user_id, created_at);
