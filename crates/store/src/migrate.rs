//! Versioned migrations, embedded in the binary, one SQL file per version and backend.

use sqlx::{AnyPool, Row};

use crate::{Backend, Error, Result};

struct Migration {
    version: i64,
    name: &'static str,
    sqlite: &'static str,
    mysql: &'static str,
}

const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "0001_init",
        sqlite: include_str!("../migrations/sqlite/0001_init.sql"),
        mysql: include_str!("../migrations/mysql/0001_init.sql"),
    },
    Migration {
        version: 2,
        name: "0002_admin",
        sqlite: include_str!("../migrations/sqlite/0002_admin.sql"),
        mysql: include_str!("../migrations/mysql/0002_admin.sql"),
    },
    Migration {
        version: 3,
        name: "0003_second_factor",
        sqlite: include_str!("../migrations/sqlite/0003_second_factor.sql"),
        mysql: include_str!("../migrations/mysql/0003_second_factor.sql"),
    },
    Migration {
        version: 4,
        name: "0004_revisions_trash",
        sqlite: include_str!("../migrations/sqlite/0004_revisions_trash.sql"),
        mysql: include_str!("../migrations/mysql/0004_revisions_trash.sql"),
    },
    Migration {
        version: 5,
        name: "0005_media",
        sqlite: include_str!("../migrations/sqlite/0005_media.sql"),
        mysql: include_str!("../migrations/mysql/0005_media.sql"),
    },
    Migration {
        version: 6,
        name: "0006_bans",
        sqlite: include_str!("../migrations/sqlite/0006_bans.sql"),
        mysql: include_str!("../migrations/mysql/0006_bans.sql"),
    },
    Migration {
        version: 7,
        name: "0007_shield_admin",
        sqlite: include_str!("../migrations/sqlite/0007_shield_admin.sql"),
        mysql: include_str!("../migrations/mysql/0007_shield_admin.sql"),
    },
    Migration {
        version: 8,
        name: "0008_mail",
        sqlite: include_str!("../migrations/sqlite/0008_mail.sql"),
        mysql: include_str!("../migrations/mysql/0008_mail.sql"),
    },
    Migration {
        version: 9,
        name: "0009_dmarc",
        sqlite: include_str!("../migrations/sqlite/0009_dmarc.sql"),
        mysql: include_str!("../migrations/mysql/0009_dmarc.sql"),
    },
    Migration {
        version: 10,
        name: "0010_password_reset",
        sqlite: include_str!("../migrations/sqlite/0010_password_reset.sql"),
        mysql: include_str!("../migrations/mysql/0010_password_reset.sql"),
    },
    Migration {
        version: 11,
        name: "0011_ban_sources",
        sqlite: include_str!("../migrations/sqlite/0011_ban_sources.sql"),
        mysql: include_str!("../migrations/mysql/0011_ban_sources.sql"),
    },
    Migration {
        version: 12,
        name: "0012_media_scan",
        sqlite: include_str!("../migrations/sqlite/0012_media_scan.sql"),
        mysql: include_str!("../migrations/mysql/0012_media_scan.sql"),
    },
    Migration {
        version: 13,
        name: "0013_media_quarantine",
        sqlite: include_str!("../migrations/sqlite/0013_media_quarantine.sql"),
        mysql: include_str!("../migrations/mysql/0013_media_quarantine.sql"),
    },
    Migration {
        version: 14,
        name: "0014_user_sites",
        sqlite: include_str!("../migrations/sqlite/0014_user_sites.sql"),
        mysql: include_str!("../migrations/mysql/0014_user_sites.sql"),
    },
    Migration {
        version: 15,
        name: "0015_submission_states",
        sqlite: include_str!("../migrations/sqlite/0015_submission_states.sql"),
        mysql: include_str!("../migrations/mysql/0015_submission_states.sql"),
    },
    Migration {
        version: 16,
        name: "0016_media_alt",
        sqlite: include_str!("../migrations/sqlite/0016_media_alt.sql"),
        mysql: include_str!("../migrations/mysql/0016_media_alt.sql"),
    },
    Migration {
        version: 17,
        name: "0017_user_lang",
        sqlite: include_str!("../migrations/sqlite/0017_user_lang.sql"),
        mysql: include_str!("../migrations/mysql/0017_user_lang.sql"),
    },
    Migration {
        version: 18,
        name: "0018_page_lang",
        sqlite: include_str!("../migrations/sqlite/0018_page_lang.sql"),
        mysql: include_str!("../migrations/mysql/0018_page_lang.sql"),
    },
    Migration {
        version: 19,
        name: "0019_media_size",
        sqlite: include_str!("../migrations/sqlite/0019_media_size.sql"),
        mysql: include_str!("../migrations/mysql/0019_media_size.sql"),
    },
    Migration {
        version: 20,
        name: "0020_media_variants",
        sqlite: include_str!("../migrations/sqlite/0020_media_variants.sql"),
        mysql: include_str!("../migrations/mysql/0020_media_variants.sql"),
    },
    Migration {
        version: 21,
        name: "0021_search",
        sqlite: include_str!("../migrations/sqlite/0021_search.sql"),
        mysql: include_str!("../migrations/mysql/0021_search.sql"),
    },
    Migration {
        version: 22,
        name: "0022_menu_nesting",
        sqlite: include_str!("../migrations/sqlite/0022_menu_nesting.sql"),
        mysql: include_str!("../migrations/mysql/0022_menu_nesting.sql"),
    },
    Migration {
        version: 23,
        name: "0023_site_icon",
        sqlite: include_str!("../migrations/sqlite/0023_site_icon.sql"),
        mysql: include_str!("../migrations/mysql/0023_site_icon.sql"),
    },
    Migration {
        version: 24,
        name: "0024_search_stopwords",
        sqlite: include_str!("../migrations/sqlite/0024_search_stopwords.sql"),
        mysql: include_str!("../migrations/mysql/0024_search_stopwords.sql"),
    },
    Migration {
        version: 25,
        name: "0025_inbox_index",
        sqlite: include_str!("../migrations/sqlite/0025_inbox_index.sql"),
        mysql: include_str!("../migrations/mysql/0025_inbox_index.sql"),
    },
    Migration {
        version: 26,
        name: "0026_retired_sites",
        sqlite: include_str!("../migrations/sqlite/0026_retired_sites.sql"),
        mysql: include_str!("../migrations/mysql/0026_retired_sites.sql"),
    },
];

