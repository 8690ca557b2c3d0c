use sqlx::{Any, AnyPool, Row, Transaction};

use crate::model::{
    MenuItem, NewPage, PageKind, PageSource, PageSummary, Revision, Site, validate_slug,
};
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
        let rows = sqlx::query("SELECT id, name, title, tagline, icon FROM sites ORDER BY name")
            .fetch_all(&self.pool)
            .await?;
        rows.iter().map(site_from_row).collect()
    }

    /// A site by its short name.
    pub async fn site_by_name(&self, name: &str) -> Result<Option<Site>> {
        let row = sqlx::query("SELECT id, name, title, tagline, icon FROM sites WHERE name = ?")
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
        let mut tx = crate::begin_write(&self.pool).await?;
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
        let mut tx = crate::begin_write(&self.pool).await?;
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

    /// Creates or replaces the page at `page.slug` (matched on site and path, trashed pages
    /// included); returns its id. Every save is kept as a revision by `by`.
    pub async fn put_page(&self, site_id: i64, page: NewPage, by: &str) -> Result<i64> {
        let existing = sqlx::query("SELECT id FROM pages WHERE site_id = ? AND slug = ?")
            .bind(site_id)
            .bind(&page.slug)
            .fetch_optional(&self.pool)
            .await?;
        let id = match existing {
            Some(row) => Some(row.try_get::<i64, _>(0)?),
            None => None,
        };
        self.save_page(site_id, id, page, by).await
    }

    /// Saves a page: a new one (`id` is `None`) or an existing one by id, whose path may
    /// change. Refuses a path another page (also one in the trash) already has. Writes a
    /// revision in the same transaction.
    pub async fn save_page(
        &self,
        site_id: i64,
        id: Option<i64>,
        page: NewPage,
        by: &str,
    ) -> Result<i64> {
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
        if page.title.chars().count() > 200 {
            return Err(Error::Invalid {
                field: "title",
                reason: "at most 200 characters".into(),
            });
        }
        if page.body_md.len() > 1 << 20 {
            return Err(Error::Invalid {
                field: "body",
                reason: "at most 1 MiB".into(),
            });
        }
        let now = crate::now();
        let published_at = match (page.published_at, page.published) {
            (Some(t), _) => Some(t),
            (None, true) => Some(now),
            (None, false) => None,
        };
        let mut tx = crate::begin_write(&self.pool).await?;
        let clash = sqlx::query("SELECT id, deleted_at FROM pages WHERE site_id = ? AND slug = ?")
            .bind(site_id)
            .bind(&page.slug)
            .fetch_optional(&mut *tx)
            .await?;
        if let Some(row) = clash {
            let other: i64 = row.try_get(0)?;
            let trashed: Option<i64> = row.try_get(1)?;
            if Some(other) != id {
                let where_ = if trashed.is_some() {
                    " (in the trash: restore it instead)"
                } else {
                    ""
                };
                return Err(Error::Invalid {
                    field: "slug",
                    reason: format!("another page already has the path {}{where_}", page.slug),
                });
            }
        }
        let id = match id {
            Some(id) => {
                let n = sqlx::query(
                    "UPDATE pages SET kind = ?, slug = ?, title = ?, summary = ?, body_md = ?, published = ?, \
                     published_at = COALESCE(?, published_at), updated_at = ? WHERE id = ? AND site_id = ?",
                )
                .bind(page.kind.as_str())
                .bind(&page.slug)
                .bind(&page.title)
                .bind(&page.summary)
                .bind(&page.body_md)
                .bind(i64::from(page.published))
                .bind(published_at)
                .bind(now)
                .bind(id)
                .bind(site_id)
                .execute(&mut *tx)
                .await?
                .rows_affected();
                if n == 0 {
                    return Err(Error::Invalid {
                        field: "page",
                        reason: format!("no page {id} on this site"),
                    });
                }
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
        sqlx::query(
            "INSERT INTO page_revisions (page_id, kind, slug, title, summary, body_md, published, published_at, \
             saved_at, saved_by) SELECT id, kind, slug, title, summary, body_md, published, published_at, ?, ? \
             FROM pages WHERE id = ?",
        )
        .bind(now)
        .bind(by)
        .bind(id)
        .execute(&mut *tx)
        .await?;
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(id)
    }

    /// Publishes or unpublishes a page; false if there is no such page.
    pub async fn set_published(&self, site_id: i64, slug: &str, published: bool) -> Result<bool> {
        let mut tx = crate::begin_write(&self.pool).await?;
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

    /// Moves a page to the trash (or back, with `trashed = false`); false if there is no such
    /// page. Trashed pages are invisible to visitors and keep every revision.
    pub async fn set_trashed(&self, site_id: i64, id: i64, trashed: bool) -> Result<bool> {
        let mut tx = crate::begin_write(&self.pool).await?;
        let done = sqlx::query("UPDATE pages SET deleted_at = ? WHERE id = ? AND site_id = ?")
            .bind(if trashed { Some(crate::now()) } else { None })
            .bind(id)
            .bind(site_id)
            .execute(&mut *tx)
            .await?
            .rows_affected();
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(done > 0)
    }

    /// Moves the page at `slug` to the trash; false if there is none.
    pub async fn trash_page(&self, site_id: i64, slug: &str) -> Result<bool> {
        let row = sqlx::query(
            "SELECT id FROM pages WHERE site_id = ? AND slug = ? AND deleted_at IS NULL",
        )
        .bind(site_id)
        .bind(slug)
        .fetch_optional(&self.pool)
        .await?;
        match row {
            Some(r) => self.set_trashed(site_id, r.try_get(0)?, true).await,
            None => Ok(false),
        }
    }

    /// Sets the language of one page of the site (`None`: the site's). Counts as a content
    /// change, so the page is written again in it.
    pub async fn set_page_lang(&self, site_id: i64, id: i64, lang: Option<&str>) -> Result<()> {
        let mut tx = self.pool.begin().await?;
        let changed = sqlx::query(
            "UPDATE pages SET lang = ? WHERE id = ? AND site_id = ? \
             AND ((lang IS NULL) <> (? IS NULL) OR lang <> ?)",
        )
        .bind(lang)
        .bind(id)
        .bind(site_id)
        .bind(lang)
        .bind(lang)
        .execute(&mut *tx)
        .await?
        .rows_affected();
        if changed > 0 {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(())
    }

    /// Makes the site's image `stored_name` its icon (`None`: no icon). Only an image of the
    /// site that is served (not deleted or quarantined) can be chosen; `false` otherwise.
    pub async fn set_site_icon(&self, site_id: i64, stored_name: Option<&str>) -> Result<bool> {
        let mut tx = self.pool.begin().await?;
        let changed = match stored_name {
            Some(name) => sqlx::query(
                "UPDATE sites SET icon = ? WHERE id = ? AND EXISTS (SELECT 1 FROM media \
                 WHERE site_id = ? AND stored_name = ? AND content_type LIKE 'image/%' \
                 AND deleted_at IS NULL AND quarantined_at IS NULL)",
            )
            .bind(name)
            .bind(site_id)
            .bind(site_id)
            .bind(name)
            .execute(&mut *tx)
            .await?
            .rows_affected(),
            None => sqlx::query("UPDATE sites SET icon = NULL WHERE id = ?")
                .bind(site_id)
                .execute(&mut *tx)
                .await?
                .rows_affected(),
        };
        if changed > 0 {
            bump(&mut tx).await?;
        }
        tx.commit().await?;
        Ok(changed > 0)
    }

    /// One page with everything the editor shows, drafts and trashed pages included.
    pub async fn page_source(&self, site_id: i64, id: i64) -> Result<Option<PageSource>> {
        let row = sqlx::query(
            "SELECT id, kind, slug, title, summary, body_md, published, published_at, updated_at, deleted_at, lang \
             FROM pages WHERE id = ? AND site_id = ?",
        )
        .bind(id)
        .bind(site_id)
        .fetch_optional(&self.pool)
        .await?;
        row.map(|r| {
            Ok(PageSource {
                id: r.try_get(0)?,
                kind: PageKind::parse(&r.try_get::<String, _>(1)?),
                slug: r.try_get(2)?,
                title: r.try_get(3)?,
                summary: r.try_get(4)?,
                body_md: r.try_get(5)?,
                published: r.try_get::<i64, _>(6)? != 0,
                published_at: r.try_get(7)?,
                updated_at: r.try_get(8)?,
                deleted_at: r.try_get(9)?,
                lang: r.try_get(10)?,
            })
        })
        .transpose()
    }

    /// The saved versions of a page, newest first.
    pub async fn revisions(&self, page_id: i64) -> Result<Vec<Revision>> {
        let rows = sqlx::query(
            "SELECT id, page_id, kind, slug, title, summary, body_md, published, published_at, saved_at, saved_by \
             FROM page_revisions WHERE page_id = ? ORDER BY id DESC",
        )
        .bind(page_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(revision_from_row).collect()
    }

    /// Puts a page back to the content of one of its revisions (saved as a new revision).
    pub async fn restore_revision(&self, site_id: i64, revision_id: i64, by: &str) -> Result<i64> {
        let row = sqlx::query(
            "SELECT r.id, r.page_id, r.kind, r.slug, r.title, r.summary, r.body_md, r.published, r.published_at, \
             r.saved_at, r.saved_by FROM page_revisions r JOIN pages p ON p.id = r.page_id \
             WHERE r.id = ? AND p.site_id = ?",
        )
        .bind(revision_id)
        .bind(site_id)
        .fetch_optional(&self.pool)
        .await?;
        let Some(rev) = row.map(|r| revision_from_row(&r)).transpose()? else {
            return Err(Error::Invalid {
                field: "revision",
                reason: format!("no revision {revision_id} on this site"),
            });
        };
        let page = NewPage {
            kind: rev.kind,
            slug: rev.slug,
            title: rev.title,
            summary: rev.summary,
            body_md: rev.body_md,
            published: rev.published,
            published_at: rev.published_at,
        };
        self.save_page(site_id, Some(rev.page_id), page, by).await
    }

    /// Every page and post of a site, drafts included, by path.
    pub async fn pages(&self, site_id: i64) -> Result<Vec<PageSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, published, published_at, updated_at \
             FROM pages WHERE site_id = ? AND deleted_at IS NULL ORDER BY slug",
        )
        .bind(site_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// Pages in the trash, most recently trashed first.
    pub async fn trashed(&self, site_id: i64) -> Result<Vec<PageSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, published, published_at, updated_at \
             FROM pages WHERE site_id = ? AND deleted_at IS NOT NULL ORDER BY deleted_at DESC",
        )
        .bind(site_id)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(summary_from_row).collect()
    }

    /// The site's menu in order.
    pub async fn menu(&self, site_id: i64) -> Result<Vec<MenuItem>> {
        crate::reader::load_menu(&self.pool, site_id).await
    }

    /// Replaces the site's menu.
    pub async fn set_menu(&self, site_id: i64, items: &[MenuItem]) -> Result<()> {
        let mut tx = crate::begin_write(&self.pool).await?;
        sqlx::query("DELETE FROM menu_items WHERE site_id = ?")
            .bind(site_id)
            .execute(&mut *tx)
            .await?;
        for (pos, item) in items.iter().enumerate() {
            sqlx::query(
                "INSERT INTO menu_items (site_id, position, label, href, child) VALUES (?, ?, ?, ?, ?)",
            )
            .bind(site_id)
            .bind(pos as i64)
            .bind(&item.label)
            .bind(&item.href)
            // The first item has nothing above it to be under.
            .bind(i64::from(item.child && pos > 0))
            .execute(&mut *tx)
            .await?;
        }
        bump(&mut tx).await?;
        tx.commit().await?;
        Ok(())
    }
}

fn summary_from_row(r: &sqlx::any::AnyRow) -> Result<PageSummary> {
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
}

fn revision_from_row(r: &sqlx::any::AnyRow) -> Result<Revision> {
    Ok(Revision {
        id: r.try_get(0)?,
        page_id: r.try_get(1)?,
        kind: PageKind::parse(&r.try_get::<String, _>(2)?),
        slug: r.try_get(3)?,
        title: r.try_get(4)?,
        summary: r.try_get(5)?,
        body_md: r.try_get(6)?,
        published: r.try_get::<i64, _>(7)? != 0,
        published_at: r.try_get(8)?,
        saved_at: r.try_get(9)?,
        saved_by: r.try_get(10)?,
    })
}
