-- DMARC aggregate reports, appended as they are imported; one per reporter and report id.
CREATE TABLE dmarc_reports (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    org         TEXT NOT NULL,
    email       TEXT NOT NULL,
    report_id   TEXT NOT NULL,
    domain      TEXT NOT NULL,
    policy      TEXT NOT NULL,
    begin_at    INTEGER NOT NULL,
    end_at      INTEGER NOT NULL,
    imported_at INTEGER NOT NULL,
    -- How it came in: `cli`, `upload (name)`, `imap`.
    source      TEXT NOT NULL,
    messages    INTEGER NOT NULL,
    failed      INTEGER NOT NULL,
    -- JSON list of the report's rows.
    rows_json   TEXT NOT NULL,
    UNIQUE (org, report_id)
);
CREATE INDEX dmarc_reports_domain ON dmarc_reports(domain, end_at);
