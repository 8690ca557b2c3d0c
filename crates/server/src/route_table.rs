//! What each route is, for the shield: built from the same lists the routers are built from
//! (the admin route macro, the public routes, the contact forms, the ACME challenge), and
//! matched the way the router matches (`matchit`, axum's own matcher), so the shield never
//! guesses a route's kind from its path.

use std::collections::HashMap;
use std::sync::Arc;

use axum::http::Method;
use shield::defense::RouteClass;

use crate::admin::{Access, ROUTES};

/// The classes of one path: for reading (GET, HEAD, OPTIONS) and for writing (POST and the
/// rest), and a form's free-text fields.
#[derive(Clone, Debug, Default)]
struct Entry {
    read: Option<RouteClass>,
    write: Option<RouteClass>,
    free_text: Arc<[String]>,
}

/// Every route's class.
pub struct RouteTable {
    routes: matchit::Router<Entry>,
}

/// The public site's own routes (besides pages, which are the fallback).
pub const STYLESHEET: &str = "/assets/site.css";
/// Uploaded files.
pub const MEDIA: &str = "/media/{name}";
/// robots.txt: from the config, as cheap as a stylesheet.
pub const ROBOTS: &str = cms::robots::PATH;
/// The sitemap: rendered from the database on a change, so it counts as a page.
pub const SITEMAP: &str = cms::sitemap::PATH;
/// The Atom feed: like the sitemap, a page.
pub const FEED: &str = cms::feed::PATH;
/// Site search: each answer costs a database query, so it counts as a page.
pub const SEARCH: &str = cms::search::PATH;
/// ACME HTTP-01 challenge tokens, on the plain-HTTP listener.
pub const ACME_CHALLENGE: &str = "/.well-known/acme-challenge/{token}";

/// Whether `path` is, or lies under, one Bolwerk serves on every site itself (the search,
/// feed, sitemap, robots.txt, media, assets, well-known files): a form or the admin there
/// would take it away, or fail to start.
pub fn is_built_in(path: &str) -> bool {
    let path = path.trim_end_matches('/');
    [SEARCH, FEED, SITEMAP, ROBOTS, "/favicon.ico"].contains(&path)
        || ["/media", "/assets", "/.well-known"]
            .iter()
            .any(|p| path == *p || path.starts_with(&format!("{p}/")))
}

impl RouteTable {
    /// The table for an admin below `admin_base` and contact forms at `forms` (path → its
    /// free-text fields).
    pub fn new(admin_base: &str, forms: &HashMap<String, Vec<String>>) -> RouteTable {
        let mut entries: Vec<(String, Entry)> = Vec::new();
        let mut add = |path: String, write: bool, class: RouteClass, free: &[String]| {
            let i = match entries.iter().position(|(p, _)| *p == path) {
                Some(i) => i,
                None => {
                    entries.push((path, Entry::default()));
                    entries.len() - 1
                }
            };
            let e = &mut entries[i].1;
            *if write { &mut e.write } else { &mut e.read } = Some(class);
            if !free.is_empty() {
                e.free_text = free.into();
            }
        };
        add(STYLESHEET.into(), false, RouteClass::Static, &[]);
        add(MEDIA.into(), false, RouteClass::Static, &[]);
        add(ROBOTS.into(), false, RouteClass::Static, &[]);
        add(SITEMAP.into(), false, RouteClass::Page, &[]);
        add(FEED.into(), false, RouteClass::Page, &[]);
        add(SEARCH.into(), false, RouteClass::Page, &[]);
        add(ACME_CHALLENGE.into(), false, RouteClass::Acme, &[]);
        for (path, free) in forms {
            add(path.clone(), false, RouteClass::Page, &[]);
            add(path.clone(), true, RouteClass::Form, free);
        }
        for r in ROUTES {
            let path = format!("{admin_base}{}", r.path);
            let reads = r.method.eq_ignore_ascii_case("get");
            let (write, class) = match (reads, r.access) {
                (true, _) if r.path.starts_with("/assets/") => (false, RouteClass::Static),
                (true, _) => (false, RouteClass::Admin),
                // Posts anyone may make: signing in, asking for a reset link, resetting.
                (_, Access::Anyone) => (true, RouteClass::SignIn),
                _ => (true, RouteClass::AdminWrite),
            };
            add(path, write, class, &[]);
        }
        let mut routes = matchit::Router::new();
        for (path, entry) in entries {
            if let Err(e) = routes.insert(path.clone(), entry) {
                // The router itself refuses the same conflict at start; the shield then
                // treats the path as a page, which is the strictest class.
                tracing::warn!(target: "shield", error = %e, "route {path} not classified");
            }
        }
        RouteTable { routes }
    }

