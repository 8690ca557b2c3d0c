-- Virus found by a rescan after a signature update: the file is kept aside (quarantined) until an
-- administrator deletes or releases it. Visitors never see a quarantined file (the view below).
ALTER TABLE media ADD COLUMN quarantined_at INTEGER;
-- The signature that matched.
ALTER TABLE media ADD COLUMN quarantine_reason TEXT;
-- A signature an administrator judged a false alarm for this file: a later rescan that finds
-- the same one leaves the file served.
ALTER TABLE media ADD COLUMN released_from TEXT;
-- The daily signature number of `scanned_with`, to compare: a node that runs older signatures
-- than the ones a file was scanned with leaves it alone (no rescans back and forth).
ALTER TABLE media ADD COLUMN scanned_daily INTEGER;
-- What was removed from an image at upload (GPS position, camera serial, ...), in words.
ALTER TABLE media ADD COLUMN metadata_removed TEXT;

DROP VIEW public_media;
CREATE VIEW public_media AS
    SELECT site_id, stored_name, content_type, size FROM media
    WHERE deleted_at IS NULL AND quarantined_at IS NULL;
