use std::collections::HashMap;
use std::sync::Arc;
use std::sync::RwLock;

use bytes::Bytes;

/// A rendered response body, ready to send as often as asked.
#[derive(Debug)]
pub struct Rendered {
    /// 200 for a page, 404 for the site's not-found page.
    pub status: u16,
    /// The HTML.
    pub body: Bytes,
    /// Strong validator for `If-None-Match`, quoted.
    pub etag: String,
}

impl Rendered {
    pub(crate) fn new(status: u16, html: String) -> Rendered {
        use std::hash::{DefaultHasher, Hash, Hasher};
        let mut h = DefaultHasher::new();
        html.hash(&mut h);
        Rendered {
            status,
            etag: format!("\"{:016x}\"", h.finish()),
            body: Bytes::from(html),
        }
    }
}

/// Rendered pages per site and path, valid for one content version.
///
/// Only paths that exist get an entry (plus one not-found page per site), so a scanner asking
/// for random URLs cannot grow it.
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
    sites: HashMap<i64, HashMap<Box<str>, Arc<Rendered>>>,
}

/// What a page was rendered against: the content version and the cache's generation.
pub(crate) type Token = (i64, u64);

impl PageCache {
    pub(crate) fn get(&self, site: i64, path: &str) -> Option<Arc<Rendered>> {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.sites.get(&site)?.get(path).cloned()
    }

    /// Stores a page rendered at `token` (see [`PageCache::token`]); dropped if the cache was
    /// reset since.
    pub(crate) fn put(&self, token: Token, site: i64, path: &str, page: Arc<Rendered>) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        if (inner.version, inner.generation) == token {
            inner
                .sites
                .entry(site)
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

    /// Forgets everything and accepts pages of `version` rendered from now on.
    pub(crate) fn reset(&self, version: i64) {
        let mut inner = self.inner.write().unwrap_or_else(|p| p.into_inner());
        inner.version = version;
        inner.generation = inner.generation.wrapping_add(1);
        inner.sites.clear();
    }

    pub(crate) fn len(&self) -> usize {
        let inner = self.inner.read().unwrap_or_else(|p| p.into_inner());
        inner.sites.values().map(HashMap::len).sum()
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
        cache.put(before, 1, "/a", Arc::new(Rendered::new(200, "old".into())));
        assert!(cache.get(1, "/a").is_none());
        cache.put(
            cache.token(),
            1,
            "/a",
            Arc::new(Rendered::new(200, "new".into())),
        );
        assert_eq!(&cache.get(1, "/a").unwrap().body[..], b"new");
        // A reset at the same version (a scheduled page went live) drops renders in flight.
        let in_flight = cache.token();
        cache.reset(5);
        cache.put(
            in_flight,
            1,
            "/b",
            Arc::new(Rendered::new(200, "stale".into())),
        );
        assert!(cache.get(1, "/b").is_none());
        assert_eq!(cache.len(), 0);
    }

    #[test]
    fn etag_follows_content() {
        let a = Rendered::new(200, "a".into());
        let b = Rendered::new(200, "b".into());
        assert_ne!(a.etag, b.etag);
        assert_eq!(a.etag, Rendered::new(200, "a".into()).etag);
    }
}
