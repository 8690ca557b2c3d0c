-- Uploaded images and PDFs. Files live in <data_dir>/media under random names; this is the index.
CREATE TABLE media (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    site_id       BIGINT NOT NULL,
    stored_name   VARCHAR(64) NOT NULL UNIQUE,
    original_name VARCHAR(255) NOT NULL,
    content_type  VARCHAR(64) NOT NULL,
    size          BIGINT NOT NULL,
    uploaded_at   BIGINT NOT NULL,
    uploaded_by   VARCHAR(255) NOT NULL,
    deleted_at    BIGINT NULL,
    FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE VIEW public_media AS
    SELECT site_id, stored_name, content_type, size FROM media WHERE deleted_at IS NULL;
