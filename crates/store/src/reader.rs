use sqlx::any::AnyRow;
use sqlx::{AnyPool, Row};

use crate::Result;
use crate::model::{MenuItem, Page, PageKind, PageSummary, Site};

/// Read-only access to published content: the only handle public request handlers get.
///
/// It has no method that writes, and its connections cannot write either: on SQLite they are
/// opened with `mode=ro`, on MySQL they log in as a user with SELECT on published content only.
#[derive(Clone, Debug)]
pub struct Reader {
    pool: AnyPool,
}

impl Reader {
    pub(crate) fn new(pool: AnyPool) -> Reader {
        Reader { pool }
    }

    pub(crate) fn pool(&self) -> &AnyPool {
        &self.pool
    }

    /// Executes raw SQL as the reader, for tests that prove the database refuses writes.
    #[doc(hidden)]
    pub async fn execute_raw_for_test(&self, sql: &str) -> Result<u64> {
        Ok(sqlx::query(sqlx::AssertSqlSafe(sql.to_string()))
            .execute(&self.pool)
            .await?
            .rows_affected())
    }

    /// The content version; it changes whenever an editor changes anything visible.
    pub async fn content_version(&self) -> Result<i64> {
        let row = sqlx::query("SELECT version FROM content_version WHERE id = 1")
            .fetch_one(&self.pool)
            .await?;
        Ok(row.try_get(0)?)
    }

    /// Every host name with the site that answers for it.
    pub async fn hosts(&self) -> Result<Vec<(String, i64)>> {
        let rows = sqlx::query("SELECT host, site_id FROM site_hosts")
            .fetch_all(&self.pool)
            .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A site by id.
    pub async fn site(&self, id: i64) -> Result<Option<Site>> {
        let row = sqlx::query("SELECT id, name, title, tagline, icon FROM sites WHERE id = ?")
            .bind(id)
            .fetch_optional(&self.pool)
            .await?;
        row.map(|r| site_from_row(&r)).transpose()
    }

    /// When each site's next page or post scheduled after `now` goes live: `(site id, Unix
    /// seconds)` for the sites that have one.
    pub async fn next_scheduled(&self, now: i64) -> Result<Vec<(i64, i64)>> {
        let rows = sqlx::query(
            "SELECT site_id, MIN(published_at) FROM published_pages WHERE published_at > ? \
             GROUP BY site_id",
        )
        .bind(now)
        .fetch_all(&self.pool)
        .await?;
        rows.iter()
            .map(|r| Ok((r.try_get(0)?, r.try_get(1)?)))
            .collect()
    }

    /// A published page or post by its path, as visitors see it at `now` (Unix seconds): one
    /// scheduled for later is not there yet.
    pub async fn page(&self, site_id: i64, slug: &str, now: i64) -> Result<Option<Page>> {
        let row = sqlx::query(
            "SELECT id, kind, slug, title, summary, body_md, published_at, updated_at, lang \
             FROM published_pages WHERE site_id = ? AND slug = ? \
             AND (published_at IS NULL OR published_at <= ?)",
        )
        .bind(site_id)
        .bind(slug)
        .bind(now)
        .fetch_optional(&self.pool)
        .await?;
        row.as_ref().map(page_from_row).transpose()
    }

    /// Published posts visitors see at `now`, newest first.
    pub async fn posts(&self, site_id: i64, limit: i64, now: i64) -> Result<Vec<PageSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, published_at, updated_at \
             FROM published_pages WHERE site_id = ? AND kind = 'post' \
             AND (published_at IS NULL OR published_at <= ?) \
             ORDER BY published_at DESC, id DESC LIMIT ?",
        )
        .bind(site_id)
        .bind(now)
        .bind(limit)
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
                    published: true,
                    published_at: r.try_get(5)?,
                    updated_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// Every page and post visitors can see at `now` (published, not in the trash, not dated
    /// later), by path: what the sitemap lists.
    pub async fn listing(&self, site_id: i64, now: i64) -> Result<Vec<PageSummary>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, published_at, updated_at \
             FROM published_pages WHERE site_id = ? \
             AND (published_at IS NULL OR published_at <= ?) ORDER BY slug",
        )
        .bind(site_id)
        .bind(now)
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
                    published: true,
                    published_at: r.try_get(5)?,
                    updated_at: r.try_get(6)?,
                })
            })
            .collect()
    }

    /// The newest `limit` posts visitors can see at `now`, with their text: what the feed
    /// shows (a post without a summary is described by its first paragraph).
    pub async fn feed_posts(&self, site_id: i64, now: i64, limit: i64) -> Result<Vec<Page>> {
        let rows = sqlx::query(
            "SELECT id, kind, slug, title, summary, body_md, published_at, updated_at, lang \
             FROM published_pages WHERE site_id = ? AND kind = 'post' \
             AND (published_at IS NULL OR published_at <= ?) \
             ORDER BY published_at DESC, id DESC LIMIT ?",
        )
        .bind(site_id)
        .bind(now)
        .bind(limit)
        .fetch_all(&self.pool)
        .await?;
        rows.iter().map(page_from_row).collect()
    }

    /// When the next published item dated after `now` becomes visible, if any: until then a
    /// listing made now stays true.
    pub async fn next_publication(&self, site_id: i64, now: i64) -> Result<Option<i64>> {
        let row = sqlx::query(
            "SELECT MIN(published_at) FROM published_pages \
             WHERE site_id = ? AND published_at > ?",
        )
        .bind(site_id)
        .bind(now)
        .fetch_one(&self.pool)
        .await?;
        Ok(row.try_get(0)?)
    }

    /// The site's main menu in order.
    pub async fn menu(&self, site_id: i64) -> Result<Vec<MenuItem>> {
        load_menu(&self.pool, site_id).await
    }
}

/// A row of `id, kind, slug, title, summary, body_md, published_at, updated_at, lang`.
fn page_from_row(r: &AnyRow) -> Result<Page> {
    Ok(Page {
        id: r.try_get(0)?,
        kind: PageKind::parse(&r.try_get::<String, _>(1)?),
        slug: r.try_get(2)?,
        title: r.try_get(3)?,
        summary: r.try_get(4)?,
        body_md: r.try_get(5)?,
        published_at: r.try_get(6)?,
        updated_at: r.try_get(7)?,
        lang: r.try_get(8)?,
    })
}

pub(crate) fn site_from_row(r: &AnyRow) -> Result<Site> {
    Ok(Site {
        id: r.try_get(0)?,
        name: r.try_get(1)?,
        title: r.try_get(2)?,
        tagline: r.try_get(3)?,
        icon: r.try_get(4)?,
    })
}

/// A site's menu in order; shared by the reader (public pages) and the editor (menu editor).
pub(crate) async fn load_menu(pool: &AnyPool, site_id: i64) -> Result<Vec<MenuItem>> {
    let rows = sqlx::query(
        "SELECT label, href, child FROM menu_items WHERE site_id = ? ORDER BY position, id",
    )
    .bind(site_id)
    .fetch_all(pool)
    .await?;
    rows.iter()
        .map(|r| {
            Ok(MenuItem {
                label: r.try_get(0)?,
                href: r.try_get(1)?,
                child: r.try_get::<i64, _>(2)? != 0,
            })
        })
        .collect()
}
