use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use store::{Page, PageKind, Reader};

use crate::cache::{PageCache, Rendered};
use crate::markdown;
use crate::theme::{Chrome, Theme};

/// Why a page could not be produced. Never the visitor's fault: a missing page is a 404
/// [`Rendered`], not an error.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The database did not answer.
    #[error(transparent)]
    Store(#[from] store::Error),
    /// A template failed to render (a bug in the theme).
    #[error("template: {0}")]
    Template(#[from] minijinja::Error),
}

/// Number of posts on the home page and in the news list.
const HOME_POSTS: i64 = 3;
const NEWS_POSTS: i64 = 50;
/// Keys of a host's not-found page, sitemap and feed in the cache; no real path contains a NUL.
const NOT_FOUND_KEY: &str = "\0not-found";
const SITEMAP_KEY: &str = "\0sitemap";
const FEED_KEY: &str = "\0feed";

/// How long a site whose scheduled moment came is served from the cache when the database
/// could not be asked, before a request tries again.
const SCHEDULE_RETRY_S: i64 = 30;

/// Lets go of [`Cms::probing`] however the render ends (a visitor who hangs up cancels it).
struct Probe<'a>(&'a std::sync::atomic::AtomicBool);

impl Drop for Probe<'_> {
    fn drop(&mut self) {
        self.0.store(false, std::sync::atomic::Ordering::Release);
    }
}

/// The public side of the CMS: finds the site for a host and the page for a path.
pub struct Cms {
    reader: Reader,
    theme: Theme,
    cache: PageCache,
    hosts: RwLock<HashMap<String, i64>>,
    /// What "now" is for posts dated later and the footer's year; tests move it.
    clock: store::Clock,
    /// When each site's next scheduled page goes live (site id → Unix seconds). Per site, so
    /// one site's schedule empties only that site's cached pages.
    schedule: RwLock<HashMap<i64, i64>>,
    /// The soonest of those (`i64::MAX`: none), so most requests decide without a lock.
    next_scheduled: std::sync::atomic::AtomicI64,
    /// A request is rendering afresh for a site whose moment came (one at a time: the others
    /// take the cache meanwhile, so a database that is down holds up one request, not all).
    probing: std::sync::atomic::AtomicBool,
    /// Until when such renders are not tried at all: the database failed the last one.
    probe_after: std::sync::atomic::AtomicI64,
    /// One refresh at a time (the timer's and an editor's save): a slow one must not write
    /// an older schedule over a newer one.
    refreshing: tokio::sync::Mutex<()>,
    /// Each site with its menu, as of a cache token: what a page made per request (a search)
    /// needs around its content, without two database round trips each time.
    frames: RwLock<HashMap<i64, (crate::cache::Token, Arc<Frame>)>>,
    /// Each site's language and time zone by site name (from the server's config).
    locales: RwLock<HashMap<String, SiteLocale>>,
}

/// A site and its menu, read together and kept while the cache's token holds.
struct Frame {
    site: store::Site,
    menu: Vec<store::MenuItem>,
}

/// The language a site is written in and the clock its dates are read on.
#[derive(Clone, Debug)]
pub struct SiteLocale {
    /// The `lang` of its pages and the words of the theme and forms.
    pub lang: i18n::Lang,
    /// Where its dates are.
    pub tz: i18n::TimeZone,
}

impl Default for SiteLocale {
    fn default() -> Self {
        SiteLocale {
            lang: i18n::Lang::default(),
            tz: i18n::format::zone("Europe/Amsterdam").unwrap_or(i18n::TimeZone::UTC),
        }
    }
}

impl Cms {
    /// Loads hosts and the theme.
    pub async fn new(reader: Reader, clock: store::Clock) -> Result<Cms, Error> {
        let cms = Cms {
            reader,
            theme: Theme::builtin()?,
            cache: PageCache::default(),
            hosts: RwLock::default(),
            clock,
            schedule: RwLock::default(),
            next_scheduled: std::sync::atomic::AtomicI64::new(i64::MAX),
            probing: std::sync::atomic::AtomicBool::new(false),
            probe_after: std::sync::atomic::AtomicI64::new(i64::MIN),
            refreshing: tokio::sync::Mutex::new(()),
            frames: RwLock::default(),
            locales: RwLock::default(),
        };
        cms.reload().await?;
        Ok(cms)
    }

