use sqlx::{AnyPool, Row};

use crate::Result;

/// Append-only access to the security events and the audit log.
///
/// It can add rows and read them back, never change or delete them; on MySQL its user has only
/// INSERT and SELECT on these tables.
#[derive(Clone, Debug)]
pub struct Recorder {
    pool: AnyPool,
}

/// One line of the audit log.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AuditEntry {
    /// Unix seconds.
    pub at: i64,
    /// Who did it (`cli`, a user name).
    pub actor: String,
    /// Client address, for changes made in the browser.
    pub ip: Option<String>,
    /// What (`page.put`, `site.create`).
    pub action: String,
    /// Details safe to show administrators.
    pub detail: String,
}

impl Recorder {
    pub(crate) fn new(pool: AnyPool) -> Recorder {
        Recorder { pool }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Appends a security event (a block, a ban, a refused request).
    pub async fn security_event(
        &self,
        kind: &str,
        client_ip: Option<&str>,
        detail: &str,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO security_events (at, kind, client_ip, detail) VALUES (?, ?, ?, ?)",
        )
        .bind(crate::now())
        .bind(kind)
        .bind(client_ip)
        .bind(detail)
        .execute(&self.pool)
        .await?;
        Ok(())
    }

    /// Appends several security events in one transaction (`kind`, client address, detail):
    /// under a flood one commit per event would fall behind.
    pub async fn security_events(&self, events: &[(&str, Option<&str>, &str)]) -> Result<()> {
        let now = crate::now();
        let mut tx = crate::begin_write(&self.pool).await?;
        for (kind, client_ip, detail) in events {
            sqlx::query(
                "INSERT INTO security_events (at, kind, client_ip, detail) VALUES (?, ?, ?, ?)",
            )
            .bind(now)
            .bind(*kind)
            .bind(*client_ip)
            .bind(*detail)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// How many security events of `kind` were recorded since `since` (Unix seconds).
    pub async fn count_security_events(&self, kind: &str, since: i64) -> Result<i64> {
        let row = sqlx::query("SELECT COUNT(*) FROM security_events WHERE kind = ? AND at >= ?")
            .bind(kind)
            .bind(since)
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Appends a line to the audit log: who (`cli`, a user name), from where, what, details.
    pub async fn audit(
        &self,
        actor: &str,
        ip: Option<&str>,
        action: &str,
        detail: &str,
    ) -> Result<()> {
        sqlx::query("INSERT INTO audit_log (at, actor, ip, action, detail) VALUES (?, ?, ?, ?, ?)")
            .bind(crate::now())
            .bind(actor)
            .bind(ip)
            .bind(action)
            .bind(detail)
            .execute(&self.pool)
            .await?;
        Ok(())
    }

    /// The newest audit lines first.
    pub async fn recent_audit(&self, limit: i64) -> Result<Vec<AuditEntry>> {
        let rows = sqlx::query(
            "SELECT at, actor, ip, action, detail FROM audit_log ORDER BY id DESC LIMIT ?",
        )
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(AuditEntry {
                    at: r.try_get(0)?,
                    actor: r.try_get(1)?,
                    ip: r.try_get(2)?,
                    action: r.try_get(3)?,
                    detail: r.try_get(4)?,
                })
            })
            .collect()
    }
}
