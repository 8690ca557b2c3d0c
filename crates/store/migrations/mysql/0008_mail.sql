-- Contact-form submissions, appended by the recorder before anything else happens with them.
CREATE TABLE form_submissions (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          BIGINT NOT NULL,
    site        VARCHAR(64) NOT NULL,
    form        VARCHAR(64) NOT NULL,
    -- The form token's nonce: a second post with the same token is a replay.
    token_nonce VARCHAR(64) NOT NULL,
    client_ip   VARCHAR(64),
    -- JSON list of [name, label, value].
    fields      MEDIUMTEXT NOT NULL,
    mail_id     BIGINT,
    UNIQUE KEY form_submissions_nonce (token_nonce),
    KEY form_submissions_at (at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- The outgoing mail queue: messages (unsigned; signed at each delivery attempt) and the
-- append-only history of each. A message's state is its last event.
CREATE TABLE mail_messages (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    created_at    BIGINT NOT NULL,
    domain        VARCHAR(253) NOT NULL,
    kind          VARCHAR(32) NOT NULL,
    envelope_from VARCHAR(254) NOT NULL,
    recipients    TEXT NOT NULL,
    subject       VARCHAR(1000) NOT NULL,
    message_id    VARCHAR(255) NOT NULL,
    body          MEDIUMTEXT NOT NULL,
    UNIQUE KEY mail_messages_mid (message_id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
CREATE TABLE mail_events (
    message_id  BIGINT NOT NULL,
    seq         BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    kind        VARCHAR(16) NOT NULL,
    detail      TEXT NOT NULL,
    next_at     BIGINT,
    PRIMARY KEY (message_id, seq)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
