-- Contact-form submissions, appended by the recorder before anything else happens with them.
CREATE TABLE form_submissions (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    site        TEXT NOT NULL,
    form        TEXT NOT NULL,
    -- The form token's nonce: a second post with the same token is a replay.
    token_nonce TEXT NOT NULL UNIQUE,
    client_ip   TEXT,
    -- JSON list of [name, label, value].
    fields      TEXT NOT NULL,
    mail_id     INTEGER
);
CREATE INDEX form_submissions_at ON form_submissions(at);

-- The outgoing mail queue: messages (unsigned; signed at each delivery attempt) and the
-- append-only history of each. A message's state is its last event.
CREATE TABLE mail_messages (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    created_at    INTEGER NOT NULL,
    domain        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    envelope_from TEXT NOT NULL,
    recipients    TEXT NOT NULL,
    subject       TEXT NOT NULL,
    message_id    TEXT NOT NULL UNIQUE,
    body          TEXT NOT NULL
);
CREATE TABLE mail_events (
    message_id  INTEGER NOT NULL,
    seq         INTEGER NOT NULL,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    detail      TEXT NOT NULL,
    next_at     INTEGER,
    PRIMARY KEY (message_id, seq)
);
