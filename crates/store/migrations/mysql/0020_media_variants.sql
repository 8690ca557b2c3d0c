-- Resized copies of an uploaded image (480, 960, 1920 wide; WebP where smaller), made at
-- upload. A copy is served only while its original is (the view), and goes with it.
CREATE TABLE IF NOT EXISTS media_variants (
    id           BIGINT PRIMARY KEY AUTO_INCREMENT,
    media_id     BIGINT NOT NULL,
    stored_name  VARCHAR(64) NOT NULL UNIQUE,
    content_type VARCHAR(64) NOT NULL,
    width        INT NOT NULL,
    height       INT NOT NULL,
    size         BIGINT NOT NULL,
    INDEX media_variants_media (media_id),
    FOREIGN KEY (media_id) REFERENCES media(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE OR REPLACE VIEW public_media_variants AS
    SELECT m.site_id AS site_id, m.stored_name AS original, v.stored_name AS stored_name,
           v.content_type AS content_type, v.width AS width, v.size AS size
    FROM media_variants v JOIN media m ON m.id = v.media_id
    WHERE m.deleted_at IS NULL AND m.quarantined_at IS NULL;
