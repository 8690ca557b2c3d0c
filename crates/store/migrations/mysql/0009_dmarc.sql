-- DMARC aggregate reports, appended as they are imported; one per reporter and report id.
CREATE TABLE dmarc_reports (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    org         VARCHAR(200) NOT NULL,
    email       VARCHAR(254) NOT NULL,
    report_id   VARCHAR(200) NOT NULL,
    domain      VARCHAR(253) NOT NULL,
    policy      VARCHAR(32) NOT NULL,
    begin_at    BIGINT NOT NULL,
    end_at      BIGINT NOT NULL,
    imported_at BIGINT NOT NULL,
    -- How it came in: `cli`, `upload (name)`, `imap`.
    source      VARCHAR(100) NOT NULL,
    messages    BIGINT NOT NULL,
    failed      BIGINT NOT NULL,
    -- JSON list of the report's rows.
    rows_json   MEDIUMTEXT NOT NULL,
    UNIQUE KEY dmarc_reports_org_id (org, report_id),
    KEY dmarc_reports_domain (domain, end_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
