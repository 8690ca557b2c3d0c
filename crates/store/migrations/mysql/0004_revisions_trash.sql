-- No edit is ever lost: every save is a revision, and deleting moves a page to the trash.
ALTER TABLE pages ADD COLUMN deleted_at BIGINT NULL;

DROP VIEW published_pages;
CREATE VIEW published_pages AS
    SELECT id, site_id, kind, slug, title, summary, body_md, published_at, updated_at
    FROM pages WHERE published = 1 AND deleted_at IS NULL;

CREATE TABLE page_revisions (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    page_id      BIGINT NOT NULL,
    kind         VARCHAR(10) NOT NULL,
    slug         VARCHAR(255) NOT NULL,
    title        VARCHAR(255) NOT NULL,
    summary      TEXT NOT NULL,
    body_md      MEDIUMTEXT NOT NULL,
    published    BIGINT NOT NULL,
    published_at BIGINT NULL,
    saved_at     BIGINT NOT NULL,
    saved_by     VARCHAR(255) NOT NULL,
    KEY page_revisions_page (page_id, id),
    FOREIGN KEY (page_id) REFERENCES pages(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
