//! The index of uploaded files. The files themselves are the server's business (data dir).

use sqlx::Row;

use crate::{Editor, Reader, Result};

/// An uploaded file as the admin lists it.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Media {
    /// Database id.
    pub id: i64,
    /// Random file name with extension, also the public URL's last part.
    pub stored_name: String,
    /// The name it had on the uploader's computer (shown, never used as a path).
    pub original_name: String,
    /// Detected from the content, not from the name.
    pub content_type: String,
    /// Bytes.
    pub size: i64,
    /// Unix seconds.
    pub uploaded_at: i64,
    /// Who.
    pub uploaded_by: String,
    /// The signature a rescan found in it: kept aside, not served, until an administrator
    /// deletes or releases it.
    pub quarantined: Option<String>,
    /// What was removed from the image at upload, in words ("the GPS position, ...").
    pub metadata_removed: Option<String>,
    /// What the image shows, for people who cannot see it.
    pub alt: String,
}

/// A file to index.
#[derive(Clone, Debug)]
pub struct NewMedia<'a> {
    /// Random file name with extension.
    pub stored_name: &'a str,
    /// Original name, already cut to a sane length.
    pub original_name: &'a str,
    /// Detected type.
    pub content_type: &'a str,
    /// Bytes.
    pub size: i64,
    /// Who.
    pub uploaded_by: &'a str,
    /// The virus signatures it was scanned with; `None`: stored unscanned.
    pub scanned_with: Option<&'a str>,
    /// What was removed from the image, in words; `None`: nothing.
    pub metadata_removed: Option<&'a str>,
    /// What the image shows (empty for documents).
    pub alt: &'a str,
    /// Width and height in pixels, for images whose size could be read.
    pub dimensions: Option<(u32, u32)>,
}

/// A resized copy of an uploaded image, to index.
#[derive(Clone, Debug)]
pub struct NewVariant<'a> {
    /// Its file name in the media directory.
    pub stored_name: &'a str,
    /// `image/jpeg`, `image/png` or `image/webp`.
    pub content_type: &'a str,
    /// Pixels.
    pub width: u32,
    /// Pixels.
    pub height: u32,
    /// Bytes.
    pub size: i64,
}

/// What a page needs to show an uploaded image: its size, and the smallest file for each
/// width it was copied at.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ImageInfo {
    /// Width and height as it shows, when known.
    pub size: Option<(u32, u32)>,
    /// `(width, stored name)`, narrowest first.
    pub variants: Vec<(u32, String)>,
}

/// The daily signature number in a version key (`1.4.6/27480` → 27480).
pub fn daily_of(key: &str) -> Option<i64> {
    key.split_once('/')?.1.parse().ok()
}

/// A stored file as the rescan sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredFile {
    /// Database id.
    pub id: i64,
    /// The site's id.
    pub site_id: i64,
    /// Random file name with extension.
    pub stored_name: String,
    /// The name it had on the uploader's computer.
    pub original_name: String,
    /// Who uploaded it.
    pub uploaded_by: String,
    /// A signature an administrator judged a false alarm for this file.
    pub released_from: Option<String>,
    /// Whether it was ever found clean (false: stored while clamd was down).
    pub scanned: bool,
}

/// The signatures clamd runs: its version key (`1.4.6/27480`) and the daily number in it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Signatures<'a> {
    /// The key stored with each file scanned.
    pub key: &'a str,
    /// The daily database's number (`None` without an official database).
    pub daily: Option<i64>,
}

/// Which files a rescan pass takes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum RescanPass<'a> {
    /// Files stored unscanned (clamd was down and the operator chose to accept): first.
    Unscanned,
    /// Files scanned before with older signatures than these (never newer ones: nodes whose
    /// freshclam runs at different times do not rescan each other's work back and forth).
    Older(Signatures<'a>),
    /// Every file (`bolwerk av rescan --all`).
    All,
}

/// How the stored files stand against the virus scanner.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct ScanCounts {
    /// Files served (not deleted, not quarantined).
    pub served: i64,
    /// Of those, never scanned.
    pub unscanned: i64,
    /// Of those, scanned with older signatures than the ones asked about.
    pub outdated: i64,
    /// Kept aside after a rescan found something.
    pub quarantined: i64,
}

