-- What editors did with a contact-form message: read, or done (handled). The messages
-- themselves stay append-only (the recorder's); this is the editors' own table.
CREATE TABLE submission_states (
    submission_id INTEGER PRIMARY KEY REFERENCES form_submissions(id) ON DELETE CASCADE,
    state         TEXT NOT NULL CHECK (state IN ('read', 'done')),
    changed_at    INTEGER NOT NULL,
    changed_by    TEXT NOT NULL
);
