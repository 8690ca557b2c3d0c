use std::path::PathBuf;

/// What went wrong talking to the database. None of these are the visitor's fault.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database could not be reached or refused the credentials.
    #[error("cannot connect to {target}: {source}")]
    Connect {
        /// The URL with its password redacted.
        target: String,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// A query failed (includes permission errors for a role that may not write).
    #[error("database error: {0}")]
    Database(#[from] sqlx::Error),
    /// A migration failed; the database is left at the previous version.
    #[error("migration {version} ({name}) failed: {source}")]
    Migration {
        /// Version number of the failing migration.
        version: i64,
        /// Its file name.
        name: &'static str,
        /// The driver's error.
        source: sqlx::Error,
    },
    /// The database schema is older than this binary and no admin URL was given to migrate it.
    #[error(
        "database schema is at version {have}, this Bolwerk needs {want}: run `bolwerk db migrate --admin-url URL` or set database.admin_url_file"
    )]
    SchemaBehind {
        /// Version found in the database.
        have: i64,
        /// Version this binary carries.
        want: i64,
    },
    /// The database was migrated by a newer Bolwerk.
    #[error(
        "database schema is at version {have}, newer than this Bolwerk ({want}): upgrade the binary"
    )]
    SchemaAhead {
        /// Version found in the database.
        have: i64,
        /// Version this binary carries.
        want: i64,
    },
    /// A secret file (database URL) could not be read.
    #[error("cannot read {}: {source}", path.display())]
    SecretFile {
        /// The file.
        path: PathBuf,
        /// Why.
        source: std::io::Error,
    },
    /// A local file operation failed.
    #[error("{what}: {source}")]
    Io {
        /// What we were doing.
        what: String,
        /// Why it failed.
        source: std::io::Error,
    },
    /// Input that the store refuses to save.
    #[error("invalid {field}: {reason}")]
    Invalid {
        /// Which field.
        field: &'static str,
        /// Why.
        reason: String,
    },
}

/// Result with the store's error.
pub type Result<T, E = Error> = std::result::Result<T, E>;
