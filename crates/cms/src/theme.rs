//! The default theme: minijinja templates compiled into the binary, HTML auto-escaped.
//!
//! minijinja (not askama) because templates are loaded at run time: a later admin-editable
//! theme needs no rebuild, and auto-escaping is on for every `.html` template.

use minijinja::value::{Serde, Value};
use minijinja::{Environment, context};
use serde::Serialize;
use store::{MenuItem, Page, PageSummary, Site};

use crate::{date, markdown};

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

impl<'a> From<&'a PageSummary> for PostCard<'a> {
    fn from(p: &'a PageSummary) -> Self {
        let t = p.published_at.unwrap_or(p.updated_at);
        PostCard {
            slug: &p.slug,
            title: &p.title,
            summary: &p.summary,
            date: date::long(t),
            date_iso: date::iso(t),
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
    /// Current year for the footer.
    pub year: i64,
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
        description: &str,
        ctx: Value,
    ) -> Result<String, minijinja::Error> {
        let base = context! {
            lang => "en",
            site => Value::from(Serde(chrome.site)),
            menu => Value::from(Serde(chrome.menu)),
            year => chrome.year,
            css_version => &self.css_version,
            current => current,
            description => description,
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
        let recent: Vec<PostCard> = recent.iter().map(PostCard::from).collect();
        let ctx = context! {
            page => Value::from(Serde(page)),
            body => Value::from_safe_string(markdown::to_safe_html(&page.body_md)),
            recent => Value::from(Serde(&recent)),
        };
        self.render("page.html", chrome, &page.slug, &page.summary, ctx)
    }

    /// A dated post.
    pub fn post(&self, chrome: &Chrome, page: &Page) -> Result<String, minijinja::Error> {
        let t = page.published_at.unwrap_or(page.updated_at);
        let ctx = context! {
            page => Value::from(Serde(page)),
            body => Value::from_safe_string(markdown::to_safe_html(&page.body_md)),
            date => date::long(t),
            date_iso => date::iso(t),
        };
        self.render("post.html", chrome, "/news", &page.summary, ctx)
    }

    /// The news list, with the optional intro page stored at `/news`.
    pub fn news(
        &self,
        chrome: &Chrome,
        intro: Option<&Page>,
        posts: &[PageSummary],
    ) -> Result<String, minijinja::Error> {
        let posts: Vec<PostCard> = posts.iter().map(PostCard::from).collect();
        let body = intro.map(|p| Value::from_safe_string(markdown::to_safe_html(&p.body_md)));
        let ctx = context! {
            title => intro.map(|p| p.title.as_str()).unwrap_or("News"),
            body => body,
            posts => Value::from(Serde(&posts)),
        };
        let description = intro.map(|p| p.summary.as_str()).unwrap_or("");
        self.render("news.html", chrome, "/news", description, ctx)
    }

    /// A contact form (or its thank-you text), below the content of the page at the same
    /// path when there is one (an address, opening hours), so adding a form hides nothing.
    pub fn form(
        &self,
        chrome: &Chrome,
        form: &FormView,
        page: Option<&Page>,
    ) -> Result<String, minijinja::Error> {
        let ctx = context! {
            form => Value::from(Serde(form)),
            title => page.map(|p| p.title.as_str()).unwrap_or(&form.title),
            body => page.map(|p| Value::from_safe_string(markdown::to_safe_html(&p.body_md))),
        };
        self.render("form.html", chrome, &form.action, &form.intro, ctx)
    }

    /// The site's own not-found page.
    pub fn not_found(&self, chrome: &Chrome) -> Result<String, minijinja::Error> {
        self.render("not_found.html", chrome, "", "", context! {})
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
        }
    }

    #[test]
    fn every_field_is_escaped() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let menu = vec![MenuItem {
            label: "<b>x</b>".into(),
            href: "\" onmouseover=\"alert(1)".into(),
        }];
        let chrome = Chrome {
            site: &site,
            menu: &menu,
            year: 2026,
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
        };
        let html = theme.page(&chrome, &page, &[]).unwrap();
        assert!(!html.contains("<script"), "{html}");
        assert!(!html.contains("\" onmouseover"), "{html}");
        assert!(html.contains("Bakkerij &lt;Jansen&gt; &amp; Zn"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(1)"), "{html}");
    }

    #[test]
    fn form_values_and_errors_are_escaped() {
        let theme = Theme::builtin().unwrap();
        let site = site();
        let chrome = Chrome {
            site: &site,
            menu: &[],
            year: 2026,
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
            year: 2026,
        };
        let html = theme.not_found(&chrome).unwrap();
        for bad in ["<script", "<style", " style=", "http://", "https://"] {
            assert!(!html.contains(bad), "{bad} in {html}");
        }
        assert!(!STYLESHEET.contains("@import") && !STYLESHEET.contains("url("));
    }
}
