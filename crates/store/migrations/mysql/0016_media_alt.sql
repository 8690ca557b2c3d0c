-- The text that stands in for an image for people who cannot see it (screen readers, slow
-- connections): asked at upload, editable later, used in every snippet.
ALTER TABLE media ADD COLUMN IF NOT EXISTS alt VARCHAR(300) NOT NULL DEFAULT '';
