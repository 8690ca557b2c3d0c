use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;

use bytes::Bytes;

use crate::encoding::{Coding, Encoded, PAGE_BROTLI_QUALITY};

/// A rendered response body, ready to send as often as asked.
#[derive(Debug)]
pub struct Rendered {
    /// 200 for a page, 404 for the site's not-found page.
    pub status: u16,
    /// The HTML (or the XML of the sitemap and the feed), with its brotli and gzip copies made
    /// once here, so a cached page costs no compression per request.
    pub body: Encoded,
    /// Strong validator for `If-None-Match` of the body as it is, quoted; see
    /// [`Rendered::etag`] for the compressed copies.
    pub etag: String,
    /// The validators of the gzip and brotli copies.
    etag_gzip: String,
    etag_brotli: String,
    /// Unix time from which it is no longer true without any edit (a listing that leaves
    /// out a post dated later); `None`: true until the content changes.
    pub fresh_until: Option<i64>,
}

impl Rendered {
    /// A response to keep in the cache: compressed now, once.
    pub(crate) fn new(status: u16, html: String) -> Rendered {
        let body = Bytes::from(html);
        Rendered::with(status, Encoded::new(body, PAGE_BROTLI_QUALITY))
    }

    /// A response for one request only (not cached): compressing it would cost more than it
    /// saves.
    pub(crate) fn once(status: u16, html: String) -> Rendered {
        Rendered::with(status, Encoded::plain(Bytes::from(html)))
    }

    fn with(status: u16, body: Encoded) -> Rendered {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        body.identity().hash(&mut h);
        let tag = format!("{:016x}", h.finish());
        let etag = |c: Coding| format!("\"{tag}{}\"", c.etag_suffix());
        Rendered {
            status,
            etag: etag(Coding::Identity),
            etag_gzip: etag(Coding::Gzip),
            etag_brotli: etag(Coding::Brotli),
            body,
            fresh_until: None,
        }
    }

    /// The validator of the body in `coding`: each coding is its own representation.
    pub fn etag(&self, coding: Coding) -> &str {
        match coding {
            Coding::Identity => &self.etag,
            Coding::Gzip => &self.etag_gzip,
            Coding::Brotli => &self.etag_brotli,
        }
    }

    /// The same, no longer served from the cache from `until` on.
    pub(crate) fn until(self, until: Option<i64>) -> Rendered {
        Rendered {
            fresh_until: until,
            ..self
        }
    }

    /// Whether it may still be served at `now`.
    pub(crate) fn is_fresh(&self, now: i64) -> bool {
        self.fresh_until.is_none_or(|t| now < t)
    }
}

/// Rendered pages per host and path, valid for one content version.
///
/// Keyed by the host asked, not the site: a page names its own address (canonical link, Open
/// Graph) on the host it was asked on. Only the sites' configured hosts reach the cache and
/// only paths that exist get an entry (plus a not-found page, sitemap and feed per host), so a
/// scanner asking for random URLs or hosts cannot grow it. Each entry holds the body and at
/// most two compressed copies, each smaller than the body: under three times the HTML.
#[derive(Default)]
pub(crate) struct PageCache {
    inner: RwLock<Inner>,
}

#[derive(Default)]
struct Inner {
    version: i64,
    /// Counts resets: a page rendered before a reset is dropped even when the content version
    /// stayed the same (a scheduled page going live changes what is shown, not the version).
    generation: u64,
    hosts: HashMap<Box<str>, HashMap<Box<str>, Arc<Rendered>>>,
}

/// What a page was rendered against: the content version and the cache's generation.
pub(crate) type Token = (i64, u64);

impl PageCache {
    pub(crate) fn get(&self, host: &str, path: &str) -> Option<Arc<Rendered>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.hosts.get(host)?.get(path).cloned()
    }

    /// Stores a page rendered at `token` (see [`PageCache::token`]); dropped if the cache was
    /// reset since.
    pub(crate) fn put(&self, token: Token, host: &str, path: &str, page: Arc<Rendered>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if (inner.version, inner.generation) == token {
            inner
                .hosts
                .entry(host.into())
                .or_default()
                .insert(path.into(), page);
        }
    }

    pub(crate) fn version(&self) -> i64 {
        self.inner.read().unwrap_or_else(|p| p.into_inner()).version
    }

    /// Taken before rendering, given to [`PageCache::put`].
    pub(crate) fn token(&self) -> Token {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        (inner.version, inner.generation)
    }

    /// Forgets the pages of these hosts (one site's, whose scheduled page went live); pages
    /// in flight anywhere are dropped too, as after a reset.
    pub(crate) fn forget_hosts(&self, hosts: &[String]) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.generation = inner.generation.wrapping_add(1);
        for host in hosts {
            inner.hosts.remove(host.as_str());
        }
    }

    /// Forgets everything and accepts pages of `version` from now on.
    pub(crate) fn reset(&self, version: i64) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.version = version;
        inner.generation = inner.generation.wrapping_add(1);
        inner.hosts.clear();
    }

    pub(crate) fn len(&self) -> usize {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.hosts.values().map(HashMap::len).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_renders_are_not_stored() {
        let cache = PageCache::default();
        cache.reset(4);
        let before = cache.token();
        cache.reset(5);
        let page = |s: &str| Arc::new(Rendered::new(200, s.to_string()));
        cache.put(before, "a.example", "/a", page("old"));
        assert!(cache.get("a.example", "/a").is_none());
        cache.put(cache.token(), "a.example", "/a", page("new"));
        assert_eq!(
            &cache.get("a.example", "/a").unwrap().body.identity()[..],
            b"new"
        );
        assert!(cache.get("b.example", "/a").is_none(), "per host");
        // A reset at the same version (a scheduled page went live) drops renders in flight.
        let in_flight = cache.token();
        cache.reset(5);
        cache.put(in_flight, "a.example", "/b", page("stale"));
        assert!(cache.get("a.example", "/b").is_none());
        assert!(cache.get("a.example", "/a").is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn a_listing_with_a_later_post_expires_when_it_appears() {
        let page = Rendered::new(200, "x".into());
        assert!(page.is_fresh(i64::MAX));
        let listing = Rendered::new(200, "x".into()).until(Some(100));
        assert!(listing.is_fresh(99));
        assert!(!listing.is_fresh(100));
    }

    #[test]
    fn etag_follows_content() {
        let a = Rendered::new(200, "a".into());
        let b = Rendered::new(200, "b".into());
        assert_ne!(a.etag, b.etag);
        assert_eq!(a.etag, Rendered::new(200, "a".into()).etag);
        let tags = [Coding::Identity, Coding::Gzip, Coding::Brotli].map(|c| a.etag(c));
        assert_eq!(tags[0], a.etag);
        assert!(tags[1].ends_with("-gz\"") && tags[2].ends_with("-br\""));
        assert_eq!(
            tags[1].trim_end_matches("-gz\""),
            a.etag.trim_end_matches('"')
        );
    }
}
