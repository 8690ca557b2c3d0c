//! Imported DMARC aggregate reports: appended by the recorder (from the CLI, an admin upload
//! or the mailbox poller), read for the admin's overview. The rows are kept as the JSON the
//! `mail` crate made of them.

use sqlx::{AnyPool, Row};

use crate::{Editor, Recorder, Result};

/// A report to keep.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct DmarcReport {
    /// Row id (0 before it is stored).
    pub id: i64,
    /// Who sent it.
    pub org: String,
    /// Their contact address.
    pub email: String,
    /// Their id for it.
    pub report_id: String,
    /// The domain it is about.
    pub domain: String,
    /// The policy they saw.
    pub policy: String,
    /// Period start (Unix seconds).
    pub begin: i64,
    /// Period end.
    pub end: i64,
    /// When it was imported.
    pub imported_at: i64,
    /// How it came in (`cli`, `upload`, `imap`).
    pub source: String,
    /// Messages it covers.
    pub messages: i64,
    /// Of those, failing DMARC.
    pub failed: i64,
    /// The rows, as JSON.
    pub rows_json: String,
}

async fn reports(
    pool: &AnyPool,
    domain: Option<&str>,
    since: i64,
    limit: i64,
) -> Result<Vec<DmarcReport>> {
    let rows = sqlx::query(
        "SELECT id, org, email, report_id, domain, policy, begin_at, end_at, imported_at, source, \
         messages, failed, rows_json FROM dmarc_reports WHERE (? IS NULL OR domain = ?) AND end_at >= ? \
         ORDER BY end_at DESC, id DESC LIMIT ?",
    )
    .bind(domain)
    .bind(domain)
    .bind(since)
    .bind(limit.clamp(1, 100_000))
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(DmarcReport {
                id: r.try_get(0)?,
                org: r.try_get(1)?,
                email: r.try_get(2)?,
                report_id: r.try_get(3)?,
                domain: r.try_get(4)?,
                policy: r.try_get(5)?,
                begin: r.try_get(6)?,
                end: r.try_get(7)?,
                imported_at: r.try_get(8)?,
                source: r.try_get(9)?,
                messages: r.try_get(10)?,
                failed: r.try_get(11)?,
                rows_json: r.try_get(12)?,
            })
        })
        .collect()
}

impl Recorder {
    /// Keeps a report; `false` when the same reporter's report with that id is already kept.
    pub async fn record_dmarc(&self, r: &DmarcReport) -> Result<bool> {
        let res = sqlx::query(
            "INSERT INTO dmarc_reports (org, email, report_id, domain, policy, begin_at, end_at, \
             imported_at, source, messages, failed, rows_json) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        )
        .bind(&r.org)
        .bind(&r.email)
        .bind(&r.report_id)
        .bind(&r.domain)
        .bind(&r.policy)
        .bind(r.begin)
        .bind(r.end)
        .bind(crate::now())
        .bind(&r.source)
        .bind(r.messages)
        .bind(r.failed)
        .bind(&r.rows_json)
        .execute(self.pool())
        .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if crate::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Reports whose period ended at or after `since`, newest first (of one domain when given).
    pub async fn dmarc_reports(
        &self,
        domain: Option<&str>,
        since: i64,
        limit: i64,
    ) -> Result<Vec<DmarcReport>> {
        reports(self.pool(), domain, since, limit).await
    }
}

impl Editor {
    /// Reports whose period ended at or after `since`, newest first (of one domain when given).
    pub async fn dmarc_reports(
        &self,
        domain: Option<&str>,
        since: i64,
        limit: i64,
    ) -> Result<Vec<DmarcReport>> {
        reports(self.pool(), domain, since, limit).await
    }
}
