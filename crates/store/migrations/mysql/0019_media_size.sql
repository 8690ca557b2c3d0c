-- An image's width and height in pixels, read at upload: pages give each <img> its size, so
-- they do not jump while images load. NULL for PDFs and for files uploaded before.
ALTER TABLE media ADD COLUMN IF NOT EXISTS width INT NULL;
ALTER TABLE media ADD COLUMN IF NOT EXISTS height INT NULL;

CREATE OR REPLACE VIEW public_media AS
    SELECT site_id, stored_name, content_type, size, width, height FROM media
    WHERE deleted_at IS NULL AND quarantined_at IS NULL;
