-- Uploaded images and PDFs. Files live in <data_dir>/media under random names; this is the index.
CREATE TABLE media (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id       INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    stored_name   TEXT NOT NULL UNIQUE,
    original_name TEXT NOT NULL,
    content_type  TEXT NOT NULL,
    size          INTEGER NOT NULL,
    uploaded_at   INTEGER NOT NULL,
    uploaded_by   TEXT NOT NULL,
    deleted_at    INTEGER
);

-- What visitors may fetch: the reader role reads media only through this view.
CREATE VIEW public_media AS
    SELECT site_id, stored_name, content_type, size FROM media WHERE deleted_at IS NULL;
