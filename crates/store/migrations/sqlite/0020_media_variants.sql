-- Resized copies of an uploaded image (480, 960, 1920 wide; WebP where smaller), made at
-- upload. A copy is served only while its original is (the view), and goes with it.
CREATE TABLE media_variants (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    media_id     INTEGER NOT NULL REFERENCES media(id) ON DELETE CASCADE,
    stored_name  TEXT NOT NULL UNIQUE,
    content_type TEXT NOT NULL,
    width        INTEGER NOT NULL,
    height       INTEGER NOT NULL,
    size         INTEGER NOT NULL
);
CREATE INDEX media_variants_media ON media_variants (media_id);

CREATE VIEW public_media_variants AS
    SELECT m.site_id AS site_id, m.stored_name AS original, v.stored_name AS stored_name,
           v.content_type AS content_type, v.width AS width, v.size AS size
    FROM media_variants v JOIN media m ON m.id = v.media_id
    WHERE m.deleted_at IS NULL AND m.quarantined_at IS NULL;
