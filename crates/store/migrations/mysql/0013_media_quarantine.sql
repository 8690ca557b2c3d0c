-- Virus found by a rescan after a signature update: the file is kept aside (quarantined) until an
-- administrator deletes or releases it. Visitors never see a quarantined file (the view below).
-- (MariaDB commits DDL as it goes: IF NOT EXISTS lets a half-applied run be run again.)
ALTER TABLE media ADD COLUMN IF NOT EXISTS quarantined_at BIGINT NULL;
-- The signature that matched.
ALTER TABLE media ADD COLUMN IF NOT EXISTS quarantine_reason VARCHAR(255) NULL;
-- A signature an administrator judged a false alarm for this file: a later rescan that finds
-- the same one leaves the file served.
ALTER TABLE media ADD COLUMN IF NOT EXISTS released_from VARCHAR(255) NULL;
-- The daily signature number of `scanned_with`, to compare: a node that runs older signatures
-- than the ones a file was scanned with leaves it alone (no rescans back and forth).
ALTER TABLE media ADD COLUMN IF NOT EXISTS scanned_daily BIGINT NULL;
-- What was removed from an image at upload (GPS position, camera serial, ...), in words.
ALTER TABLE media ADD COLUMN IF NOT EXISTS metadata_removed VARCHAR(1024) NULL;

CREATE OR REPLACE VIEW public_media AS
    SELECT site_id, stored_name, content_type, size FROM media
    WHERE deleted_at IS NULL AND quarantined_at IS NULL;
