-- What editors did with a contact-form message: read, or done (handled). The messages
-- themselves stay append-only (the recorder's); this is the editors' own table.
CREATE TABLE IF NOT EXISTS submission_states (
    submission_id BIGINT NOT NULL PRIMARY KEY,
    state         VARCHAR(8) NOT NULL CHECK (state IN ('read', 'done')),
    changed_at    BIGINT NOT NULL,
    changed_by    VARCHAR(64) NOT NULL,
    FOREIGN KEY (submission_id) REFERENCES form_submissions(id) ON DELETE CASCADE
) ENGINE=InnoDB;