    fn now(&self) -> i64 {
        self.clock.now()
    }

    /// Whether a scheduled page of `site_id` has gone live since its cached pages were last
    /// emptied.
    fn scheduled_due(&self, site_id: i64) -> bool {
        let now = self.now();
        now >= self
            .next_scheduled
            .load(std::sync::atomic::Ordering::Relaxed)
            && self
                .schedule
                .read()
                .unwrap_or_else(|p| p.into_inner())
                .get(&site_id)
                .is_some_and(|at| now >= *at)
    }

    /// The sites whose scheduled moment has come at `now`.
    fn sites_due(&self, now: i64) -> Vec<i64> {
        self.schedule
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, at)| now >= **at)
            .map(|(site, _)| *site)
            .collect()
    }

    fn set_schedule(&self, next: Vec<(i64, i64)>) {
        let soonest = next.iter().map(|(_, at)| *at).min().unwrap_or(i64::MAX);
        let mut schedule = self.schedule.write().unwrap_or_else(|p| p.into_inner());
        *schedule = next.into_iter().collect();
        // Under the lock: a request never pairs the new map with the old soonest moment.
        self.next_scheduled
            .store(soonest, std::sync::atomic::Ordering::Relaxed);
    }

    async fn reload(&self) -> Result<(), Error> {
        let version = self.reader.content_version().await?;
        let hosts: HashMap<String, i64> = self.reader.hosts().await?.into_iter().collect();
        let next = self.reader.next_scheduled(self.now()).await?;
        *self.hosts.write().unwrap_or_else(|p| p.into_inner()) = hosts;
        self.set_schedule(next);
        self.cache.reset(version);
        Ok(())
    }

    /// Checks the content version and, if it moved or a scheduled page's time has come, drops
    /// every cached page and reloads the host table. Returns whether anything changed. Called
    /// on a short timer by the server, so an edit made by another process (the CLI, another
    /// node) shows within that period, and so does a page scheduled for now.
    pub async fn refresh(&self) -> Result<bool, Error> {
        let _one_at_a_time = self.refreshing.lock().await;
        let version = self.reader.content_version().await?;
        if version != self.cache.version() {
            self.reload().await?;
            return Ok(true);
        }
        let now = self.now();
        let due = self.sites_due(now);
        if due.is_empty() {
            return Ok(false);
        }
        // Only the sites whose moment came lose their cached pages.
        let next = self.reader.next_scheduled(now).await?;
        let hosts: Vec<String> = self
            .hosts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .iter()
            .filter(|(_, site)| due.contains(site))
            .map(|(host, _)| host.clone())
            .collect();
        self.cache.forget_hosts(&hosts);
        self.set_schedule(next);
        Ok(true)
    }

    /// Sets each site's language and time zone (by site name) and empties the cache, whose
    /// pages were written in the old ones.
    pub fn set_locales(&self, locales: HashMap<String, SiteLocale>) {
        *self.locales.write().unwrap_or_else(|p| p.into_inner()) = locales;
        self.cache.reset(self.cache.version());
    }

    /// The language and time zone of the site called `name` (Dutch in Amsterdam for a site
    /// the config does not name).
    pub fn locale(&self, name: &str) -> SiteLocale {
        self.locales
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(name)
            .cloned()
            .unwrap_or_default()
    }

    /// The site that answers for `host` (lower-case, without port).
    pub fn site_for_host(&self, host: &str) -> Option<i64> {
        self.hosts
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(host)
            .copied()
    }

    /// The type of an uploaded file of the site, if it is public.
    pub async fn media_type(
        &self,
        site_id: i64,
        stored_name: &str,
    ) -> Result<Option<String>, Error> {
        Ok(self.reader.media_type(site_id, stored_name).await?)
    }

    /// Number of cached pages (for metrics and tests).
    pub fn cached_pages(&self) -> usize {
        self.cache.len()
    }

    /// The page at `path` (already normalised by [`normalize_path`]) of the site asked for
    /// as `host`, or the site's 404 page.
    pub async fn page(&self, site_id: i64, host: &str, path: &str) -> Result<Arc<Rendered>, Error> {
        // A scheduled page's moment has come and the cache not yet emptied (the refresh loop
        // does that within its period): what is cached may lack it, so render afresh.
        if self.scheduled_due(site_id) {
            use std::sync::atomic::Ordering;
            let cached = self.cache.get(host, path);
            let now = self.now();
            let probe = match &cached {
                // Nothing to fall back on: render, as for any page not cached.
                None => None,
                Some(_)
                    if now >= self.probe_after.load(Ordering::Relaxed)
                        && !self.probing.swap(true, Ordering::Acquire) =>
                {
                    Some(Probe(&self.probing))
                }
                // Another request is rendering, or the database was down a moment ago.
                Some(hit) => return Ok(hit.clone()),
            };
            let rendered = self.render(site_id, host, path).await;
            drop(probe);
            return match rendered {
                Ok(Some(html)) => Ok(Arc::new(Rendered::once(200, html))),
                Ok(None) => self.not_found(site_id, host).await,
                // The database is down: what is cached is better than an error page, and
                // for a while no request waits on the database for it.
                Err(e) => {
                    self.probe_after
                        .store(now.saturating_add(SCHEDULE_RETRY_S), Ordering::Relaxed);
                    cached.ok_or(e)
                }
            };
        }
        if let Some(hit) = self.cache.get(host, path) {
            return Ok(hit);
        }
        let token = self.cache.token();
        match self.render(site_id, host, path).await? {
            Some(html) => {
                let page = Arc::new(Rendered::new(200, html));
                self.cache.put(token, host, path, page.clone());
                Ok(page)
            }
            None => self.not_found(site_id, host).await,
        }
    }

    /// The site's sitemap, every address on `host`.
    pub async fn sitemap(&self, site_id: i64, host: &str) -> Result<Arc<Rendered>, Error> {
        let now = self.clock.now();
        if let Some(hit) = self
            .cache
            .get(host, SITEMAP_KEY)
            .filter(|r| r.is_fresh(now))
        {
            return Ok(hit);
        }
        let token = self.cache.token();
        let pages = self.reader.listing(site_id, now).await?;
        let entries: Vec<crate::sitemap::Entry> = pages
            .iter()
            .map(|p| crate::sitemap::Entry {
                path: &p.slug,
                // A post dated after its last save changed when it appeared.
                modified: p.updated_at.max(p.published_at.unwrap_or(0)),
            })
            .collect();
        let until = self.reader.next_publication(site_id, now).await?;
        let xml = crate::sitemap::render(host, &entries);
        let out = Arc::new(Rendered::new(200, xml).until(until));
        self.cache.put(token, host, SITEMAP_KEY, out.clone());
        Ok(out)
    }

    /// The site's news as an Atom feed on `host`; `None` when the site is gone.
    pub async fn feed(&self, site_id: i64, host: &str) -> Result<Option<Arc<Rendered>>, Error> {
        let now = self.clock.now();
        if let Some(hit) = self.cache.get(host, FEED_KEY).filter(|r| r.is_fresh(now)) {
            return Ok(Some(hit));
        }
        let token = self.cache.token();
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(None);
        };
        let limit = i64::try_from(crate::feed::MAX_ENTRIES).unwrap_or(i64::MAX);
        let posts = self.reader.feed_posts(site_id, now, limit).await?;
        let summaries: Vec<String> = posts
            .iter()
            .map(|p| crate::excerpt::description(&p.summary, &p.body_md))
            .collect();
        let entries: Vec<crate::feed::Entry> = posts
            .iter()
            .zip(&summaries)
            .map(|(p, summary)| crate::feed::Entry {
                path: &p.slug,
                title: &p.title,
                summary,
                published: p.published_at.unwrap_or(p.updated_at),
                updated: p.updated_at,
            })
            .collect();
        let source = crate::feed::Source {
            host,
            title: &site.title,
            tagline: &site.tagline,
        };
        let until = self.reader.next_publication(site_id, now).await?;
        let xml = crate::feed::render(&source, &entries);
        let out = Arc::new(Rendered::new(200, xml).until(until));
        self.cache.put(token, host, FEED_KEY, out.clone());
        Ok(Some(out))
    }

    /// A contact form page of the site, rendered afresh (each one carries its own token, so
    /// it is never cached). `None` when the site does not exist.
    pub async fn form_page(
        &self,
        site_id: i64,
        host: &str,
        form: &crate::theme::FormView,
    ) -> Result<Option<String>, Error> {
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(None);
        };
        let menu = self.reader.menu(site_id).await?;
        let page = self.reader.page(site_id, &form.action, self.now()).await?;
        let locale = self.locale(&site.name);
        let media_sizes = self.reader.media_images(site_id).await?;
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            host,
            year: crate::date::year(self.now()),
            lang: locale.lang,
            tz: &locale.tz,
            media_sizes: &media_sizes,
        };
        Ok(Some(self.theme.form(&chrome, form, page.as_ref())?))
    }

    /// A page as it is saved (a draft, or scheduled), on the real theme with the site's menu,
    /// for a preview link; never cached. `None` when the site is gone.
    pub async fn draft(
        &self,
        site_id: i64,
        host: &str,
        page: &Page,
    ) -> Result<Option<String>, Error> {
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(None);
        };
        let menu = self.reader.menu(site_id).await?;
        let locale = self.locale(&site.name);
        let media_sizes = self.reader.media_images(site_id).await?;
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            host,
            year: crate::date::year(self.now()),
            lang: locale.lang,
            tz: &locale.tz,
            media_sizes: &media_sizes,
        };
        Ok(Some(match page.kind {
            PageKind::Post => self.theme.post(&chrome, page)?,
            PageKind::Page => self.theme.page(&chrome, page, &[])?,
        }))
    }

    /// The search page of the site for what a visitor typed: the published pages and posts
    /// visitors can see now that hold every word, best first. Rendered afresh for every
    /// search (each differs), never cached. `None` when the site is gone.
    pub async fn search(
        &self,
        site_id: i64,
        host: &str,
        query: &str,
    ) -> Result<Option<String>, Error> {
        let Some(frame) = self.frame(site_id).await? else {
            return Ok(None);
        };
        let Frame { site, menu } = &*frame;
        let query: String = query.chars().take(store::search::MAX_QUERY_CHARS).collect();
        let terms = store::Terms::parse(&query);
        let hits = self
            .reader
            .search(site_id, &terms, self.now(), crate::search::MAX_RESULTS)
            .await?;
        let locale = self.locale(&site.name);
        let media_sizes = markdown::ImageSizes::new();
        let chrome = Chrome {
            site,
            menu,
            host,
            year: crate::date::year(self.now()),
            lang: locale.lang,
            tz: &locale.tz,
            media_sizes: &media_sizes,
        };
        let html = self
            .theme
            .search(&chrome, query.trim(), terms.words(), &hits)?;
        Ok(Some(html))
    }

    /// Site `site_id` and its menu: from memory while nothing changed since they were read
    /// (the cache's token: every edit and every scheduled moment moves it), else from the
    /// database. `None` when there is no such site.
    async fn frame(&self, site_id: i64) -> Result<Option<Arc<Frame>>, Error> {
        let token = self.cache.token();
        if let Some((at, frame)) = self
            .frames
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(&site_id)
            && *at == token
        {
            return Ok(Some(frame.clone()));
        }
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(None);
        };
        let menu = self.reader.menu(site_id).await?;
        let frame = Arc::new(Frame { site, menu });
        // One entry per site that exists (the hosts decide which ids reach here): bounded.
        self.frames
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .insert(site_id, (token, frame.clone()));
        Ok(Some(frame))
    }

    /// The site's title and name, for mails about it.
    pub async fn site(&self, site_id: i64) -> Result<Option<store::Site>, Error> {
        Ok(self.reader.site(site_id).await?)
    }

    /// The site's not-found page (status 404).
    pub async fn not_found(&self, site_id: i64, host: &str) -> Result<Arc<Rendered>, Error> {
        if let Some(hit) = self.cache.get(host, NOT_FOUND_KEY) {
            return Ok(hit);
        }
        let token = self.cache.token();
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(Arc::new(Rendered::new(404, "Not found".into())));
        };
        let menu = self.reader.menu(site_id).await?;
        let locale = self.locale(&site.name);
        let media_sizes = self.reader.media_images(site_id).await?;
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            host,
            year: crate::date::year(self.now()),
            lang: locale.lang,
            tz: &locale.tz,
            media_sizes: &media_sizes,
        };
        let page = Arc::new(Rendered::new(404, self.theme.not_found(&chrome)?));
        self.cache.put(token, host, NOT_FOUND_KEY, page.clone());
        Ok(page)
    }

    async fn render(&self, site_id: i64, host: &str, path: &str) -> Result<Option<String>, Error> {
        let Some(site) = self.reader.site(site_id).await? else {
            return Ok(None);
        };
        let now = self.now();
        let page = self.reader.page(site_id, path, now).await?;
        let is_news = path == "/news";
        if page.is_none() && !is_news {
            return Ok(None);
        }
        let menu = self.reader.menu(site_id).await?;
        let locale = self.locale(&site.name);
        let media_sizes = self.reader.media_images(site_id).await?;
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            host,
            year: crate::date::year(self.now()),
            lang: locale.lang,
            tz: &locale.tz,
            media_sizes: &media_sizes,
        };
        let html = match page {
            _ if is_news => {
                let posts = self.reader.posts(site_id, NEWS_POSTS, now).await?;
                self.theme.news(&chrome, page.as_ref(), &posts)?
            }
            Some(
                p @ Page {
                    kind: PageKind::Post,
                    ..
                },
            ) => self.theme.post(&chrome, &p)?,
            Some(p) => {
                let recent = if p.slug == "/" {
                    self.reader.posts(site_id, HOME_POSTS, now).await?
                } else {
                    Vec::new()
                };
                self.theme.page(&chrome, &p, &recent)?
            }
            None => return Ok(None),
        };
        Ok(Some(html))
    }
}

