//! Which sites an editor may edit. Administrators edit every site; an editor only the sites an
//! administrator granted, so one Bolwerk can host several customers with each customer's
//! volunteers confined to their own site.

use sqlx::Row;

use crate::{Editor, Result};

impl Editor {
    /// The ids of the sites granted to `user_id` (an editor's; administrators need none).
    pub async fn sites_of(&self, user_id: i64) -> Result<Vec<i64>> {
        let rows = sqlx::query("SELECT site_id FROM user_sites WHERE user_id = ? ORDER BY site_id")
            .bind(user_id)
            .fetch_all(self.pool())
            .await?;
        rows.iter().map(|r| Ok(r.try_get(0)?)).collect()
    }

    /// Grants `user_id` exactly the sites `site_ids`, in one transaction.
    pub async fn set_sites_of(&self, user_id: i64, site_ids: &[i64]) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("DELETE FROM user_sites WHERE user_id = ?")
            .bind(user_id)
            .execute(&mut *tx)
            .await?;
        let mut ids = site_ids.to_vec();
        ids.sort_unstable();
        ids.dedup();
        for site_id in ids {
            sqlx::query("INSERT INTO user_sites (user_id, site_id) VALUES (?, ?)")
                .bind(user_id)
                .bind(site_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}