    /// The class of a request, and the free-text fields of a form post (empty otherwise).
    /// Paths no route claims are pages (the fallback).
    pub fn classify(&self, method: &Method, path: &str) -> (RouteClass, &[String]) {
        let Ok(m) = self.routes.at(path) else {
            return (RouteClass::Page, &[]);
        };
        let reads = matches!(*method, Method::GET | Method::HEAD | Method::OPTIONS);
        let e = m.value;
        let class = if reads {
            e.read.or(e.write)
        } else {
            e.write.or(e.read)
        };
        match class {
            Some(RouteClass::Form) => (RouteClass::Form, &e.free_text),
            Some(c) => (c, &[]),
            None => (RouteClass::Page, &[]),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table() -> RouteTable {
        let forms = HashMap::from([("/contact".to_string(), vec!["message".to_string()])]);
        RouteTable::new("/admin", &forms)
    }

    #[test]
    fn built_in_paths_are_known_for_the_config_check() {
        for p in [
            "/search",
            "/search/",
            "/feed.xml",
            "/media",
            "/media/x",
            "/assets/a.css",
            "/.well-known/x",
            "/favicon.ico",
            "/robots.txt",
            "/sitemap.xml",
        ] {
            assert!(is_built_in(p), "{p}");
        }
        for p in ["/contact", "/searching", "/mediatheek", "/_admin", "/"] {
            assert!(!is_built_in(p), "{p}");
        }
    }

    #[test]
    fn every_admin_route_has_its_class() {
        let t = table();
        for r in ROUTES {
            let method: Method = r.method.to_ascii_uppercase().parse().unwrap();
            let (class, _) = t.classify(&method, &format!("/admin{}", r.path));
            let expected = match (method.as_str(), r.access, r.path) {
                ("GET", _, p) if p.starts_with("/assets/") => RouteClass::Static,
                ("GET", _, _) => RouteClass::Admin,
                ("POST", Access::Anyone, _) => RouteClass::SignIn,
                _ => RouteClass::AdminWrite,
            };
            assert_eq!(class, expected, "{} {}", r.method, r.path);
        }
        assert_eq!(
            t.classify(&Method::POST, "/admin/login").0,
            RouteClass::SignIn
        );
        assert_eq!(
            t.classify(&Method::POST, "/admin/reset").0,
            RouteClass::SignIn
        );
        assert_eq!(
            t.classify(&Method::POST, "/admin/login/2fa").0,
            RouteClass::AdminWrite
        );
    }

    #[test]
    fn paths_the_router_does_not_know_are_pages() {
        let t = table();
        for p in [
            "/",
            "/admin/nope",
            "/adminx/login",
            "/admin/login/",
            "/wp-login.php",
            "/admin/login/x",
        ] {
            assert_eq!(
                t.classify(&Method::POST, p),
                (RouteClass::Page, &[][..]),
                "{p}"
            );
        }
    }

    #[test]
    fn public_routes_forms_and_acme() {
        let t = table();
        assert_eq!(
            t.classify(&Method::GET, "/media/abc.png").0,
            RouteClass::Static
        );
        assert_eq!(
            t.classify(&Method::GET, "/assets/site.css").0,
            RouteClass::Static
        );
        assert_eq!(
            t.classify(&Method::GET, "/assets/other.css").0,
            RouteClass::Page
        );
        assert_eq!(
            t.classify(&Method::GET, "/robots.txt").0,
            RouteClass::Static
        );
        for p in ["/sitemap.xml", "/feed.xml", "/search"] {
            assert_eq!(t.classify(&Method::GET, p).0, RouteClass::Page, "{p}");
        }
        // Nobody posts to them: a post is judged and budgeted as a visitor's write.
        assert_eq!(
            t.classify(&Method::POST, "/robots.txt").0,
            RouteClass::Static
        );
        assert_eq!(t.classify(&Method::GET, "/contact").0, RouteClass::Page);
        let (class, free) = t.classify(&Method::POST, "/contact");
        assert_eq!(
            (class, free),
            (RouteClass::Form, &["message".to_string()][..])
        );
        let acme = t
            .classify(&Method::GET, "/.well-known/acme-challenge/tok")
            .0;
        assert_eq!(acme, RouteClass::Acme);
        // A write to a read-only admin page keeps that page's class (its body is judged).
        assert_eq!(
            t.classify(&Method::POST, "/admin/pages").0,
            RouteClass::Admin
        );
    }
}