/// Turns a request path into the stored slug form: percent-decoded, one trailing `/` dropped
/// (except for `/`). `None` for paths no page can have (bad encoding, `..`, control characters),
/// which the caller answers with the not-found page.
pub fn normalize_path(raw: &str) -> Option<String> {
    let decoded = percent_decode(raw)?;
    let path = if decoded.len() > 1 {
        decoded.strip_suffix('/').unwrap_or(&decoded)
    } else {
        &decoded
    };
    store::validate_slug(path).ok()?;
    Some(path.to_string())
}

fn percent_decode(s: &str) -> Option<String> {
    if !s.contains('%') {
        return Some(s.to_string());
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes.get(i + 1..i + 3)?;
            let hex = std::str::from_utf8(hex).ok()?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use super::normalize_path;

    #[test]
    fn paths() {
        assert_eq!(normalize_path("/").as_deref(), Some("/"));
        assert_eq!(normalize_path("/about/").as_deref(), Some("/about"));
        assert_eq!(normalize_path("/caf%C3%A9").as_deref(), Some("/café"));
        assert_eq!(normalize_path("/a/%2e%2e/b"), None);
        assert_eq!(normalize_path("/%ff"), None);
        assert_eq!(normalize_path("/%4"), None);
        assert_eq!(normalize_path("//x"), None);
    }
}
