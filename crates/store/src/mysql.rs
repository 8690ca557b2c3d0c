//! MariaDB/MySQL set-up: the database, its schema and one user per role with minimal GRANTs.
//!
//! | user             | may                                                              |
//! |------------------|------------------------------------------------------------------|
//! | `<prefix>_reader`   | SELECT on `published_pages`, `sites`, `site_hosts`, `menu_items`, `content_version`, `schema_migrations` |
//! | `<prefix>_recorder` | SELECT, INSERT on `security_events`, `audit_log`, `login_attempts`, `bans`; SELECT on `allowlist`, `rule_switches` |
//! | `<prefix>_editor`   | SELECT, INSERT, UPDATE, DELETE on content, `users`, `sessions`; SELECT on the rest |
//!
//! The reader cannot see drafts (no SELECT on `pages`, only on the view) and cannot write
//! anything; the recorder cannot rewrite history.

use rand::distr::{Alphanumeric, SampleString};
use sqlx::{AnyPool, AssertSqlSafe};

use crate::{Backend, Error, Result, migrate};

/// Tables visitors may read.
const READER_TABLES: &[&str] = &[
    "published_pages",
    "public_media",
    "public_media_variants",
    "sites",
    "site_hosts",
    "menu_items",
    "content_version",
    "schema_migrations",
];
/// Append-only tables.
const RECORDER_TABLES: &[&str] = &[
    "security_events",
    "audit_log",
    "login_attempts",
    "bans",
    "form_submissions",
    "mail_messages",
    "mail_events",
    "dmarc_reports",
];
/// Tables the recorder (the shield) only reads.
const RECORDER_READS: &[&str] = &["allowlist", "rule_switches"];
/// Content tables the editor changes.
const EDITOR_TABLES: &[&str] = &[
    "user_emails",
    "password_resets",
    "sites",
    "site_hosts",
    "pages",
    "page_revisions",
    "menu_items",
    "content_version",
    "users",
    "user_sites",
    "submission_states",
    "sessions",
    "recovery_codes",
    "settings",
    "media",
    "media_variants",
    "bans",
    "allowlist",
    "rule_switches",
];

/// What `init` made: one URL per role, to be stored in the `*_url_file`s.
#[derive(Debug)]
pub struct Credentials {
    /// Reader user's URL.
    pub reader_url: String,
    /// Recorder user's URL.
    pub recorder_url: String,
    /// Editor user's URL.
    pub editor_url: String,
}

/// Options for [`init`].
#[derive(Clone, Debug)]
pub struct InitOptions {
    /// Database (schema) name, e.g. `bolwerk`.
    pub database: String,
    /// Prefix for the three user names, e.g. `bolwerk` gives `bolwerk_reader`.
    pub user_prefix: String,
    /// Host part of the users (`%`, `localhost`, `10.0.0.%`).
    pub user_host: String,
}

fn check_ident(what: &'static str, s: &str) -> Result<()> {
    let ok =
        !s.is_empty() && s.len() <= 32 && s.chars().all(|c| c.is_ascii_alphanumeric() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            field: what,
            reason: format!("{s:?}: use 1-32 letters, digits or _"),
        })
    }
}

fn check_host(s: &str) -> Result<()> {
    let ok = !s.is_empty()
        && s.len() <= 60
        && s.chars()
            .all(|c| c.is_ascii_alphanumeric() || ".-%_:".contains(c));
    if ok {
        Ok(())
    } else {
        Err(Error::Invalid {
            field: "user host",
            reason: format!("{s:?}: use letters, digits and . - % _ :"),
        })
    }
}

/// Creates (or updates) the database, migrates it, and (re)creates the three users with fresh
/// random passwords. Safe to run again: it resets the passwords and re-applies the GRANTs.
///
/// Identifiers cannot be bound as parameters in DDL, so they are checked against a strict
/// alphabet before they are put into the statements.
pub async fn init(admin_url: &str, opts: &InitOptions) -> Result<Credentials> {
    check_ident("database", &opts.database)?;
    check_ident("user prefix", &opts.user_prefix)?;
    check_host(&opts.user_host)?;
    let admin = crate::connect(admin_url, 1).await?;
    let db = &opts.database;
    exec(
        &admin,
        &format!(
            "CREATE DATABASE IF NOT EXISTS `{db}` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
        ),
    )
    .await?;
    admin.close().await;

    let db_admin_url = with_database(admin_url, db);
    let admin = crate::connect(&db_admin_url, 1).await?;
    migrate::run(&admin, Backend::MySql).await?;

    let mut urls = Vec::new();
    for role in ROLES {
        let user = format!("{}_{role}", opts.user_prefix);
        let password = Alphanumeric.sample_string(&mut rand::rng(), 32);
        let account = format!("'{user}'@'{}'", opts.user_host);
        // Passwords are alphanumeric, so quoting them inline is safe.
        exec(&admin, &format!("DROP USER IF EXISTS {account}")).await?;
        exec(
            &admin,
            &format!("CREATE USER {account} IDENTIFIED BY '{password}'"),
        )
        .await?;
        urls.push(role_url(admin_url, &user, &password, db));
    }
    apply_grants(&admin, opts).await?;
    exec(&admin, "FLUSH PRIVILEGES").await?;
    admin.close().await;
    let mut urls = urls.into_iter();
    let mut next = || urls.next().unwrap_or_default();
    Ok(Credentials {
        reader_url: next(),
        recorder_url: next(),
        editor_url: next(),
    })
}

