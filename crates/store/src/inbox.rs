//! The Inbox as editors read it: the messages of the sites open to them, a page at a time
//! from the newest back, each with what editors did with it, and the counts for the heading
//! and the dashboard. Paged by message id, so the thousandth message is as reachable as the
//! first and no page loads more than it shows.

use sqlx::Row;

use crate::mail::{Submission, submission_columns, submission_from_row};
use crate::{Editor, Result};

/// A message with what editors did with it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InboxMessage {
    /// The message.
    pub message: Submission,
    /// `new`, `read` or `done`.
    pub state: String,
}

/// How many messages a site has.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MessageCounts {
    /// All of them.
    pub total: i64,
    /// Those nobody marked read or done.
    pub new: i64,
    /// Those received after the `since` asked for.
    pub recent: i64,
}

impl Editor {
    /// Up to `limit` messages of `sites` older than message `before` (the newest when
    /// `None`), newest first, with their states. Each site is read on its own along the
    /// `(site, id)` index, so a quiet site's Inbox costs its own messages even when another
    /// site is flooded.
    pub async fn inbox_page(
        &self,
        sites: &[String],
        before: Option<i64>,
        limit: i64,
    ) -> Result<Vec<InboxMessage>> {
        let limit = limit.clamp(1, 1_000);
        let mut all = Vec::new();
        for site in sites {
            let rows = sqlx::query(concat!(
                "SELECT ",
                submission_columns!(),
                ", (SELECT st.state FROM submission_states st WHERE st.submission_id = s.id) \
                 FROM form_submissions s WHERE s.site = ? AND (? IS NULL OR s.id < ?) \
                 ORDER BY s.id DESC LIMIT ?"
            ))
            .bind(site)
            .bind(before)
            .bind(before)
            .bind(limit)
            .fetch_all(self.pool())
            .await?;
            for r in &rows {
                all.push(InboxMessage {
                    message: submission_from_row(r)?,
                    state: r
                        .try_get::<Option<String>, _>(8)?
                        .unwrap_or_else(|| "new".into()),
                });
            }
        }
        all.sort_by_key(|m| std::cmp::Reverse(m.message.id));
        all.truncate(usize::try_from(limit).unwrap_or(1_000));
        Ok(all)
    }

    /// The counts of site `site`'s messages; `recent` counts those after `since`.
    pub async fn message_counts(&self, site: &str, since: i64) -> Result<MessageCounts> {
        let row = sqlx::query(
            "SELECT COUNT(*), \
             COUNT(CASE WHEN NOT EXISTS (SELECT 1 FROM submission_states st \
                   WHERE st.submission_id = s.id) THEN 1 END), \
             COUNT(CASE WHEN s.at > ? THEN 1 END) \
             FROM form_submissions s WHERE s.site = ?",
        )
        .bind(since)
        .bind(site)
        .fetch_one(self.pool())
        .await?;
        Ok(MessageCounts {
            total: row.try_get(0)?,
            new: row.try_get(1)?,
            recent: row.try_get(2)?,
        })
    }

    /// The site a message was sent to, if the message exists.
    pub async fn message_site(&self, id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT site FROM form_submissions WHERE id = ?")
            .bind(id)
            .fetch_optional(self.pool())
            .await?;
        row.map(|r| Ok(r.try_get(0)?)).transpose()
    }
}
