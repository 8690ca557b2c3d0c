use serde::Serialize;

/// A hosted website.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Site {
    /// Database id.
    pub id: i64,
    /// Short unique name used in config and CLI (`demo`, `bakkerij-jansen`).
    pub name: String,
    /// Shown in the header and the `<title>`.
    pub title: String,
    /// One line under the title.
    pub tagline: String,
    /// Stored name of the uploaded image that is the site's icon (favicon).
    pub icon: Option<String>,
}

/// Whether content is a standalone page or a dated post in the news list.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum PageKind {
    /// A page such as `/about`.
    Page,
    /// A dated post under `/news/`.
    Post,
}

impl PageKind {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            PageKind::Page => "page",
            PageKind::Post => "post",
        }
    }

    /// Parses `post`; anything else is a page.
    pub fn parse(s: &str) -> PageKind {
        if s == "post" {
            PageKind::Post
        } else {
            PageKind::Page
        }
    }
}

/// A published page or post as visitors see it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Page {
    /// Database id.
    pub id: i64,
    /// Page or post.
    pub kind: PageKind,
    /// Path on the site, starting with `/` (`/`, `/about`, `/news/opening`).
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary for lists and the meta description.
    pub summary: String,
    /// Markdown source; rendered and sanitised by the cms crate.
    pub body_md: String,
    /// Post date (posts) or first publication, Unix seconds.
    pub published_at: Option<i64>,
    /// Last change, Unix seconds.
    pub updated_at: i64,
    /// The page's language when it is not the site's (`nl`, `en`).
    pub lang: Option<String>,
}

/// A page as listed in the news index or the admin list.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageSummary {
    /// Database id.
    pub id: i64,
    /// Page or post.
    pub kind: PageKind,
    /// Path on the site.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary.
    pub summary: String,
    /// Whether visitors can see it.
    pub published: bool,
    /// Post date, Unix seconds.
    pub published_at: Option<i64>,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

/// A page as the editor sees it: drafts and trashed pages included.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PageSource {
    /// Database id.
    pub id: i64,
    /// Page or post.
    pub kind: PageKind,
    /// Path on the site.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary.
    pub summary: String,
    /// Markdown source.
    pub body_md: String,
    /// Whether visitors can see it (unless trashed).
    pub published: bool,
    /// Post date, Unix seconds.
    pub published_at: Option<i64>,
    /// Last change, Unix seconds.
    pub updated_at: i64,
    /// When it went to the trash.
    pub deleted_at: Option<i64>,
    /// The page's language when it is not the site's (`nl`, `en`).
    pub lang: Option<String>,
}

/// One saved version of a page.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Revision {
    /// Revision id.
    pub id: i64,
    /// The page.
    pub page_id: i64,
    /// Page or post.
    pub kind: PageKind,
    /// Path at the time.
    pub slug: String,
    /// Title at the time.
    pub title: String,
    /// Summary at the time.
    pub summary: String,
    /// Markdown at the time.
    pub body_md: String,
    /// Published at the time.
    pub published: bool,
    /// Post date at the time.
    pub published_at: Option<i64>,
    /// When saved, Unix seconds.
    pub saved_at: i64,
    /// Who saved it.
    pub saved_by: String,
}

/// One entry of a site's main menu.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MenuItem {
    /// Text of the link.
    pub label: String,
    /// Target: a path on the site (`/about`) or an absolute `https://` URL.
    pub href: String,
    /// Shown under the item above it (the menu has one level of nesting).
    pub child: bool,
}

/// Content to create or replace (matched on site and slug).
#[derive(Clone, Debug)]
pub struct NewPage {
    /// Page or post.
    pub kind: PageKind,
    /// Path on the site, starting with `/`.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary.
    pub summary: String,
    /// Markdown source.
    pub body_md: String,
    /// Whether visitors can see it.
    pub published: bool,
    /// Post date; `None` uses now when first published.
    pub published_at: Option<i64>,
}

/// Checks a page path: starts with `/`, no `//`, `.`/`..` segments, query, fragment or
/// control characters, at most 200 bytes. Rejecting these here means the router never has to
/// guess which stored page an odd URL meant.
pub fn validate_slug(slug: &str) -> Result<(), String> {
    if !slug.starts_with('/') {
        return Err("must start with /".into());
    }
    if slug.len() > 200 {
        return Err("longer than 200 bytes".into());
    }
    if slug.len() > 1 && slug.ends_with('/') {
        return Err("must not end with / (except the home page /)".into());
    }
    if slug
        .chars()
        .any(|c| c.is_control() || c == '?' || c == '#' || c == '\\' || c == ' ')
    {
        return Err("contains a space, control character, ?, # or \\".into());
    }
    if slug[1..].split('/').any(|seg| seg == "." || seg == "..") && slug != "/" {
        return Err("contains a . or .. segment".into());
    }
    if slug.contains("//") {
        return Err("contains //".into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::validate_slug;

    #[test]
    fn slugs() {
        for ok in ["/", "/about", "/news/first-post", "/a-b_c.html"] {
            assert!(validate_slug(ok).is_ok(), "{ok}");
        }
        for bad in [
            "", "about", "/about/", "//x", "/a/../b", "/a b", "/a?b", "/a\n",
        ] {
            assert!(validate_slug(bad).is_err(), "{bad:?}");
        }
    }
}
