use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use crate::{Error, Result};

/// The `[database]` section of the config file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum DatabaseConfig {
    /// Embedded SQLite (the default): one file, the reader opens it read-only.
    Sqlite {
        /// Database file; default `<data_dir>/bolwerk.db`.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        path: Option<PathBuf>,
    },
    /// MariaDB/MySQL with one database user per role (made by `bolwerk db init`).
    #[serde(rename = "mysql")]
    MySql {
        /// File holding the reader user's URL (SELECT on published content only).
        reader_url_file: PathBuf,
        /// File holding the recorder user's URL (INSERT/SELECT on the append-only tables).
        recorder_url_file: PathBuf,
        /// File holding the editor user's URL (changes content).
        editor_url_file: PathBuf,
        /// Optional file holding an admin URL; when set, migrations run at start.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        admin_url_file: Option<PathBuf>,
    },
}

impl Default for DatabaseConfig {
    fn default() -> Self {
        DatabaseConfig::Sqlite { path: None }
    }
}

/// Reads a one-line secret file, trimming the trailing newline.
pub(crate) fn read_secret(path: &Path) -> Result<String> {
    std::fs::read_to_string(path)
        .map(|s| s.trim().to_string())
        .map_err(|source| Error::SecretFile {
            path: path.to_path_buf(),
            source,
        })
}