/// The columns [`media_row`] reads, in its order (a macro, so queries stay static strings).
macro_rules! media_columns {
    () => {
        "id, stored_name, original_name, content_type, size, uploaded_at, uploaded_by, quarantine_reason, metadata_removed, alt"
    };
}

fn media_row(r: &sqlx::any::AnyRow) -> Result<Media> {
    Ok(Media {
        id: r.try_get(0)?,
        stored_name: r.try_get(1)?,
        original_name: r.try_get(2)?,
        content_type: r.try_get(3)?,
        size: r.try_get(4)?,
        uploaded_at: r.try_get(5)?,
        uploaded_by: r.try_get(6)?,
        quarantined: r.try_get(7)?,
        metadata_removed: r.try_get(8)?,
        alt: r.try_get(9)?,
    })
}

impl Editor {
    /// Indexes an uploaded file (written to disk before).
    pub async fn add_media(&self, site_id: i64, m: &NewMedia<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO media (site_id, stored_name, original_name, content_type, size, uploaded_at, uploaded_by, scanned_with, scanned_daily, metadata_removed, alt, width, height) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(site_id)
        .bind(m.stored_name)
        .bind(m.original_name)
        .bind(m.content_type)
        .bind(m.size)
        .bind(crate::now())
        .bind(m.uploaded_by)
        .bind(m.scanned_with)
        .bind(m.scanned_with.and_then(daily_of))
        .bind(m.metadata_removed)
        .bind(m.alt)
        .bind(m.dimensions.map(|d| i64::from(d.0)))
        .bind(m.dimensions.map(|d| i64::from(d.1)))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Indexes a resized copy of the site's file `original` (written to disk before); a content
    /// change, so cached pages pick it up.
    pub async fn add_media_variant(
        &self,
        site_id: i64,
        original: &str,
        v: &NewVariant<'_>,
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query(
            "INSERT INTO media_variants (media_id, stored_name, content_type, width, height, size) \
             SELECT id, ?, ?, ?, ?, ? FROM media WHERE site_id = ? AND stored_name = ?",
        )
        .bind(v.stored_name)
        .bind(v.content_type)
        .bind(i64::from(v.width))
        .bind(i64::from(v.height))
        .bind(v.size)
        .bind(site_id)
        .bind(original)
        .execute(&mut *tx)
        .await?;
        // Pages showing the original are written again, now offering the copy.
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// A site's files, newest first (deleted ones left out, quarantined ones in, marked).
    pub async fn media(&self, site_id: i64) -> Result<Vec<Media>> {
        let rows = sqlx::query(concat!(
            "SELECT ",
            media_columns!(),
            " FROM media WHERE site_id = ? AND deleted_at IS NULL ORDER BY id DESC"
        ))
        .bind(site_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(media_row).collect()
    }

    /// One file of a site (deleted ones left out).
    pub async fn media_file(&self, site_id: i64, id: i64) -> Result<Option<Media>> {
        let row = sqlx::query(concat!(
            "SELECT ",
            media_columns!(),
            " FROM media WHERE site_id = ? AND id = ? AND deleted_at IS NULL"
        ))
        .bind(site_id)
        .bind(id)
        .fetch_optional(self.pool())
        .await?;
        row.as_ref().map(media_row).transpose()
    }

    /// Up to `limit` files of a rescan pass with an id above `after`, in id order (the
    /// caller walks on from the last id, so a file that cannot be scanned is not taken again).
    /// Deleted and quarantined files are left out.
    pub async fn media_to_rescan(
        &self,
        pass: RescanPass<'_>,
        after: i64,
        limit: i64,
    ) -> Result<Vec<StoredFile>> {
        macro_rules! rescan_query {
            ($filter:literal) => {
                concat!(
                    "SELECT id, site_id, stored_name, original_name, uploaded_by, released_from, scanned_with FROM media \
                     WHERE deleted_at IS NULL AND quarantined_at IS NULL ",
                    $filter,
                    " AND id > ? ORDER BY id LIMIT ?"
                )
            };
        }
        let q = match pass {
            RescanPass::Unscanned => sqlx::query(rescan_query!("AND scanned_with IS NULL")),
            RescanPass::Older(Signatures {
                daily: Some(daily), ..
            }) => sqlx::query(rescan_query!(
                "AND scanned_with IS NOT NULL AND (scanned_daily IS NULL OR scanned_daily < ?)"
            ))
            .bind(daily),
            RescanPass::Older(Signatures { key, daily: None }) => sqlx::query(rescan_query!(
                "AND scanned_with IS NOT NULL AND scanned_daily IS NULL AND scanned_with <> ?"
            ))
            .bind(key),
            RescanPass::All => sqlx::query(rescan_query!("")),
        };
        let rows = q.bind(after).bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(StoredFile {
                    id: r.try_get(0)?,
                    site_id: r.try_get(1)?,
                    stored_name: r.try_get(2)?,
                    original_name: r.try_get(3)?,
                    uploaded_by: r.try_get(4)?,
                    released_from: r.try_get(5)?,
                    scanned: r.try_get::<Option<String>, _>(6)?.is_some(),
                })
            })
            .collect()
    }

    /// Served images whose size was never read (uploaded before sizes were kept), oldest
    /// first: `(site id, stored name, content type)`.
    pub async fn images_without_size(&self, limit: i64) -> Result<Vec<(i64, String, String)>> {
        let rows = sqlx::query(
            "SELECT site_id, stored_name, content_type FROM media \
             WHERE width IS NULL AND content_type LIKE 'image/%' \
             AND deleted_at IS NULL AND quarantined_at IS NULL ORDER BY id LIMIT ?",
        )
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?, r.try_get(2)?)))
            .collect()
    }

    /// Records an image's size (`(0, 0)`: it could not be read; it is not asked again).
    pub async fn set_media_size(
        &self,
        site_id: i64,
        stored_name: &str,
        size: (u32, u32),
    ) -> Result<()> {
        let mut tx = self.pool().begin().await?;
        sqlx::query("UPDATE media SET width = ?, height = ? WHERE site_id = ? AND stored_name = ?")
            .bind(i64::from(size.0))
            .bind(i64::from(size.1))
            .bind(site_id)
            .bind(stored_name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Changes what an image of `site_id` shows, in words. False if there is no such file.
    pub async fn set_media_alt(&self, site_id: i64, id: i64, alt: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE media SET alt = ? WHERE id = ? AND site_id = ? AND deleted_at IS NULL",
        )
        .bind(alt)
        .bind(id)
        .bind(site_id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Records that a file was found clean by `signatures`.
    pub async fn mark_scanned(&self, id: i64, signatures: Signatures<'_>) -> Result<()> {
        sqlx::query("UPDATE media SET scanned_with = ?, scanned_daily = ? WHERE id = ?")
            .bind(signatures.key)
            .bind(signatures.daily)
            .bind(id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Keeps a file aside: no longer served (visitors get a 404), listed for an administrator.
    /// False if it was gone or already aside.
    pub async fn quarantine_media(&self, id: i64, signature: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE media SET quarantined_at = ?, quarantine_reason = ? \
             WHERE id = ? AND deleted_at IS NULL AND quarantined_at IS NULL",
        )
        .bind(crate::now())
        .bind(signature)
        .bind(id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Serves a quarantined file again: the administrator judged the finding a false alarm.
    /// A later rescan that finds the same signature leaves it served. False if the file is
    /// not in quarantine.
    pub async fn release_media(&self, site_id: i64, id: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE media SET released_from = quarantine_reason, quarantined_at = NULL, quarantine_reason = NULL \
             WHERE id = ? AND site_id = ? AND deleted_at IS NULL AND quarantined_at IS NOT NULL",
        )
        .bind(id)
        .bind(site_id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// How the stored files stand against `signatures` (clamd's current ones, if known).
    pub async fn scan_counts(&self, signatures: Option<Signatures<'_>>) -> Result<ScanCounts> {
        let row = sqlx::query(
            "SELECT \
               COALESCE(SUM(CASE WHEN quarantined_at IS NULL THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN quarantined_at IS NULL AND scanned_with IS NULL THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN quarantined_at IS NULL AND scanned_with IS NOT NULL AND ( \
                   (? IS NOT NULL AND (scanned_daily IS NULL OR scanned_daily < ?)) \
                   OR (? IS NULL AND scanned_daily IS NULL AND scanned_with <> ?)) THEN 1 ELSE 0 END), 0), \
               COALESCE(SUM(CASE WHEN quarantined_at IS NOT NULL THEN 1 ELSE 0 END), 0) \
             FROM media WHERE deleted_at IS NULL",
        )
        .bind(signatures.and_then(|s| s.daily))
        .bind(signatures.and_then(|s| s.daily))
        .bind(signatures.and_then(|s| s.daily))
        .bind(signatures.map(|s| s.key).unwrap_or(""))
        .fetch_one(self.pool())
        .await?;
        let n = |i: usize| -> Result<i64> { Ok(row.try_get::<i64, _>(i)?) };
        Ok(ScanCounts {
            served: n(0)?,
            unscanned: n(1)?,
            outdated: if signatures.is_some() { n(2)? } else { 0 },
            quarantined: n(3)?,
        })
    }

    /// The stored names of files kept without a virus scan (the scanner was down and the
    /// operator chose to accept), oldest first: what the rescan takes first.
    pub async fn unscanned_media(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT stored_name FROM media WHERE scanned_with IS NULL AND deleted_at IS NULL AND quarantined_at IS NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Hides a file from visitors; the file stays on disk. False if there is no such file.
    pub async fn delete_media(&self, site_id: i64, id: i64) -> Result<bool> {
        let mut tx = self.pool().begin().await?;
        let n = sqlx::query(
            "UPDATE media SET deleted_at = ? WHERE id = ? AND site_id = ? AND deleted_at IS NULL",
        )
        .bind(crate::now())
        .bind(id)
        .bind(site_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        // A removed image stops being the site's icon.
        let icon = sqlx::query(
            "UPDATE sites SET icon = NULL WHERE id = ? \
             AND icon IN (SELECT stored_name FROM media WHERE id = ? AND site_id = ?)",
        )
        .bind(site_id)
        .bind(id)
        .bind(site_id)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if icon > 0 {
            sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(n == 1)
    }
}

impl Reader {
    /// Every public image of `site_id` with a known size or resized copies, by stored name:
    /// pages give each its size and a choice of widths.
    pub async fn media_images(
        &self,
        site_id: i64,
    ) -> Result<std::collections::HashMap<String, ImageInfo>> {
        let mut out: std::collections::HashMap<String, ImageInfo> =
            std::collections::HashMap::new();
        let rows = sqlx::query(
            "SELECT stored_name, width, height FROM public_media \
             WHERE site_id = ? AND width > 0 AND height > 0",
        )
        .bind(site_id)
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let (w, h): (i64, i64) = (r.try_get(1)?, r.try_get(2)?);
            if let (Ok(w), Ok(h)) = (u32::try_from(w), u32::try_from(h)) {
                out.entry(r.try_get(0)?).or_default().size = Some((w, h));
            }
        }
        // The smallest file of each width: WebP where it won, else the upload's format.
        let rows = sqlx::query(
            "SELECT original, stored_name, width FROM public_media_variants \
             WHERE site_id = ? ORDER BY original, width, size",
        )
        .bind(site_id)
        .fetch_all(self.pool())
        .await?;
        for r in rows {
            let width: i64 = r.try_get(2)?;
            let Ok(width) = u32::try_from(width) else {
                continue;
            };
            let info = out.entry(r.try_get(0)?).or_default();
            if info.variants.last().is_none_or(|(w, _)| *w != width) {
                info.variants.push((width, r.try_get(1)?));
            }
        }
        Ok(out)
    }

    /// The content type of a public file of `site_id`, if it exists and is served (not
    /// deleted, not quarantined).
    pub async fn media_type(&self, site_id: i64, stored_name: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT content_type FROM public_media WHERE site_id = ? AND stored_name = ? \
             UNION ALL \
             SELECT content_type FROM public_media_variants WHERE site_id = ? AND stored_name = ?",
        )
        .bind(site_id)
        .bind(stored_name)
        .bind(site_id)
        .bind(stored_name)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
