//! The default theme: minijinja templates compiled into the binary, HTML auto-escaped.
//!
//! minijinja (not askama) because templates are loaded at run time: a later admin-editable
//! theme needs no rebuild, and auto-escaping is on for every `.html` template.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;
use store::{MenuItem, Page, PageKind, PageSummary, SearchHit, Site};

use crate::{excerpt, markdown, url};

/// The stylesheet every page links to (`/assets/site.css`); external, because the CSP
/// allows no inline style.
pub const STYLESHEET: &str = include_str!("../theme/site.css");

const TEMPLATES: &[(&str, &str)] = &[
    ("base.html", include_str!("../theme/base.html")),
    ("page.html", include_str!("../theme/page.html")),
    ("post.html", include_str!("../theme/post.html")),
    ("news.html", include_str!("../theme/news.html")),
    ("not_found.html", include_str!("../theme/not_found.html")),
    ("form.html", include_str!("../theme/form.html")),
    ("search.html", include_str!("../theme/search.html")),
];

/// A short hash of the stylesheet, used as `?v=` so browsers may cache it for long.
pub fn stylesheet_version() -> String {
    use std::hash::{DefaultHasher, Hash, Hasher};
    let mut h = DefaultHasher::new();
    STYLESHEET.hash(&mut h);
    format!("{:08x}", h.finish() as u32)
}

/// A post as the templates list it.
#[derive(Serialize)]
struct PostCard<'a> {
    slug: &'a str,
    title: &'a str,
    summary: &'a str,
    date: String,
    date_iso: String,
}

impl<'a> PostCard<'a> {
    fn of(p: &'a PageSummary, chrome: &Chrome) -> Self {
        let t = p.published_at.unwrap_or(p.updated_at);
        PostCard {
            slug: &p.slug,
            title: &p.title,
            summary: &p.summary,
            date: chrome.date(t),
            date_iso: chrome.date_iso(t),
        }
    }
}

/// A contact form as the template shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FormView {
    /// Heading.
    pub title: String,
    /// Text above the form.
    pub intro: String,
    /// Where it posts to.
    pub action: String,
    /// The signed token.
    pub token: String,
    /// Fields with what the visitor typed and what is wrong with it.
    pub fields: Vec<FieldView>,
    /// Problems with the whole form.
    pub errors: Vec<String>,
    /// The thank-you text, shown instead of the form once it is sent.
    pub done: Option<String>,
}

/// One field as the template shows it.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FieldView {
    /// Posted name.
    pub name: String,
    /// Label.
    pub label: String,
    /// `text`, `email` or `textarea`.
    pub kind: String,
    /// Must be filled in.
    pub required: bool,
    /// Longest value.
    pub max_len: usize,
    /// What the visitor typed (kept when the form comes back with a problem).
    pub value: String,
    /// What is wrong with it.
    pub error: Option<String>,
}

/// What every page of a site shares.
pub struct Chrome<'a> {
    /// The site.
    pub site: &'a Site,
    /// Its menu.
    pub menu: &'a [MenuItem],
    /// The host the page was asked on (lower-case, no port): absolute links in the head
    /// (canonical, Open Graph) point there.
    pub host: &'a str,
    /// Current year for the footer.
    pub year: i64,
    /// The site's language.
    pub lang: i18n::Lang,
    /// The site's time zone: a post is dated by the site's calendar.
    pub tz: &'a i18n::TimeZone,
    /// The size of the site's uploaded images, for `<img width height>`.
    pub media_sizes: &'a markdown::ImageSizes,
}

impl Chrome<'_> {
    /// A date for readers: "6 december 2026".
    fn date(&self, unix: i64) -> String {
        i18n::format::date(self.lang, self.tz, unix)
    }

    /// The same day for `<time datetime>`: `2026-12-06`.
    fn date_iso(&self, unix: i64) -> String {
        i18n::format::input_date_time(self.tz, unix).0
    }
}

/// A top-level menu item with the items shown under it.
#[derive(Serialize)]
struct MenuEntry<'a> {
    label: &'a str,
    href: &'a str,
    children: Vec<&'a MenuItem>,
}

/// The flat menu (each item marked "under the one above") as one level of nesting.
fn nest(menu: &[MenuItem]) -> Vec<MenuEntry<'_>> {
    let mut out: Vec<MenuEntry> = Vec::new();
    for item in menu {
        match out.last_mut() {
            Some(parent) if item.child => parent.children.push(item),
            _ => out.push(MenuEntry {
                label: &item.label,
                href: &item.href,
                children: Vec::new(),
            }),
        }
    }
    out
}

