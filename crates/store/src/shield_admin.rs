//! What administrators tune the shield with (the allowlist and per-rule switches), and what
//! the security dashboard reads (events and ban history).

use sqlx::{AnyPool, Row};

use crate::{Editor, Recorder, Result, StoredBan};

/// An address or network the shield never blocks.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct AllowEntry {
    /// `192.0.2.7`, `198.51.100.0/24`, `2001:db8::/48`.
    pub cidr: String,
    /// Why (free text from the operator).
    pub note: String,
    /// When it was added (Unix seconds).
    pub created_at: i64,
}

/// A rule an administrator switched on or off.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct RuleSwitch {
    /// Rule id.
    pub rule_id: i64,
    /// Whether it fires.
    pub enabled: bool,
    /// Who switched it.
    pub changed_by: String,
    /// When.
    pub changed_at: i64,
}

/// One recorded security event.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct SecurityEvent {
    /// Row id.
    pub id: i64,
    /// When (Unix seconds).
    pub at: i64,
    /// `waf_block`, `waf_detect`, `ban`, …
    pub kind: String,
    /// Client address.
    pub client_ip: Option<String>,
    /// Rules, score, where, the matched part.
    pub detail: String,
}

async fn allowlist(pool: &AnyPool) -> Result<Vec<AllowEntry>> {
    let rows = sqlx::query("SELECT cidr, note, created_at FROM allowlist ORDER BY cidr")
        .fetch_all(pool)
        .await?;
    rows.iter()
        .map(|r| {
            Ok(AllowEntry {
                cidr: r.try_get(0)?,
                note: r.try_get(1)?,
                created_at: r.try_get(2)?,
            })
        })
        .collect()
}

async fn rule_switches(pool: &AnyPool) -> Result<Vec<RuleSwitch>> {
    let rows = sqlx::query(
        "SELECT rule_id, enabled, changed_by, changed_at FROM rule_switches ORDER BY rule_id",
    )
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(RuleSwitch {
                rule_id: r.try_get(0)?,
                enabled: r.try_get::<i64, _>(1)? != 0,
                changed_by: r.try_get(2)?,
                changed_at: r.try_get(3)?,
            })
        })
        .collect()
}

impl Recorder {
    /// The allowlist kept in the database.
    pub async fn allowlist(&self) -> Result<Vec<AllowEntry>> {
        allowlist(self.pool()).await
    }

    /// The rules administrators switched.
    pub async fn rule_switches(&self) -> Result<Vec<RuleSwitch>> {
        rule_switches(self.pool()).await
    }
}

impl Editor {
    /// The allowlist kept in the database.
    pub async fn allowlist(&self) -> Result<Vec<AllowEntry>> {
        allowlist(self.pool()).await
    }

    /// Adds `cidr` (already validated by the caller) to the allowlist; `false` if it was
    /// there already.
    pub async fn allow(&self, cidr: &str, note: &str) -> Result<bool> {
        let exists = sqlx::query("SELECT COUNT(*) FROM allowlist WHERE cidr = ?")
            .bind(cidr)
            .fetch_one(self.pool())
            .await?
            .try_get::<i64, _>(0)?;
        if exists > 0 {
            return Ok(false);
        }
        sqlx::query("INSERT INTO allowlist (cidr, note, created_at) VALUES (?, ?, ?)")
            .bind(cidr)
            .bind(crate::clip(note, 250))
            .bind(crate::now())
            .execute(self.pool())
            .await?;
        Ok(true)
    }

    /// Removes `cidr` from the allowlist; `false` if it was not there.
    pub async fn disallow(&self, cidr: &str) -> Result<bool> {
        let n = sqlx::query("DELETE FROM allowlist WHERE cidr = ?")
            .bind(cidr)
            .execute(self.pool())
            .await?
            .rows_affected();
        Ok(n > 0)
    }

    /// The rules administrators switched.
    pub async fn rule_switches(&self) -> Result<Vec<RuleSwitch>> {
        rule_switches(self.pool()).await
    }

    /// Switches a rule on or off.
    pub async fn switch_rule(&self, rule_id: u32, enabled: bool, by: &str) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("DELETE FROM rule_switches WHERE rule_id = ?")
            .bind(i64::from(rule_id))
            .execute(&mut *tx)
            .await?;
        sqlx::query(
            "INSERT INTO rule_switches (rule_id, enabled, changed_by, changed_at) VALUES (?, ?, ?, ?)",
        )
        .bind(i64::from(rule_id))
        .bind(i64::from(enabled))
        .bind(crate::clip(by, 250))
        .bind(crate::now())
        .execute(&mut *tx)
        .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Security events of the given kinds since `since`, newest first, at most `limit`.
    pub async fn security_events(
        &self,
        kinds: &[&str],
        since: i64,
        limit: i64,
    ) -> Result<Vec<SecurityEvent>> {
        // One placeholder per kind; the SQL text holds no input.
        let marks = vec!["?"; kinds.len().max(1)].join(", ");
        let sql = format!(
            "SELECT id, at, kind, client_ip, detail FROM security_events \
             WHERE at >= ? AND kind IN ({marks}) ORDER BY id DESC LIMIT ?"
        );
        let mut q = sqlx::query(sqlx::AssertSqlSafe(sql)).bind(since);
        if kinds.is_empty() {
            q = q.bind("");
        }
        for k in kinds {
            q = q.bind(*k);
        }
        let rows = q.bind(limit).fetch_all(self.pool()).await?;
        rows.iter()
            .map(|r| {
                Ok(SecurityEvent {
                    id: r.try_get(0)?,
                    at: r.try_get(1)?,
                    kind: r.try_get(2)?,
                    client_ip: r.try_get(3)?,
                    detail: r.try_get(4)?,
                })
            })
            .collect()
    }

    /// Events of `kind` per `bucket` seconds since `since`: (bucket start, count), oldest
    /// first; buckets without events are left out.
    pub async fn events_per_bucket(
        &self,
        kind: &str,
        since: i64,
        bucket: i64,
    ) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT at - (at % ?) AS b, COUNT(*) FROM security_events \
             WHERE kind = ? AND at >= ? GROUP BY b ORDER BY b",
        )
        .bind(bucket.max(1))
        .bind(kind)
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// The addresses with the most events of `kind` since `since`, most first.
    pub async fn top_offenders(
        &self,
        kind: &str,
        since: i64,
        limit: i64,
    ) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT client_ip, COUNT(*) AS n FROM security_events \
             WHERE kind = ? AND at >= ? AND client_ip IS NOT NULL \
             GROUP BY client_ip ORDER BY n DESC, client_ip LIMIT ?",
        )
        .bind(kind)
        .bind(since)
        .bind(limit)
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Every ban made since `since` (lifted or not), oldest first: the ban history.
    pub async fn bans_since(&self, since: i64) -> Result<Vec<StoredBan>> {
        let rows = sqlx::query(
            "SELECT id, subject, until, reason, count, created_at, source, evidence FROM bans \
             WHERE created_at >= ? ORDER BY id",
        )
        .bind(since)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(crate::bans::stored_ban).collect()
    }

    /// Bans in force at `now`, newest first.
    pub async fn active_bans(&self, now: i64) -> Result<Vec<StoredBan>> {
        crate::bans::active_bans(self.pool(), now).await
    }
}
