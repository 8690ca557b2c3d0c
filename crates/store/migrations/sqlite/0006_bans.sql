-- Bans survive restarts. Rows are appended by the recorder; lifting a ban sets lifted_at.
CREATE TABLE bans (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    subject     TEXT NOT NULL,
    until       INTEGER,
    reason      TEXT NOT NULL,
    count       INTEGER NOT NULL,
    created_at  INTEGER NOT NULL,
    lifted_at   INTEGER
);
CREATE INDEX bans_subject ON bans(subject);
