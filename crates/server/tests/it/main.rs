//! The real server on ephemeral loopback ports, talked to over HTTP and HTTPS.

#![allow(clippy::unwrap_used)] // tests fail loudly on the first surprise

mod acme;
mod admin;
mod bans;
mod cache;
mod compression;
mod crawlers;
mod dmarc_imap;
mod dns;
mod feed;
mod files;
mod forms;
mod head;
mod headers;
mod hosts;
mod https;
mod lang;
mod limits;
mod mariadb;
mod pages;
mod raw;
mod robots;
mod search;
mod selfcheck;
mod shield;
mod sitemap;
mod starving;
mod tls;
mod tuning;
mod walkaround;
mod well_known;

/// Retries `check` until it returns true or five seconds pass; for changes that reach the
/// server through its content poll (50 ms in tests). Not a timing assertion: the bound only
/// keeps a broken build from hanging.
pub async fn eventually<F, Fut>(mut check: F) -> bool
where
    F: FnMut() -> Fut,
    Fut: std::future::Future<Output = bool>,
{
    for _ in 0..100 {
        if check().await {
            return true;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    false
}
