-- The language of one page when it is not the site's ('nl' or 'en'; NULL: the site's), so
-- screen readers read an English page on a Dutch site as English.
ALTER TABLE pages ADD COLUMN lang TEXT;
DROP VIEW published_pages;
CREATE VIEW published_pages AS
    SELECT id, site_id, kind, slug, title, summary, body_md, published_at, updated_at, lang
    FROM pages WHERE published = 1 AND deleted_at IS NULL;
