//! Bolwerk's files are its owner's alone: directories 0700, files 0600. The data directory
//! holds password hashes, TOTP seeds, the form-token key and private keys, so no other local
//! user may read any of it.
//!
//! The binary sets umask 077 at start, so whatever it creates (SQLite's files included) is
//! private. The helpers here give the same modes where the umask is wider (the test kit, a
//! library user), and [`make_private`] takes away what an older version, a copy or an
//! operator left readable; [`crate::app::prepare`] runs it on every start.

use std::io;
use std::path::{Path, PathBuf};

/// Mode of every directory Bolwerk makes.
pub const DIR_MODE: u32 = 0o700;
/// Mode of every file Bolwerk writes.
pub const FILE_MODE: u32 = 0o600;

/// Creates `dir` and its missing parents, each readable by its owner only.
pub fn create_dir(dir: &Path) -> io::Result<()> {
    use std::os::unix::fs::DirBuilderExt;
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
}

/// [`create_dir`] for async code.
pub async fn create_dir_async(dir: &Path) -> io::Result<()> {
    tokio::fs::DirBuilder::new()
        .recursive(true)
        .mode(DIR_MODE)
        .create(dir)
        .await
}

/// Writes `data` to `path` (created or truncated), readable by its owner only, also when the
/// file was there before with a wider mode; synced before it returns.
pub fn write(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::io::Write;
    use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
    let mut f = std::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)?;
    f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))?;
    f.write_all(data)?;
    f.sync_all()
}

/// [`write`] for async code.
pub async fn write_async(path: &Path, data: &[u8]) -> io::Result<()> {
    use std::os::unix::fs::PermissionsExt;
    use tokio::io::AsyncWriteExt;
    let mut f = tokio::fs::OpenOptions::new()
        .write(true)
        .create(true)
        .truncate(true)
        .mode(FILE_MODE)
        .open(path)
        .await?;
    f.set_permissions(std::fs::Permissions::from_mode(FILE_MODE))
        .await?;
    f.write_all(data).await?;
    f.sync_all().await
}

/// A path whose group and other permissions were taken away.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Fixed {
    /// The file or directory.
    pub path: PathBuf,
    /// Its mode before (permission bits only).
    pub before: u32,
    /// Its mode now.
    pub after: u32,
}

/// What [`make_private`] did: the paths it fixed and those it could not.
#[derive(Debug, Default)]
pub struct Report {
    /// Fixed paths, in the order met.
    pub fixed: Vec<Fixed>,
    /// Paths that could not be read or changed (owned by another user, say), and why.
    pub failed: Vec<(PathBuf, io::Error)>,
}

/// Takes group and other permissions away from `root` and, if it is a directory, from
/// everything below it. Symbolic links below `root` are neither changed nor followed (a link
/// can point out of the data directory); `root` itself is followed, as the operator named it.
/// A path that vanishes meanwhile (SQLite's `-wal`) is skipped. A `root` that does not exist
/// is no error.
pub fn make_private(root: &Path) -> Report {
    let mut report = Report::default();
    let mut todo = vec![root.to_path_buf()];
    while let Some(path) = todo.pop() {
        let meta = if path == root {
            std::fs::metadata(&path)
        } else {
            std::fs::symlink_metadata(&path)
        };
        let meta = match meta {
            Ok(m) => m,
            Err(e) if e.kind() == io::ErrorKind::NotFound => continue,
            Err(e) => {
                report.failed.push((path, e));
                continue;
            }
        };
        if meta.file_type().is_symlink() {
            continue;
        }
        fix_mode(&path, &meta, &mut report);
        if meta.is_dir() {
            match std::fs::read_dir(&path) {
                Ok(entries) => {
                    let mut below: Vec<PathBuf> =
                        entries.filter_map(|e| e.ok().map(|e| e.path())).collect();
                    below.sort();
                    below.reverse();
                    todo.extend(below);
                }
                Err(e) if e.kind() == io::ErrorKind::NotFound => {}
                Err(e) => report.failed.push((path, e)),
            }
        }
    }
    report
}

fn fix_mode(path: &Path, meta: &std::fs::Metadata, report: &mut Report) {
    use std::os::unix::fs::PermissionsExt;
    let before = meta.permissions().mode() & 0o7777;
    if before & 0o077 == 0 {
        return;
    }
    let after = before & !0o077;
    match std::fs::set_permissions(path, std::fs::Permissions::from_mode(after)) {
        Ok(()) => report.fixed.push(Fixed {
            path: path.to_path_buf(),
            before,
            after,
        }),
        Err(e) if e.kind() == io::ErrorKind::NotFound => {}
        Err(e) => report.failed.push((path.to_path_buf(), e)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn mode(p: &Path) -> u32 {
        std::fs::symlink_metadata(p).unwrap().permissions().mode() & 0o7777
    }

    fn chmod(p: &Path, m: u32) {
        std::fs::set_permissions(p, std::fs::Permissions::from_mode(m)).unwrap();
    }

    #[test]
    fn wide_modes_are_narrowed_and_reported_links_left_alone() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().join("data");
        create_dir(&root.join("media")).unwrap();
        std::fs::write(root.join("bolwerk.db"), b"x").unwrap();
        std::fs::write(root.join("media/a.png"), b"x").unwrap();
        std::fs::write(dir.path().join("outside"), b"x").unwrap();
        std::os::unix::fs::symlink(dir.path().join("outside"), root.join("link")).unwrap();
        chmod(&root, 0o755);
        chmod(&root.join("media"), 0o775);
        chmod(&root.join("bolwerk.db"), 0o644);
        chmod(&root.join("media/a.png"), 0o666);
        chmod(&dir.path().join("outside"), 0o644);

        let report = make_private(&root);
        assert!(report.failed.is_empty(), "{:?}", report.failed);
        let fixed: Vec<(PathBuf, u32, u32)> = report
            .fixed
            .into_iter()
            .map(|f| (f.path, f.before, f.after))
            .collect();
        assert_eq!(
            fixed,
            vec![
                (root.clone(), 0o755, 0o700),
                (root.join("bolwerk.db"), 0o644, 0o600),
                (root.join("media"), 0o775, 0o700),
                (root.join("media/a.png"), 0o666, 0o600),
            ]
        );
        assert_eq!(mode(&dir.path().join("outside")), 0o644, "not followed");
        // Nothing left to do the second time.
        assert!(make_private(&root).fixed.is_empty());
        assert!(make_private(&dir.path().join("missing")).fixed.is_empty());
        // A data directory that is itself a link (to /srv, say) is followed.
        std::os::unix::fs::symlink(&root, dir.path().join("linked")).unwrap();
        chmod(&root.join("bolwerk.db"), 0o644);
        let fixed = make_private(&dir.path().join("linked")).fixed;
        assert_eq!(fixed.len(), 1, "{fixed:?}");
        assert_eq!(mode(&root.join("bolwerk.db")), 0o600);
    }

    #[test]
    fn written_files_and_made_directories_are_private_whatever_the_umask() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("a/b");
        create_dir(&sub).unwrap();
        assert_eq!(mode(&dir.path().join("a")), DIR_MODE);
        assert_eq!(mode(&sub), DIR_MODE);
        let file = sub.join("f");
        std::fs::write(&file, b"old").unwrap();
        chmod(&file, 0o644);
        write(&file, b"new").unwrap();
        assert_eq!(mode(&file), FILE_MODE, "an existing file is narrowed too");
        assert_eq!(std::fs::read(&file).unwrap(), b"new");
    }
}
