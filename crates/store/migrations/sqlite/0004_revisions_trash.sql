-- No edit is ever lost: every save is a revision, and deleting moves a page to the trash.
ALTER TABLE pages ADD COLUMN deleted_at INTEGER;

DROP VIEW published_pages;
CREATE VIEW published_pages AS
    SELECT id, site_id, kind, slug, title, summary, body_md, published_at, updated_at
    FROM pages WHERE published = 1 AND deleted_at IS NULL;

CREATE TABLE page_revisions (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    page_id      INTEGER NOT NULL REFERENCES pages(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL,
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL,
    body_md      TEXT NOT NULL,
    published    INTEGER NOT NULL,
    published_at INTEGER,
    saved_at     INTEGER NOT NULL,
    saved_by     TEXT NOT NULL
);
CREATE INDEX page_revisions_page ON page_revisions(page_id, id);