/// The schema version this binary expects.
pub fn latest() -> i64 {
    MIGRATIONS.last().map(|m| m.version).unwrap_or(0)
}

async fn ensure_table(pool: &AnyPool) -> Result<()> {
    sqlx::raw_sql(
        "CREATE TABLE IF NOT EXISTS schema_migrations (\
         version BIGINT NOT NULL PRIMARY KEY, name VARCHAR(100) NOT NULL, applied_at BIGINT NOT NULL)",
    )
    .execute(pool)
    .await?;
    Ok(())
}

/// The highest applied version, 0 for an empty database.
pub async fn current(pool: &AnyPool) -> Result<i64> {
    let row = sqlx::query("SELECT COALESCE(MAX(version), 0) FROM schema_migrations")
        .fetch_one(pool)
        .await?;
    Ok(row.try_get::<i64, _>(0)?)
}

/// Applies every migration newer than the database, each in its own transaction
/// (SQLite rolls a failed one back whole; MySQL commits DDL as it goes).
pub async fn run(pool: &AnyPool, backend: Backend) -> Result<()> {
    ensure_table(pool).await?;
    let have = current(pool).await?;
    if have > latest() {
        return Err(Error::SchemaAhead {
            have,
            want: latest(),
        });
    }
    for m in MIGRATIONS.iter().filter(|m| m.version > have) {
        let sql = match backend {
            Backend::Sqlite => m.sqlite,
            Backend::MySql => m.mysql,
        };
        let wrap = |source| Error::Migration {
            version: m.version,
            name: m.name,
            source,
        };
        let mut tx = pool.begin().await?;
        sqlx::raw_sql(sql).execute(&mut *tx).await.map_err(wrap)?;
        sqlx::query("INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)")
            .bind(m.version)
            .bind(m.name)
            .bind(crate::now())
            .execute(&mut *tx)
            .await
            .map_err(wrap)?;
        tx.commit().await.map_err(wrap)?;
        tracing::info!(
            migration.version = m.version,
            migration.name = m.name,
            "applied migration"
        );
    }
    Ok(())
}

/// Fails unless the schema is exactly the version this binary carries.
pub async fn check_current(pool: &AnyPool, _backend: Backend) -> Result<()> {
    let have = current(pool).await?;
    let want = latest();
    match have.cmp(&want) {
        std::cmp::Ordering::Less => Err(Error::SchemaBehind { have, want }),
        std::cmp::Ordering::Greater => Err(Error::SchemaAhead { have, want }),
        std::cmp::Ordering::Equal => Ok(()),
    }
}
