//! The database: schema, versioned migrations, and the three role handles.
//!
//! Public request handlers get a [`Reader`] (SELECT on published content only), the security
//! and audit trail goes through a [`Recorder`] (append-only), and content changes through an
//! [`Editor`]. The separation holds by type (a `Reader` has no writing method) and in the
//! database: on SQLite the reader opens the file read-only, on MariaDB/MySQL each role is its
//! own database user with its own GRANTs (see [`mysql::init`]).
//!
//! Writing through a reader does not compile:
//!
//! ```compile_fail
//! async fn public_handler(reader: store::Reader, page: store::NewPage) {
//!     reader.put_page(1, page, "visitor").await;
//! }
//! ```

mod bans;
mod config;
mod dmarc;
mod editor;
mod error;
mod inbox;
mod login_history;
mod mail;
mod media;
mod migrate;
mod model;
pub mod mysql;
mod reader;
mod recorder;
mod reset;
pub mod search;
mod second_factor;
mod shield_admin;
mod site_access;
mod users;

use std::path::Path;
use std::time::{SystemTime, UNIX_EPOCH};

use sqlx::AnyPool;
use sqlx::any::AnyPoolOptions;

pub use bans::{BY_ADMIN, BY_CLI, BY_WEB, BanChanges, NewBan, StoredBan};
pub use config::DatabaseConfig;
pub use dmarc::DmarcReport;
pub use editor::Editor;
pub use error::{Error, Result};
pub use inbox::{InboxMessage, MessageCounts};
pub use mail::{
    MailEvent, NewMail, NewSubmission, QueuedMail, Recorded, SENDING_LEASE_S, Submission,
};
pub use media::{
    ImageInfo, Media, NewMedia, NewVariant, RescanPass, ScanCounts, Signatures, StoredFile,
    daily_of,
};
pub use model::{
    MenuItem, NewPage, Page, PageKind, PageSource, PageSummary, Revision, Site, validate_slug,
};
pub use reader::Reader;
pub use recorder::{AuditEntry, Recorder};
pub use search::{SearchHit, Terms};
pub use shield_admin::{AllowEntry, RuleSwitch, SecurityEvent};
pub use users::{
    FailureCounts, LoginAttempt, LoginFilter, LoginResult, NewSession, Role, Session, SessionStage,
    User, clip,
};

/// The database engine behind the handles; SQL differs between them only in migrations.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    /// Embedded SQLite file in the data directory.
    Sqlite,
    /// MariaDB or MySQL server with three database users.
    MySql,
}

/// All three handles of one database.
#[derive(Clone, Debug)]
pub struct Store {
    /// Read-only handle for public pages.
    pub reader: Reader,
    /// Append-only handle for security events and the audit log.
    pub recorder: Recorder,
    /// Read-write handle for content changes (admin interface, CLI).
    pub editor: Editor,
    /// Which engine this is.
    pub backend: Backend,
}

/// File name of the embedded database inside the data directory.
pub const SQLITE_FILE: &str = "bolwerk.db";

impl Store {
    /// Opens the database described by `config`, running pending migrations first.
    ///
    /// For SQLite the file lives in `data_dir` and is created if absent. For MySQL the schema is
    /// migrated with the admin URL when one is configured; otherwise it must already be current.
    pub async fn open(config: &DatabaseConfig, data_dir: &Path) -> Result<Store> {
        sqlx::any::install_default_drivers();
        match config {
            DatabaseConfig::Sqlite { path } => {
                let path = match path {
                    Some(p) => p.clone(),
                    None => data_dir.join(SQLITE_FILE),
                };
                open_sqlite(&path).await
            }
            DatabaseConfig::MySql {
                reader_url_file,
                recorder_url_file,
                editor_url_file,
                admin_url_file,
            } => {
                let read = |p: &Path| config::read_secret(p);
                let reader_url = read(reader_url_file)?;
                let recorder_url = read(recorder_url_file)?;
                let editor_url = read(editor_url_file)?;
                if let Some(admin) = admin_url_file {
                    let admin_pool = connect(&read(admin)?, 1).await?;
                    migrate::run(&admin_pool, Backend::MySql).await?;
                    admin_pool.close().await;
                }
                let editor = connect(&editor_url, 4).await?;
                migrate::check_current(&editor, Backend::MySql).await?;
                Ok(Store {
                    reader: Reader::new(connect(&reader_url, 8).await?),
                    recorder: Recorder::new(connect(&recorder_url, 2).await?),
                    editor: Editor::new(editor),
                    backend: Backend::MySql,
                })
            }
        }
    }

    /// Closes all pools, waiting for queries in flight.
    pub async fn close(&self) {
        self.reader.pool().close().await;
        self.recorder.pool().close().await;
        self.editor.pool().close().await;
    }
}

