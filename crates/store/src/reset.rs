//! Password resets by e-mail: each account's address for them, and the one-time links
//! (stored only as the SHA-256 of their token).

use sqlx::Row;

use crate::{Editor, Result};

impl Editor {
    /// Sets (or with `None` removes) the address an account's reset links go to; links sent
    /// to the old address end.
    pub async fn set_user_email(&self, user_id: i64, email: Option<&str>) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        crate::users::end_reset_links(&mut tx, user_id).await?;
        sqlx::query("DELETE FROM user_emails WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        if let Some(e) = email {
            sqlx::query("INSERT INTO user_emails (user_id, email, changed_at) VALUES (?, ?, ?)")
                .bind(user_id)
                .bind(e)
                .bind(crate::now())
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// The address an account's reset links go to.
    pub async fn user_email(&self, user_id: i64) -> Result<Option<String>> {
        let row = sqlx::query("SELECT email FROM user_emails WHERE user_id = ?")
            .bind(user_id)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Stores a setting only if it has none yet; `false` when another writer was first.
    pub async fn set_setting_once(&self, name: &str, value: &str) -> Result<bool> {
        let res = sqlx::query("INSERT INTO settings (name, value) VALUES (?, ?)")
            .bind(name)
            .bind(value)
            .execute(self.pool())
            .await;
        match res {
            Ok(_) => Ok(true),
            Err(e) if crate::is_unique_violation(&e) => Ok(false),
            Err(e) => Err(e.into()),
        }
    }

    /// Keeps a new reset link (its token's hash), valid until `expires_at`.
    pub async fn create_reset(
        &self,
        user_id: i64,
        token_hash: &str,
        expires_at: i64,
        client_ip: Option<&str>,
    ) -> Result<()> {
        sqlx::query(
            "INSERT INTO password_resets (token_hash, user_id, created_at, expires_at, client_ip) \
             VALUES (?, ?, ?, ?, ?)",
        )
        .bind(token_hash)
        .bind(user_id)
        .bind(crate::now())
        .bind(expires_at)
        .bind(client_ip)
        .execute(self.pool())
        .await?;
        Ok(())
    }

    /// Reset links made for an account since `since`.
    pub async fn resets_since(&self, user_id: i64, since: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM password_resets WHERE user_id = ? AND created_at >= ?",
        )
        .bind(user_id)
        .bind(since)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The account of a valid, unused link, without using it (to show the form).
    pub async fn reset_user(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT user_id FROM password_resets WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(token_hash)
        .bind(now)
        .fetch_optional(self.pool())
        .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Uses a link: its account, once. Expired or used links, and two uses at the same
    /// moment after the first, give `None`. Every other link of the account ends too.
    pub async fn use_reset(&self, token_hash: &str, now: i64) -> Result<Option<i64>> {
        let mut tx = crate::begin_write(self.pool()).await?;
        let done = sqlx::query(
            "UPDATE password_resets SET used_at = ? WHERE token_hash = ? AND used_at IS NULL AND expires_at > ?",
        )
        .bind(now)
        .bind(token_hash)
        .bind(now)
        .execute(&mut *tx)
        .await?;
        if done.rows_affected() != 1 {
            return Ok(None);
        }
        let row = sqlx::query("SELECT user_id FROM password_resets WHERE token_hash = ?")
            .bind(token_hash)
            .fetch_one(&mut *tx)
            .await?;
        let user: i64 = row.try_get(0)?;
        sqlx::query("UPDATE password_resets SET used_at = ? WHERE user_id = ? AND used_at IS NULL")
            .bind(now)
            .bind(user)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(Some(user))
    }
}