/// How a page presents itself in its `<head>`: to search engines (canonical link,
/// description) and to link previews (Open Graph).
struct Head<'a> {
    /// The page's own path; `None` for the not-found page, which has no address to claim.
    path: Option<&'a str>,
    /// `og:title`.
    title: &'a str,
    /// Plain text: the summary or the first paragraph.
    description: String,
    /// `og:type`: `article` for a post, `website` for the rest.
    kind: &'static str,
    /// Path of the first uploaded image, for `og:image`.
    image: Option<String>,
    /// The page's own language, when it is not the site's.
    lang: Option<i18n::Lang>,
}

impl<'a> Head<'a> {
    /// The head of a page or post from its fields.
    fn of(page: &'a Page) -> Head<'a> {
        Head {
            path: Some(&page.slug),
            title: &page.title,
            description: excerpt::description(&page.summary, &page.body_md),
            kind: match page.kind {
                PageKind::Post => "article",
                PageKind::Page => "website",
            },
            image: excerpt::first_media_image(&page.body_md),
            lang: page.lang.as_deref().and_then(i18n::Lang::parse),
        }
    }
}

/// The loaded templates.
pub struct Theme {
    env: Environment<'static>,
    css_version: String,
}

impl Theme {
    /// Loads the built-in theme. The templates are part of the binary and tested, so a
    /// failure here is a bug in this crate, reported as an error all the same.
    pub fn builtin() -> Result<Theme, minijinja::Error> {
        let mut env = Environment::new();
        env.add_function("t", i18n::templates::t);
        for (name, source) in TEMPLATES {
            env.add_template(name, source)?;
        }
        Ok(Theme {
            env,
            css_version: stylesheet_version(),
        })
    }

    fn render(
        &self,
        name: &str,
        chrome: &Chrome,
        current: &str,
        head: &Head,
        ctx: Value,
    ) -> Result<String, minijinja::Error> {
        let absolute = |path: &str| url::absolute(chrome.host, path);
        let base = context! {
            lang => head.lang.unwrap_or(chrome.lang).code(),
            site => Value::from(Serde(chrome.site)),
            menu => Value::from(Serde(&nest(chrome.menu))),
            year => chrome.year,
            css_version => &self.css_version,
            current => current,
            description => &head.description,
            canonical => head.path.map(absolute),
            og_title => head.title,
            og_type => head.kind,
            og_image => head.image.as_deref().map(absolute),
            feed => crate::feed::PATH,
        };
        self.env
            .get_template(name)?
            .render(context! { ..ctx, ..base })
    }

    /// A page; the home page also lists the latest posts.
    pub fn page(
        &self,
        chrome: &Chrome,
        page: &Page,
        recent: &[PageSummary],
    ) -> Result<String, minijinja::Error> {
        let recent: Vec<PostCard> = recent.iter().map(|p| PostCard::of(p, chrome)).collect();
        let ctx = context! {
            page => Value::from(Serde(page)),
            body => Value::from_safe_string(markdown::to_safe_html_sized(&page.body_md, chrome.media_sizes)),
            recent => Value::from(Serde(&recent)),
        };
        self.render("page.html", chrome, &page.slug, &Head::of(page), ctx)
    }

    /// A dated post.
    pub fn post(&self, chrome: &Chrome, page: &Page) -> Result<String, minijinja::Error> {
        let t = page.published_at.unwrap_or(page.updated_at);
        let ctx = context! {
            page => Value::from(Serde(page)),
            body => Value::from_safe_string(markdown::to_safe_html_sized(&page.body_md, chrome.media_sizes)),
            date => i18n::format::date(Head::of(page).lang.unwrap_or(chrome.lang), chrome.tz, t),
            date_iso => chrome.date_iso(t),
        };
        self.render("post.html", chrome, "/news", &Head::of(page), ctx)
    }

    /// The news list, with the optional intro page stored at `/news`.
    pub fn news(
        &self,
        chrome: &Chrome,
        intro: Option<&Page>,
        posts: &[PageSummary],
    ) -> Result<String, minijinja::Error> {
        let posts: Vec<PostCard> = posts.iter().map(|p| PostCard::of(p, chrome)).collect();
        let body = intro.map(|p| {
            Value::from_safe_string(markdown::to_safe_html_sized(&p.body_md, chrome.media_sizes))
        });
        let news = i18n::text(chrome.lang, "public-news");
        let title = intro.map(|p| p.title.as_str()).unwrap_or(&news);
        let ctx = context! {
            title => title,
            body => body,
            posts => Value::from(Serde(&posts)),
        };
        let head = match intro {
            Some(p) => Head::of(p),
            None => Head {
                path: Some("/news"),
                title,
                description: String::new(),
                kind: "website",
                image: None,
                lang: None,
            },
        };
        self.render("news.html", chrome, "/news", &head, ctx)
    }

