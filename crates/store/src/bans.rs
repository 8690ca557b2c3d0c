//! The ban list in the database: appended by the recorder when the shield bans, read at start,
//! lifted by an administrator.

use sqlx::Row;

use crate::{Editor, Recorder, Result};

/// A stored ban.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct StoredBan {
    /// Row id.
    pub id: i64,
    /// `192.0.2.7` or `2001:db8:1:2::/64`.
    pub subject: String,
    /// Until (Unix seconds); `None` is permanent.
    pub until: Option<i64>,
    /// Why.
    pub reason: String,
    /// The how-manieth ban of this subject (escalation).
    pub count: i64,
    /// When.
    pub created_at: i64,
    /// Who made it: `web`, `cli`, `admin`, or the service the guard watched (`dovecot`).
    pub source: String,
    /// The log line that caused it (guard bans).
    pub evidence: Option<String>,
}

/// Where a ban comes from when it was made by hand.
pub const BY_CLI: &str = "cli";
/// Made in the admin interface.
pub const BY_ADMIN: &str = "admin";
/// Made by the web shield.
pub const BY_WEB: &str = "web";

/// A mark that changes whenever a ban is added or lifted: cheap to read every second, so a
/// change reaches every node and the guard at once without reading the whole list.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct BanChanges {
    last_id: i64,
    lifted: i64,
    last_lift: i64,
}

/// A ban to append (see [`Recorder::ban_all`]).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NewBan {
    /// `192.0.2.7` or `2001:db8:1:2::/64`.
    pub subject: String,
    /// Until (Unix seconds); `None` is permanent.
    pub until: Option<i64>,
    /// Why.
    pub reason: String,
    /// The how-manieth ban of this subject.
    pub count: i64,
    /// The address whose requests earned it (for the security event).
    pub client_ip: String,
    /// Who made it (see [`StoredBan::source`]).
    pub source: String,
    /// The log line that caused it (cut to 1,000 characters).
    pub evidence: Option<String>,
}

impl Recorder {
    /// Appends a ban.
    pub async fn ban(
        &self,
        subject: &str,
        until: Option<i64>,
        reason: &str,
        count: i64,
        source: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO bans (subject, until, reason, count, created_at, source) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(subject)
        .bind(until)
        .bind(crate::clip(reason, 250))
        .bind(count)
        .bind(crate::now())
        .bind(crate::clip(source, 32))
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Appends many bans at once, each with its `ban` security event, in one transaction:
    /// a flood of attackers costs one commit per batch, not two per attacker. All or none
    /// are stored.
    pub async fn ban_all(&self, bans: &[NewBan]) -> Result<()> {
        let now = crate::now();
        let mut tx = crate::begin_write(self.pool()).await?;
        for b in bans {
            sqlx::query(
                "INSERT INTO bans (subject, until, reason, count, created_at, source, evidence) \
                 VALUES (?, ?, ?, ?, ?, ?, ?)",
            )
            .bind(&b.subject)
            .bind(b.until)
            .bind(crate::clip(&b.reason, 250))
            .bind(b.count)
            .bind(now)
            .bind(crate::clip(&b.source, 32))
            .bind(b.evidence.as_deref().map(|e| crate::clip(e, 1000)))
            .execute(&mut *tx)
            .await?;
            sqlx::query(
                "INSERT INTO security_events (at, kind, client_ip, detail) VALUES (?, 'ban', ?, ?)",
            )
            .bind(now)
            .bind(&b.client_ip)
            .bind(format!("{} {} ({})", b.subject, b.reason, b.source))
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Bans in force at `now` (not lifted, not expired), newest first.
    pub async fn active_bans(&self, now: i64) -> Result<Vec<StoredBan>> {
        active_bans(self.pool(), now).await
    }

    /// The mark of the ban list now (see [`BanChanges`]).
    pub async fn ban_changes(&self) -> Result<BanChanges> {
        // All three through an index, whatever the length of the history: the newest id, the
        // newest lift, and how many lifts share that second (a second lift within it).
        let r = sqlx::query(
            "SELECT COALESCE((SELECT MAX(id) FROM bans), 0), \
                    (SELECT COUNT(*) FROM bans WHERE lifted_at >= (SELECT MAX(lifted_at) FROM bans)), \
                    COALESCE((SELECT MAX(lifted_at) FROM bans), 0)",
        )
        .fetch_one(self.pool())
        .await?;
        Ok(BanChanges {
            last_id: r.try_get(0)?,
            lifted: r.try_get(1)?,
            last_lift: r.try_get(2)?,
        })
    }
}

pub(crate) async fn active_bans(pool: &sqlx::AnyPool, now: i64) -> Result<Vec<StoredBan>> {
    let rows = sqlx::query(
        "SELECT id, subject, until, reason, count, created_at, source, evidence FROM bans \
         WHERE lifted_at IS NULL AND (until IS NULL OR until > ?) ORDER BY id DESC",
    )
    .bind(now)
    .fetch_all(pool)
    .await?;
    rows.iter().map(stored_ban).collect()
}

pub(crate) fn stored_ban(r: &sqlx::any::AnyRow) -> Result<StoredBan> {
    Ok(StoredBan {
        id: r.try_get(0)?,
        subject: r.try_get(1)?,
        until: r.try_get(2)?,
        reason: r.try_get(3)?,
        count: r.try_get(4)?,
        created_at: r.try_get(5)?,
        source: r.try_get(6)?,
        evidence: r.try_get(7)?,
    })
}

impl Editor {
    /// Lifts every ban of `subject`; returns how many.
    pub async fn lift_bans(&self, subject: &str) -> Result<u64> {
        let n =
            sqlx::query("UPDATE bans SET lifted_at = ? WHERE subject = ? AND lifted_at IS NULL")
                .bind(crate::now())
                .bind(subject)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(n)
    }
}
