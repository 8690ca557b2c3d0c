use sqlx::{Any, AnyPool, Row, Transaction};

use crate::model::{MenuItem, NewPage, PageKind, PageSummary, Site, validate_slug};
use crate::reader::site_from_row;
use crate::{Error, Result};

/// Read-write access to content, for the admin interface and the CLI.
///
/// Every change bumps the content version in the same transaction, so every server (also one
/// in another process) drops its cached pages after a commit and never before.
#[derive(Clone, Debug)]
pub struct Editor {
    pool: AnyPool,
}

async fn bump(tx: &mut Transaction<'static, Any>) -> Result<()> {
    sqlx::query("UPDATE content_version SET version = version + 1 WHERE id = 1")
        .execute(&mut **tx)
        .await?;
    Ok(())
}

impl Editor {
    pub(crate) fn new(pool: AnyPool) -> Editor {
        Editor { pool }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Executes raw SQL as the editor, for tests that need to age a session or break a row.
    #[doc(hidden)]
    pub async fn execute_raw_for_test(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// All sites, by name.
    pub async fn sites(&self) -> Result<Vec<Site>> {
        let rows = sqlx::query("SELECT id, name, title, tagline FROM sites ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(site_from_row).collect()
    }

    /// A site by its short name.
    pub async fn site_by_name(&self, name: &str) -> Result<Option<Site>> {
        let row = sqlx::query("SELECT id, name, title, tagline FROM sites WHERE name = ?")
            .bind(name)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| site_from_row(&r)).transpose()
    }

    /// Returns the site called `name`, creating it with `title` and `tagline` if absent.
    /// An existing site keeps its own title: that is content, edited in the admin interface.
    pub async fn ensure_site(
        &self,
        name: &str,
        title: &str,
        tagline: &str,
    ) -> Result<(Site, bool)> {
        if let Some(site) = self.site_by_name(name).await? {
            return Ok((site, false));
        }
        let mut tx = self.pool.begin().await?;
        sqlx::query("INSERT INTO sites (name, title, tagline, created_at) VALUES (?, ?, ?, ?)")
            .bind(name)
            .bind(title)
            .bind(tagline)
            .bind(crate::now())
            .execute(&mut *tx)
            .await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        let site = self
            .site_by_name(name)
            .await?
            .ok_or_else(|| Error::Invalid {
                field: "site",
                reason: format!("site {name} vanished after insert"),
            })?;
        Ok((site, true))
    }

    /// Makes `hosts` exactly the host names of the site. A host that belongs to another site
    /// is refused, so one site can never answer with another's content.
    pub async fn set_hosts(&self, site_id: i64, hosts: &[String]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        for host in hosts {
            let owner = sqlx::query("SELECT site_id FROM site_hosts WHERE host = ?")
                .bind(host)
                .fetch_optional(&mut *tx)
                .await?;
            if let Some(row) = owner {
                let other: i64 = row.try_get(0)?;
                if other != site_id {
                    return Err(Error::Invalid {
                        field: "hosts",
                        reason: format!("{host} already belongs to another site"),
                    });
                }
            }
        }
        sqlx::query("DELETE FROM site_hosts WHERE site_id = ?")
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
        for host in hosts {
            sqlx::query("INSERT INTO site_hosts (host, site_id) VALUES (?, ?)")
                .bind(host)
                .bind(site_id)
                .execute(&mut *tx)
                .await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }

    /// Creates or replaces the page at `page.slug`; returns its id.
    pub async fn put_page(&self, site_id: i64, page: NewPage) -> Result<i64> {
        validate_slug(&page.slug).map_err(|reason| Error::Invalid {
            field: "slug",
            reason,
        })?;
        if page.title.trim().is_empty() {
            return Err(Error::Invalid {
                field: "title",
                reason: "must not be empty".into(),
            });
        }
        let now = crate::now();
        let published_at = match (page.published_at, page.published) {
            (Some(t), _) => Some(t),
            (None, true) => Some(now),
            (None, false) => None,
        };
        let mut tx = self.pool.begin().await?;
        let existing = sqlx::query("SELECT id FROM pages WHERE site_id = ? AND slug = ?")
            .bind(site_id)
            .bind(&page.slug)
            .fetch_optional(&mut *tx)
            .await?;
        let id = match existing {
            Some(row) => {
                let id: i64 = row.try_get(0)?;
                sqlx::query(
                    "UPDATE pages SET kind = ?, title = ?, summary = ?, body_md = ?, published = ?, \
                     published_at = COALESCE(?, published_at), updated_at = ? WHERE id = ?",
                )
                .bind(page.kind.as_str())
                .bind(&page.title)
                .bind(&page.summary)
                .bind(&page.body_md)
                .bind(i64::from(page.published))
                .bind(published_at)
                .bind(now)
                .bind(id)
                .execute(&mut *tx)
                .await?;
                id
            }
            None => {
                sqlx::query(
                    "INSERT INTO pages (site_id, kind, slug, title, summary, body_md, published, \
                     published_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                )
                .bind(site_id)
                .bind(page.kind.as_str())
                .bind(&page.slug)
                .bind(&page.title)
                .bind(&page.summary)
                .bind(&page.body_md)
                .bind(i64::from(page.published))
                .bind(published_at)
                .bind(now)
                .execute(&mut *tx)
                .await?;
                let row = sqlx::query("SELECT id FROM pages WHERE site_id = ? AND slug = ?")
                    .bind(site_id)
                    .bind(&page.slug)
                    .fetch_one(&mut *tx)
                    .await?;
                row.try_get(0)?
            }
        };
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes or unpublishes a page; false if there is no such page.
    pub async fn set_published(&self, site_id: i64, slug: &str, published: bool) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query(
            "UPDATE pages SET published = ?, updated_at = ?, \
             published_at = COALESCE(published_at, ?) WHERE site_id = ? AND slug = ?",
        )
        .bind(i64::from(published))
        .bind(crate::now())
        .bind(if published { Some(crate::now()) } else { None })
        .bind(site_id)
        .bind(slug)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Deletes a page; false if there is no such page.
    pub async fn delete_page(&self, site_id: i64, slug: &str) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let done = sqlx::query("DELETE FROM pages WHERE site_id = ? AND slug = ?")
            .bind(site_id)
            .bind(slug)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Every page and post of a site, drafts included, by path.
    pub async fn pages(&self, site_id: i64) -> Result<Vec<PageSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, published, published_at, updated_at \
             FROM pages WHERE site_id = ? ORDER BY slug",
        )
        .bind(site_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| {
                Ok(PageSummary {
                    id: r.try_get(0)?,
                    kind: PageKind::parse(&r.try_get::<String, _>(1)?),
                    slug: r.try_get(2)?,
                    title: r.try_get(3)?,
                    summary: r.try_get(4)?,
                    published: r.try_get::<i64, _>(5)? != 0,
                    published_at: r.try_get(6)?,
                    updated_at: r.try_get(7)?,
                })
            })
            .collect()
    }

    /// Replaces the site's menu.
    pub async fn set_menu(&self, site_id: i64, items: &[MenuItem]) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        sqlx::query("DELETE FROM menu_items WHERE site_id = ?")
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
        for (pos, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO menu_items (site_id, position, label, href) VALUES (?, ?, ?, ?)",
            )
            .bind(site_id)
            .bind(pos as i64)
            .bind(&item.label)
            .bind(&item.href)
            .execute(&mut *tx)
            .await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}