async fn open_sqlite(path: &Path) -> Result<Store> {
    use std::os::unix::fs::{DirBuilderExt, OpenOptionsExt};
    if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
        std::fs::DirBuilder::new()
            .recursive(true)
            .mode(0o700)
            .create(dir)
            .map_err(|source| Error::Io {
                what: format!("creating database directory {}", dir.display()),
                source,
            })?;
    }
    // The file is made here, readable by its owner only, before SQLite opens it: SQLite
    // creates the `-wal` and `-shm` files with the database file's mode, and would make the
    // database itself 0644 under a wide umask. (An empty file is an empty database.)
    match std::fs::OpenOptions::new()
        .write(true)
        .create_new(true)
        .mode(0o600)
        .open(path)
    {
        Ok(_) => {}
        Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
        Err(source) => {
            return Err(Error::Io {
                what: format!("creating database {}", path.display()),
                source,
            });
        }
    }
    let url = sqlite_url(path);
    // The editor opens (and creates) the file first and switches it to WAL, which persists in
    // the file, so readers never block on the writer.
    let editor = connect(&format!("{url}?mode=rwc"), 1).await?;
    sqlx::raw_sql("PRAGMA journal_mode=WAL")
        .execute(&editor)
        .await?;
    migrate::run(&editor, Backend::Sqlite).await?;
    let recorder = connect(&format!("{url}?mode=rw"), 1).await?;
    // SQLITE_OPEN_READONLY: the database itself refuses writes on these connections.
    let reader = connect(&format!("{url}?mode=ro"), 8).await?;
    Ok(Store {
        reader: Reader::new(reader),
        recorder: Recorder::new(recorder),
        editor: Editor::new(editor),
        backend: Backend::Sqlite,
    })
}

/// Whether a failed statement broke a UNIQUE constraint (a second writer was first, or the
/// row exists): the append-only tables use this instead of checking first.
pub(crate) fn is_unique_violation(e: &sqlx::Error) -> bool {
    e.as_database_error()
        .is_some_and(|d| d.is_unique_violation())
}

/// `sqlite://` URL for a file path, with the characters that would break the URL escaped.
fn sqlite_url(path: &Path) -> String {
    let abs = std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf());
    let mut url = String::from("sqlite://");
    for c in abs.to_string_lossy().chars() {
        match c {
            '%' => url.push_str("%25"),
            '?' => url.push_str("%3F"),
            '#' => url.push_str("%23"),
            ' ' => url.push_str("%20"),
            c => url.push(c),
        }
    }
    url
}

async fn connect(url: &str, max: u32) -> Result<AnyPool> {
    sqlx::any::install_default_drivers();
    AnyPoolOptions::new()
        .max_connections(max)
        .acquire_timeout(std::time::Duration::from_secs(10))
        .connect(url)
        .await
        .map_err(|source| Error::Connect {
            target: redact_url(url),
            source,
        })
}

/// Begins a transaction that writes. On SQLite it takes the write lock at once (`BEGIN
/// IMMEDIATE`, waiting for it as long as the busy timeout allows): a deferred transaction
/// that reads first is refused at once ("database is locked") when it then wants to write
/// while the other writing connection (the editor's or the recorder's) holds the lock or
/// wrote since its read, and an editor's save or a visitor's message would be lost to a 500.
pub(crate) async fn begin_write(pool: &AnyPool) -> Result<sqlx::Transaction<'static, sqlx::Any>> {
    if pool.connect_options().database_url.scheme() == "sqlite" {
        Ok(pool.begin_with("BEGIN IMMEDIATE").await?)
    } else {
        Ok(pool.begin().await?)
    }
}

/// The URL without its password, safe for error messages and logs.
pub fn redact_url(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(scheme_end), Some(at)) if at > scheme_end => {
            let creds = &url[scheme_end + 3..at];
            let user = creds.split(':').next().unwrap_or("");
            format!("{}://{}:***@{}", &url[..scheme_end], user, &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Seconds since the Unix epoch; the clock all stored times use.
pub fn now() -> i64 {
    Clock::system().now()
}

/// The time as a running server reads it: the wall clock, which a test may move forward
/// ([`Clock::advance`]) instead of sleeping. Cheap to clone; clones move together.
#[derive(Clone, Debug, Default)]
pub struct Clock {
    /// Milliseconds added to the wall clock (`None`: the wall clock as it is).
    offset_ms: Option<std::sync::Arc<std::sync::atomic::AtomicI64>>,
}

impl Clock {
    /// The wall clock.
    pub fn system() -> Clock {
        Clock::default()
    }

    /// The wall clock, movable forward by [`Clock::advance`] (for tests).
    pub fn movable() -> Clock {
        Clock {
            offset_ms: Some(Default::default()),
        }
    }

    /// Moves a movable clock `secs` seconds forward (and every clone with it); no effect on
    /// the wall clock.
    pub fn advance(&self, secs: i64) {
        if let Some(o) = &self.offset_ms {
            o.fetch_add(
                secs.saturating_mul(1000),
                std::sync::atomic::Ordering::Relaxed,
            );
        }
    }

    /// Milliseconds since the Unix epoch.
    pub fn now_ms(&self) -> i64 {
        let wall = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
            .unwrap_or(0);
        let offset = self
            .offset_ms
            .as_ref()
            .map_or(0, |o| o.load(std::sync::atomic::Ordering::Relaxed));
        wall.saturating_add(offset)
    }

    /// Seconds since the Unix epoch.
    pub fn now(&self) -> i64 {
        self.now_ms().div_euclid(1000)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn redacts_password() {
        assert_eq!(
            redact_url("mysql://bolwerk_reader:s3cret@127.0.0.1:3306/bolwerk"),
            "mysql://bolwerk_reader:***@127.0.0.1:3306/bolwerk"
        );
        assert_eq!(redact_url("sqlite:///tmp/x.db"), "sqlite:///tmp/x.db");
    }

    #[test]
    fn sqlite_url_escapes() {
        let url = sqlite_url(Path::new("/tmp/a b/c?d.db"));
        assert_eq!(url, "sqlite:///tmp/a%20b/c%3Fd.db");
    }
}
