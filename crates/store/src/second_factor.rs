//! Two-factor secrets, recovery codes and settings of the admin entrance (editor handle).

use sqlx::Row;

use crate::{Editor, Result};

impl Editor {
    /// Stores (or clears) a secret offered for enrolment.
    pub async fn set_totp_pending(&self, user_id: i64, secret: Option<&str>) -> Result<()> {
        sqlx::query("UPDATE users SET totp_pending = ? WHERE id = ?")
            .bind(secret)
            .bind(user_id)
            .execute(self.pool())
            .await?;
        Ok(())
    }

    /// Turns 2FA on: the confirmed secret, the step of the confirming code, and new recovery
    /// codes (hashes) replacing any old ones.
    pub async fn enable_totp(
        &self,
        user_id: i64,
        secret: &str,
        step: i64,
        recovery_hashes: &[String],
    ) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("UPDATE users SET totp_secret = ?, totp_pending = NULL, totp_last_step = ? WHERE id = ?")
            .bind(secret)
            .bind(step)
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        for h in recovery_hashes {
            sqlx::query("INSERT INTO recovery_codes (user_id, code_hash) VALUES (?, ?)")
                .bind(user_id)
                .bind(h)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Turns 2FA off and deletes the recovery codes.
    pub async fn disable_totp(&self, user_id: i64) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("UPDATE users SET totp_secret = NULL, totp_pending = NULL WHERE id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("DELETE FROM recovery_codes WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }

    /// Records `step` as used if it is newer than the last one; false if another request got
    /// there first (the check and the write are one statement, so a code works once even
    /// when sent twice at the same moment).
    pub async fn claim_totp_step(&self, user_id: i64, step: i64) -> Result<bool> {
        let n =
            sqlx::query("UPDATE users SET totp_last_step = ? WHERE id = ? AND totp_last_step < ?")
                .bind(step)
                .bind(user_id)
                .bind(step)
                .execute(self.pool())
                .await?
                .rows_affected();
        Ok(n == 1)
    }

    /// Spends a recovery code (by hash); false if it is unknown or used.
    pub async fn use_recovery_code(&self, user_id: i64, code_hash: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE recovery_codes SET used_at = ? WHERE user_id = ? AND code_hash = ? AND used_at IS NULL",
        )
        .bind(crate::now())
        .bind(user_id)
        .bind(code_hash)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }

    /// Unused recovery codes of an account.
    pub async fn recovery_codes_left(&self, user_id: i64) -> Result<i64> {
        let row = sqlx::query(
            "SELECT COUNT(*) FROM recovery_codes WHERE user_id = ? AND used_at IS NULL",
        )
        .bind(user_id)
        .fetch_one(self.pool())
        .await?;
        Ok(row.try_get(0)?)
    }

    /// An instance setting.
    pub async fn setting(&self, name: &str) -> Result<Option<String>> {
        let row = sqlx::query("SELECT value FROM settings WHERE name = ?")
            .bind(name)
            .fetch_optional(self.pool())
            .await?;
        Ok(row.map(|r| r.try_get(0)).transpose()?)
    }

    /// Sets an instance setting.
    pub async fn set_setting(&self, name: &str, value: &str) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("DELETE FROM settings WHERE name = ?")
            .bind(name)
            .execute(&mut *tx)
            .await?;
        sqlx::query("INSERT INTO settings (name, value) VALUES (?, ?)")
            .bind(name)
            .bind(value)
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(())
    }
}