    /// A contact form (or its thank-you text), below the content of the page at the same
    /// path when there is one (an address, opening hours), so adding a form hides nothing.
    pub fn form(
        &self,
        chrome: &Chrome,
        form: &FormView,
        page: Option<&Page>,
    ) -> Result<String, minijinja::Error> {
        let title = page.map(|p| p.title.as_str()).unwrap_or(&form.title);
        let ctx = context! {
            form => Value::from(Serde(form)),
            title => title,
            body => page.map(|p| Value::from_safe_string(markdown::to_safe_html_sized(&p.body_md, chrome.media_sizes))),
        };
        let head = match page {
            Some(p) => Head {
                path: Some(&form.action),
                kind: "website",
                ..Head::of(p)
            },
            None => Head {
                path: Some(&form.action),
                title,
                description: excerpt::description(&form.intro, ""),
                kind: "website",
                image: None,
                lang: None,
            },
        };
        self.render("form.html", chrome, &form.action, &head, ctx)
    }

    /// The search page: the form with what was searched, and the `hits` for its `words`
    /// (none searched: the form alone). Titles and snippets are escaped here, with the
    /// searched words marked; never indexed by search engines.
    pub fn search(
        &self,
        chrome: &Chrome,
        query: &str,
        words: &[String],
        hits: &[SearchHit],
    ) -> Result<String, minijinja::Error> {
        let marks = crate::search::marks(words);
        let results: Vec<Value> = hits
            .iter()
            .map(|h| {
                let t = h.published_at.unwrap_or(h.updated_at);
                let dated = h.kind == PageKind::Post;
                context! {
                    slug => &h.slug,
                    title => Value::from_safe_string(crate::search::highlight(&h.title, &marks)),
                    snippet => Value::from_safe_string(crate::search::snippet(&h.summary, &h.body_md, &marks)),
                    date => dated.then(|| chrome.date(t)),
                    date_iso => dated.then(|| chrome.date_iso(t)),
                }
            })
            .collect();
        let title = i18n::text(chrome.lang, "search-title");
        let ctx = context! {
            title => &title,
            query => query,
            searched => !words.is_empty(),
            results => results,
            noindex => true,
        };
        let head = Head {
            path: None,
            title: &title,
            description: String::new(),
            kind: "website",
            image: None,
            lang: None,
        };
        self.render("search.html", chrome, crate::search::PATH, &head, ctx)
    }

