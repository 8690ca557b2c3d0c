//! Where the lists of notorious attackers come from: local files, or URLs downloaded into the
//! data directory. A download is only written over the cached copy once it parses, so a
//! broken or truncated download never empties a list.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result, bail};
use shield::blocklist::Blocklist;

/// A download larger than this is refused (the biggest public lists are a few MB).
pub const MAX_DOWNLOAD: u64 = 256 << 20;

/// One entry of `shield.blocklists`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Source {
    /// A file the operator (or a cron job) keeps.
    File(PathBuf),
    /// An `http://` or `https://` URL, cached in `<data_dir>/blocklists/`.
    Url(String),
}

impl Source {
    /// Reads a config entry: URLs by their scheme, anything else is a path.
    pub fn parse(entry: &str) -> Source {
        let lower = entry.to_ascii_lowercase();
        if lower.starts_with("http://") || lower.starts_with("https://") {
            Source::Url(entry.to_string())
        } else {
            Source::File(PathBuf::from(entry))
        }
    }

    /// The file the list is read from: the file itself, or the URL's cached copy.
    pub fn local_path(&self, data_dir: &Path) -> PathBuf {
        match self {
            Source::File(p) => p.clone(),
            Source::Url(u) => cache_dir(data_dir).join(cache_name(u)),
        }
    }

    /// For messages.
    pub fn label(&self) -> String {
        match self {
            Source::File(p) => p.display().to_string(),
            Source::Url(u) => u.clone(),
        }
    }
}

/// Where downloaded lists are kept.
pub fn cache_dir(data_dir: &Path) -> PathBuf {
    data_dir.join("blocklists")
}

/// A readable, stable file name for a URL: `www.spamhaus.org_drop_drop.txt.list`.
fn cache_name(url: &str) -> String {
    let rest = url.split_once("://").map(|(_, r)| r).unwrap_or(url);
    let mut name: String = rest
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '.' || c == '-' {
                c
            } else {
                '_'
            }
        })
        .take(150)
        .collect();
    name.push_str(".list");
    name
}

/// Checks a URL's shape (scheme and host) without fetching it.
pub fn check_url(url: &str) -> Result<()> {
    let parsed = reqwest::Url::parse(url).with_context(|| format!("{url:?} is not a URL"))?;
    if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
        bail!("{url:?}: only http:// and https:// URLs with a host");
    }
    Ok(())
}

/// What a download brought.
#[derive(Clone, Copy, Debug)]
pub struct Fetched {
    /// Bytes downloaded.
    pub bytes: u64,
    /// Merged ranges in the list.
    pub ranges: usize,
    /// Lines that were not addresses (headers of some formats), skipped.
    pub skipped: usize,
}

/// Downloads `url`, checks that it parses as a blocklist, and only then replaces `dest`
/// (atomically, via a temporary file). `progress` is told (bytes so far, total if known).
pub async fn download(
    url: &str,
    dest: &Path,
    mut progress: impl FnMut(u64, Option<u64>),
) -> Result<Fetched> {
    check_url(url)?;
    let _ = rustls::crypto::ring::default_provider().install_default();
    let client = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(15))
        .timeout(Duration::from_secs(300))
        .user_agent("bolwerk-blocklist/1")
        .build()
        .context("setting up the HTTP client")?;
    let mut res = client
        .get(url)
        .send()
        .await
        .with_context(|| format!("fetching {url}"))?;
    if !res.status().is_success() {
        bail!("fetching {url}: the server answered {}", res.status());
    }
    let total = res.content_length();
    if total.is_some_and(|n| n > MAX_DOWNLOAD) {
        bail!(
            "{url}: {} bytes is more than a blocklist can be",
            total.unwrap_or(0)
        );
    }
    let mut body = Vec::with_capacity(total.unwrap_or(0).min(MAX_DOWNLOAD) as usize);
    while let Some(chunk) = res
        .chunk()
        .await
        .with_context(|| format!("reading {url}"))?
    {
        body.extend_from_slice(&chunk);
        if body.len() as u64 > MAX_DOWNLOAD {
            bail!("{url}: more than {MAX_DOWNLOAD} bytes; refused");
        }
        progress(body.len() as u64, total);
    }
    let text = String::from_utf8(body).with_context(|| format!("{url}: not text"))?;
    let list = Blocklist::parse(&text).with_context(|| url.to_string())?;
    write_atomically(dest, text.as_bytes())
        .await
        .with_context(|| format!("saving {}", dest.display()))?;
    Ok(Fetched {
        bytes: text.len() as u64,
        ranges: list.len(),
        skipped: list.skipped(),
    })
}

async fn write_atomically(dest: &Path, bytes: &[u8]) -> std::io::Result<()> {
    if let Some(dir) = dest.parent() {
        crate::files::create_dir_async(dir).await?;
    }
    let tmp = dest.with_extension("part");
    crate::files::write_async(&tmp, bytes).await?;
    tokio::fs::rename(&tmp, dest).await
}

/// Reads and parses a list from disk.
pub async fn load(path: &Path) -> Result<Blocklist> {
    let text = tokio::fs::read_to_string(path)
        .await
        .with_context(|| format!("reading {}", path.display()))?;
    Blocklist::parse(&text).with_context(|| path.display().to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_and_paths_are_told_apart() {
        assert_eq!(
            Source::parse("https://www.spamhaus.org/drop/drop.txt"),
            Source::Url("https://www.spamhaus.org/drop/drop.txt".into())
        );
        assert_eq!(
            Source::parse("/etc/bolwerk/drop.txt"),
            Source::File("/etc/bolwerk/drop.txt".into())
        );
        let p = Source::parse("https://www.spamhaus.org/drop/drop.txt?x=1")
            .local_path(Path::new("/data"));
        assert_eq!(
            p,
            Path::new("/data/blocklists/www.spamhaus.org_drop_drop.txt_x_1.list")
        );
    }

    #[test]
    fn bad_urls_are_refused() {
        assert!(check_url("https://example.org/list.txt").is_ok());
        assert!(check_url("ftp://example.org/list.txt").is_err());
        assert!(check_url("https://").is_err());
    }
}