/// Runs pending migrations with an admin URL and re-applies the role users' GRANTs, so tables
/// added by an upgrade are reachable (`bolwerk db migrate`). Passwords stay as they are.
pub async fn migrate(admin_url: &str, opts: &InitOptions) -> Result<()> {
    check_ident("database", &opts.database)?;
    check_ident("user prefix", &opts.user_prefix)?;
    check_host(&opts.user_host)?;
    let admin = crate::connect(&with_database(admin_url, &opts.database), 1).await?;
    migrate::run(&admin, Backend::MySql).await?;
    apply_grants(&admin, opts).await?;
    exec(&admin, "FLUSH PRIVILEGES").await?;
    admin.close().await;
    Ok(())
}

const ROLES: [&str; 3] = ["reader", "recorder", "editor"];

async fn apply_grants(admin: &AnyPool, opts: &InitOptions) -> Result<()> {
    let db = &opts.database;
    for (role, grants) in [
        ("reader", reader_grants(db)),
        ("recorder", recorder_grants(db)),
        ("editor", editor_grants(db)),
    ] {
        let account = format!("'{}_{role}'@'{}'", opts.user_prefix, opts.user_host);
        for grant in grants {
            exec(admin, &format!("{grant} TO {account}")).await?;
        }
    }
    Ok(())
}

/// Drops the database and the three users (used by tests and `bolwerk db drop`).
pub async fn drop_all(admin_url: &str, opts: &InitOptions) -> Result<()> {
    check_ident("database", &opts.database)?;
    check_ident("user prefix", &opts.user_prefix)?;
    check_host(&opts.user_host)?;
    let admin = crate::connect(admin_url, 1).await?;
    for role in ROLES {
        let account = format!("'{}_{role}'@'{}'", opts.user_prefix, opts.user_host);
        exec(&admin, &format!("DROP USER IF EXISTS {account}")).await?;
    }
    exec(
        &admin,
        &format!("DROP DATABASE IF EXISTS `{}`", opts.database),
    )
    .await?;
    admin.close().await;
    Ok(())
}

/// Runs DDL built from identifiers that passed `check_ident`/`check_host` and generated
/// alphanumeric passwords: the only dynamic SQL in Bolwerk.
async fn exec(pool: &AnyPool, sql: &str) -> Result<()> {
    sqlx::raw_sql(AssertSqlSafe(sql.to_string()))
        .execute(pool)
        .await?;
    Ok(())
}

fn reader_grants(db: &str) -> Vec<String> {
    READER_TABLES
        .iter()
        .map(|t| format!("GRANT SELECT ON `{db}`.`{t}`"))
        .collect()
}

fn recorder_grants(db: &str) -> Vec<String> {
    let mut g: Vec<String> = RECORDER_TABLES
        .iter()
        .map(|t| format!("GRANT SELECT, INSERT ON `{db}`.`{t}`"))
        .collect();
    // The shield reads what administrators tuned; it cannot change it.
    for t in RECORDER_READS {
        g.push(format!("GRANT SELECT ON `{db}`.`{t}`"));
    }
    g
}

fn editor_grants(db: &str) -> Vec<String> {
    let mut g: Vec<String> = EDITOR_TABLES
        .iter()
        .map(|t| format!("GRANT SELECT, INSERT, UPDATE, DELETE ON `{db}`.`{t}`"))
        .collect();
    for t in [
        "published_pages",
        "schema_migrations",
        "security_events",
        "audit_log",
        "form_submissions",
        "mail_messages",
        "dmarc_reports",
    ] {
        g.push(format!("GRANT SELECT ON `{db}`.`{t}`"));
    }
    // Administrators send a dead letter again by appending to its history; they cannot
    // change or delete what happened.
    g.push(format!("GRANT SELECT, INSERT ON `{db}`.`mail_events`"));
    g
}

/// Replaces the path of a `mysql://` URL with `/db`, keeping the query string.
fn with_database(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let after_scheme = base.find("://").map(|i| i + 3).unwrap_or(0);
    let host_end = base[after_scheme..]
        .find('/')
        .map(|i| after_scheme + i)
        .unwrap_or(base.len());
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

/// The admin URL with another user, password and database.
fn role_url(admin_url: &str, user: &str, password: &str, db: &str) -> String {
    let with_db = with_database(admin_url, db);
    let after_scheme = with_db.find("://").map(|i| i + 3).unwrap_or(0);
    let rest = &with_db[after_scheme..];
    let host_part = match rest.rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    format!("{}{user}:{password}@{host_part}", &with_db[..after_scheme])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/", "b"),
            "mysql://root@127.0.0.1:3306/b"
        );
        assert_eq!(with_database("mysql://root@h", "b"), "mysql://root@h/b");
        assert_eq!(
            with_database("mysql://r:p@h/x?ssl-mode=required", "b"),
            "mysql://r:p@h/b?ssl-mode=required"
        );
        assert_eq!(
            role_url("mysql://root:pw@h:3306/", "u", "p", "b"),
            "mysql://u:p@h:3306/b"
        );
        assert_eq!(
            role_url("mysql://h:3306", "u", "p", "b"),
            "mysql://u:p@h:3306/b"
        );
    }

    #[test]
    fn identifiers_are_checked() {
        assert!(check_ident("database", "bolwerk_1").is_ok());
        assert!(check_ident("database", "b`; DROP").is_err());
        assert!(check_host("%").is_ok());
        assert!(check_host("x' OR 1").is_err());
    }
}