    /// The site's own not-found page.
    pub fn not_found(&self, chrome: &Chrome) -> Result<String, minijinja::Error> {
        let head = Head {
            path: None,
            title: "",
            description: String::new(),
            kind: "website",
            image: None,
            lang: None,
        };
        self.render("not_found.html", chrome, "", &head, context! {})
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use store::PageKind;

    fn site() -> Site {
        Site {
            id: 1,
            name: "t".into(),
            title: "Bakkerij <Jansen> & Zn".into(),
            tagline: "\"Vers\" brood".into(),
            icon: None,
        }
    }

    #[test]
    fn every_field_is_escaped() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let menu = vec![MenuItem {
            label: "<b>x</b>".into(),
            href: "\" onmouseover=\"alert(1)".into(),
            child: false,
        }];
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            host: "example.nl",
            year: 2026,
            lang: i18n::Lang::En,
            tz: &i18n::TimeZone::UTC,
            media_sizes: &markdown::ImageSizes::new(),
        };
        let page = Page {
            id: 1,
            kind: PageKind::Page,
            slug: "/x".into(),
            title: "<script>alert(1)</script>".into(),
            summary: "\"><script>".into(),
            body_md: "<script>alert(2)</script>ok".into(),
            published_at: None,
            updated_at: 0,
            lang: None,
        };
        let html = theme.page(&chrome, &page, &[]).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\" onmouseover"), "{html}");
        assert!(html.contains("Bakkerij &lt;Jansen&gt; &amp; Zn"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    }

    #[test]
    fn head_tags_name_the_page_and_are_escaped() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let chrome = Chrome {
            site: &site,
            menu: &[],
            host: "example.nl",
            year: 2026,
            lang: i18n::Lang::En,
            tz: &i18n::TimeZone::UTC,
            media_sizes: &markdown::ImageSizes::new(),
        };
        let evil = "\"><script>alert('x')</script>";
        let post = Page {
            id: 1,
            kind: PageKind::Post,
            slug: "/news/a\"b".into(),
            title: evil.into(),
            summary: String::new(),
            body_md: format!("![x](/media/p\".png)\n\n{evil} first paragraph\n\nSecond."),
            published_at: None,
            updated_at: 0,
            lang: None,
        };
        let html = theme.post(&chrome, &post).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\"><s"), "{html}");
        assert!(!html.contains("'x'"), "{html}");
        let head = &html[..html.find("</head>").unwrap()];
        // minijinja writes / as &#x2f; in attributes; a browser reads it back as /.
        let head = head.replace("&#x2f;", "/");
        for want in [
            r#"<link rel="canonical" href="https://example.nl/news/a%22b">"#,
            r#"<meta property="og:url" content="https://example.nl/news/a%22b">"#,
            r#"<meta property="og:type" content="article">"#,
            r#"<meta property="og:title" content="&quot;&gt;&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;">"#,
            // The first paragraph as text: the tags are markup, dropped; the rest escaped.
            r#"<meta property="og:description" content="&quot;&gt;alert(&#x27;x&#x27;) first paragraph">"#,
            r#"<meta property="og:image" content="https://example.nl/media/p%22.png">"#,
            r#"<meta property="og:site_name" content="Bakkerij &lt;Jansen&gt; &amp; Zn">"#,
            r#"<link rel="alternate" type="application/atom+xml" title="Bakkerij &lt;Jansen&gt; &amp; Zn" href="/feed.xml">"#,
        ] {
            assert!(head.contains(want), "{want} missing in {head}");
        }
        let page = Page {
            kind: PageKind::Page,
            slug: "/".into(),
            summary: "Summary wins".into(),
            body_md: "No image.".into(),
            ..post
        };
        let html = theme
            .page(&chrome, &page, &[])
            .unwrap()
            .replace("&#x2f;", "/");
        assert!(html.contains(r#"<link rel="canonical" href="https://example.nl/">"#));
        assert!(html.contains(r#"<meta property="og:type" content="website">"#));
        assert!(html.contains(r#"<meta property="og:description" content="Summary wins">"#));
        assert!(!html.contains("og:image"), "{html}");
        let missing = theme.not_found(&chrome).unwrap();
        assert!(
            !missing.contains("canonical") && !missing.contains("og:"),
            "{missing}"
        );
        assert!(missing.contains("application/atom+xml"), "{missing}");
    }

    #[test]
    fn form_values_and_errors_are_escaped() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let chrome = Chrome {
            site: &site,
            menu: &[],
            host: "example.nl",
            year: 2026,
            lang: i18n::Lang::En,
            tz: &i18n::TimeZone::UTC,
            media_sizes: &markdown::ImageSizes::new(),
        };
        let evil = "\"><script>alert(1)</script>";
        let form = FormView {
            title: evil.into(),
            intro: evil.into(),
            action: "/contact".into(),
            token: evil.into(),
            fields: vec![
                FieldView {
                    name: "name".into(),
                    label: evil.into(),
                    kind: "text".into(),
                    required: true,
                    max_len: 100,
                    value: evil.into(),
                    error: Some(evil.into()),
                },
                FieldView {
                    name: "message".into(),
                    label: "Message".into(),
                    kind: "textarea".into(),
                    required: true,
                    max_len: 5000,
                    value: "</textarea><script>alert(2)</script>".into(),
                    error: None,
                },
            ],
            errors: vec![evil.into()],
            done: None,
        };
        let html = theme.form(&chrome, &form, None).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\"><"), "{html}");
        assert!(html.contains("&lt;&#x2f;textarea&gt;"), "{html}");
        assert!(html.contains("name=\"website\""), "honeypot: {html}");
        assert!(!html.contains(" style="), "{html}");
    }

    #[test]
    fn no_inline_script_or_style_and_no_third_parties() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let chrome = Chrome {
            site: &site,
            menu: &[],
            host: "example.nl",
            year: 2026,
            lang: i18n::Lang::En,
            tz: &i18n::TimeZone::UTC,
            media_sizes: &markdown::ImageSizes::new(),
        };
        let html = theme.not_found(&chrome).unwrap();
        for bad in ["<script", "<style", " style=", "http://", "https://"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(!STYLESHEET.contains("@import") && !STYLESHEET.contains("url("));
    }
}
