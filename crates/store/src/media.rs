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
}

impl Editor {
    /// Indexes an uploaded file (written to disk before).
    pub async fn add_media(&self, site_id: i64, m: &NewMedia<'_>) -> Result<()> {
        sqlx::query(
            "INSERT INTO media (site_id, stored_name, original_name, content_type, size, uploaded_at, uploaded_by, scanned_with) \
             VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(site_id)
        .bind(m.stored_name)
        .bind(m.original_name)
        .bind(m.content_type)
        .bind(m.size)
        .bind(crate::now())
        .bind(m.uploaded_by)
        .bind(m.scanned_with)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// A site's files, newest first (deleted ones left out).
    pub async fn media(&self, site_id: i64) -> Result<Vec<Media>> {
        let rows = sqlx::query(
            "SELECT id, stored_name, original_name, content_type, size, uploaded_at, uploaded_by FROM media \
             WHERE site_id = ? AND deleted_at IS NULL ORDER BY id DESC",
        )
        .bind(site_id)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| {
                Ok(Media {
                    id: r.try_get(0)?,
                    stored_name: r.try_get(1)?,
                    original_name: r.try_get(2)?,
                    content_type: r.try_get(3)?,
                    size: r.try_get(4)?,
                    uploaded_at: r.try_get(5)?,
                    uploaded_by: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// The stored names of files kept without a virus scan (the scanner was down and the
    /// operator chose to accept), oldest first: what the rescan takes first.
    pub async fn unscanned_media(&self) -> Result<Vec<String>> {
        let rows = sqlx::query(
            "SELECT stored_name FROM media WHERE scanned_with IS NULL AND deleted_at IS NULL ORDER BY id",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Hides a file from visitors; the file stays on disk. False if there is no such file.
    pub async fn delete_media(&self, site_id: i64, id: i64) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE media SET deleted_at = ? WHERE id = ? AND site_id = ? AND deleted_at IS NULL",
        )
        .bind(crate::now())
        .bind(id)
        .bind(site_id)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }
}

impl Reader {
    /// The content type of a public file of `site_id`, if it exists and is not deleted.
    pub async fn media_type(&self, site_id: i64, stored_name: &str) -> Result<Option<String>> {
        let row = sqlx::query(
            "SELECT content_type FROM public_media WHERE site_id = ? AND stored_name = ?",
        )
        .bind(site_id)
        .bind(stored_name)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }
}
