//! The login history of the admin entrance (recorder handle, append-only): every attempt,
//! the failure counts that slow down guessing, and the filters the admin pages use.

use sqlx::Row;
use sqlx::any::AnyRow;

use crate::users::{FailureCounts, LoginAttempt, LoginFilter, LoginResult, clip};
use crate::{Recorder, Result};

fn attempt_from_row(r: &AnyRow) -> Result<LoginAttempt> {
    let result: String = r.try_get(6)?;
    Ok(LoginAttempt {
        id: r.try_get(0)?,
        at: r.try_get(1)?,
        user_name: r.try_get(2)?,
        user_id: r.try_get(3)?,
        ip: r.try_get(4)?,
        user_agent: r.try_get(5)?,
        result: LoginResult::parse(&result).unwrap_or(LoginResult::WrongPassword),
    })
}

impl Recorder {
    /// Appends an attempt to the login history.
    pub async fn login_attempt(&self, a: &LoginAttempt) -> Result<()> {
        sqlx::query(
            "INSERT INTO login_attempts (at, user_name, user_id, ip, user_agent, result) VALUES (?, ?, ?, ?, ?, ?)",
        )
        .bind(a.at)
        .bind(clip(&a.user_name, 64))
        .bind(a.user_id)
        .bind(&a.ip)
        .bind(clip(&a.user_agent, 256))
        .bind(a.result.as_str())
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Failures for `user_name` and from `ip` since `since`. Only a completed sign-in
    /// (`success`) restarts the counts for a name; the address count never restarts.
    pub async fn failure_counts(
        &self,
        user_name: &str,
        ip: &str,
        since: i64,
    ) -> Result<FailureCounts> {
        let name = clip(user_name, 64);
        // Columns: pair, address, account, account codes. The failure list is `FAILURES`.
        let row = sqlx::query(
            "SELECT \
             (SELECT COUNT(*) FROM login_attempts WHERE user_name = ? AND ip = ? AND at >= ? \
              AND result IN ('wrong_password', 'unknown_user', 'second_factor_failed', 'recheck_failed') \
              AND id > COALESCE((SELECT MAX(id) FROM login_attempts \
                                 WHERE user_name = ? AND ip = ? AND result = 'success'), 0)), \
             (SELECT COUNT(*) FROM login_attempts WHERE ip = ? AND at >= ? \
              AND result IN ('wrong_password', 'unknown_user', 'second_factor_failed', 'recheck_failed')), \
             (SELECT COUNT(*) FROM login_attempts WHERE user_name = ? AND at >= ? \
              AND result IN ('wrong_password', 'unknown_user', 'second_factor_failed', 'recheck_failed') \
              AND id > COALESCE((SELECT MAX(id) FROM login_attempts \
                                 WHERE user_name = ? AND result = 'success'), 0)), \
             (SELECT COUNT(*) FROM login_attempts WHERE user_name = ? AND at >= ? \
              AND result = 'second_factor_failed' \
              AND id > COALESCE((SELECT MAX(id) FROM login_attempts \
                                 WHERE user_name = ? AND result = 'success'), 0))",
        )
            .bind(&name)
            .bind(ip)
            .bind(since)
            .bind(&name)
            .bind(ip)
            .bind(ip)
            .bind(since)
            .bind(&name)
            .bind(since)
            .bind(&name)
            .bind(&name)
            .bind(since)
            .bind(&name)
            .fetch_one(self.pool())
            .await?;
        Ok(FailureCounts {
            pair: row.try_get(0)?,
            address: row.try_get(1)?,
            account: row.try_get(2)?,
            account_codes: row.try_get(3)?,
        })
    }

    /// Whether `user_name` ever logged in successfully from `ip` before attempt `before_id`.
    pub async fn known_ip(&self, user_name: &str, ip: &str, before_id: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM login_attempts WHERE user_name = ? AND ip = ? AND result = 'success' AND id < ?",
        )
        .bind(user_name)
        .bind(ip)
        .bind(before_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// Whether `user_name` ever signed in successfully (from anywhere) before attempt
    /// `before_id`: an account's very first sign-in has no "usual" address to differ from.
    pub async fn signed_in_before(&self, user_name: &str, before_id: i64) -> Result<bool> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM login_attempts WHERE user_name = ? AND result = 'success' AND id < ?",
        )
        .bind(user_name)
        .bind(before_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get::<i64, _>(0)? > 0)
    }

    /// The login history, newest first, filtered.
    pub async fn login_history(
        &self,
        f: &LoginFilter,
        limit: i64,
        offset: i64,
    ) -> Result<Vec<LoginAttempt>> {
        let result = f.result.map(LoginResult::as_str);
        let rows = sqlx::query(
            "SELECT id, at, user_name, user_id, ip, user_agent, result FROM login_attempts \
             WHERE (? IS NULL OR user_name = ?) AND (? IS NULL OR ip = ?) AND (? IS NULL OR result = ?) \
             AND (? IS NULL OR at >= ?) AND (? IS NULL OR at < ?) ORDER BY id DESC LIMIT ? OFFSET ?",
        )
        .bind(f.user_name.as_deref())
        .bind(f.user_name.as_deref())
        .bind(f.ip.as_deref())
        .bind(f.ip.as_deref())
        .bind(result)
        .bind(result)
        .bind(f.since)
        .bind(f.since)
        .bind(f.until)
        .bind(f.until)
        .bind(limit)
        .bind(offset)
        .fetch_all(self.pool())
        .await?;
        rows.iter().map(attempt_from_row).collect()
    }
}
