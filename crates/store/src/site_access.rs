//! Which sites an editor may edit, and what editors did with the messages of their sites. Administrators edit every site; an editor only the sites an
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

    /// Whether account `user_id` may edit site `site_id` now: an administrator or an editor
    /// with the grant, and not disabled.
    pub async fn may_edit_site(&self, user_id: i64, site_id: i64) -> Result<bool> {
        let Some(user) = self.user_by_id(user_id).await? else {
            return Ok(false);
        };
        if user.disabled {
            return Ok(false);
        }
        Ok(user.role == crate::Role::Admin || self.sites_of(user_id).await?.contains(&site_id))
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

impl Editor {
    /// Takes away every grant to a site whose name is not in `configured`, returning the
    /// `(user, site)` names it took. A site removed from the config keeps its pages (they come
    /// back with it), but its editors lose their grant at the next start: if the name is
    /// later given to another customer's site, the old volunteers do not walk into it. An
    /// administrator grants again; failing closed is the safe side when nodes disagree.
    pub async fn revoke_grants_outside(
        &self,
        configured: &[&str],
    ) -> Result<Vec<(String, String)>> {
        let rows = sqlx::query(
            "SELECT us.user_id, us.site_id, u.name, s.name FROM user_sites us \
             JOIN users u ON u.id = us.user_id JOIN sites s ON s.id = us.site_id",
        )
        .fetch_all(self.pool())
        .await?;
        let mut stale = Vec::new();
        for r in &rows {
            let site: String = r.try_get(3)?;
            if !configured.contains(&site.as_str()) {
                let user_id: i64 = r.try_get(0)?;
                let site_id: i64 = r.try_get(1)?;
                stale.push((user_id, site_id, r.try_get::<String, _>(2)?, site));
            }
        }
        if stale.is_empty() {
            return Ok(Vec::new());
        }
        let mut tx = crate::begin_write(self.pool()).await?;
        for (user_id, site_id, _, _) in &stale {
            sqlx::query("DELETE FROM user_sites WHERE user_id = ? AND site_id = ?")
                .bind(user_id)
                .bind(site_id)
                .execute(&mut *tx)
                .await?;
        }
        tx.commit().await?;
        Ok(stale.into_iter().map(|(_, _, u, s)| (u, s)).collect())
    }
}

impl Editor {
    /// What editors did with each message that is not new (`read` or `done`), by message id.
    pub async fn submission_states(&self) -> Result<std::collections::HashMap<i64, String>> {
        let rows = sqlx::query("SELECT submission_id, state FROM submission_states")
            .fetch_all(self.pool())
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Marks a message `read` or `done`, or new again (`None`).
    pub async fn set_submission_state(
        &self,
        submission_id: i64,
        state: Option<&str>,
        by: &str,
    ) -> Result<()> {
        let mut tx = crate::begin_write(self.pool()).await?;
        sqlx::query("DELETE FROM submission_states WHERE submission_id = ?")
            .bind(submission_id)
            .execute(&mut *tx)
            .await?;
        if let Some(state) = state {
            sqlx::query(
                "INSERT INTO submission_states (submission_id, state, changed_at, changed_by) VALUES (?, ?, ?, ?)",
            )
            .bind(submission_id)
            .bind(state)
            .bind(crate::now())
            .bind(by)
            .execute(&mut *tx)
            .await?;
        }
        tx.commit().await?;
        Ok(())
    }
}

impl Editor {
    /// The retired sites (taken out of the config) by name, with when.
    pub async fn retired_sites(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query(
            "SELECT name, retired_at FROM sites WHERE retired_at IS NOT NULL ORDER BY name",
        )
        .fetch_all(self.pool())
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// Retires site `site_id`: no longer served (its hosts are let go, and every node's cache
    /// reloads them), its content kept. False if it was retired already.
    pub async fn retire_site(&self, site_id: i64) -> Result<bool> {
        let mut tx = crate::begin_write(self.pool()).await?;
        let n = sqlx::query("UPDATE sites SET retired_at = ? WHERE id = ? AND retired_at IS NULL")
            .bind(crate::now())
            .bind(site_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        sqlx::query("DELETE FROM site_hosts WHERE site_id = ?")
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
        sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
            .execute(&mut *tx)
            .await?;
        tx.commit().await?;
        Ok(n == 1)
    }

    /// Brings retired site `name` back (its hosts come from the config at the next start).
    /// False if there is no retired site of that name.
    pub async fn restore_site(&self, name: &str) -> Result<bool> {
        let n = sqlx::query(
            "UPDATE sites SET retired_at = NULL WHERE name = ? AND retired_at IS NOT NULL",
        )
        .bind(name)
        .execute(self.pool())
        .await?
        .rows_affected();
        Ok(n == 1)
    }
}
