//! `/feed.xml`: the site's news as an Atom feed (RFC 4287), so readers can follow it without
//! an account anywhere.

use crate::{date, url, xml};

/// Most posts in the feed. Readers poll often; twenty covers months of a small site's news.
pub const MAX_ENTRIES: usize = 20;

/// Where the feed is served, on every host of every site.
pub const PATH: &str = "/feed.xml";

/// The site as the feed names it.
pub struct Source<'a> {
    /// The host asked (every address in the feed is on it).
    pub host: &'a str,
    /// The site's title: the feed's title and author.
    pub title: &'a str,
    /// The site's tagline, the feed's subtitle when set.
    pub tagline: &'a str,
}

/// One post.
pub struct Entry<'a> {
    /// Path on the site; its URL is also the entry's id.
    pub path: &'a str,
    /// Title.
    pub title: &'a str,
    /// Plain-text summary (see [`crate::excerpt::description`]).
    pub summary: &'a str,
    /// Post date, Unix seconds.
    pub published: i64,
    /// Last change, Unix seconds.
    pub updated: i64,
}

/// The feed, entries in the order given (newest first). The feed's `<updated>` is its newest
/// entry's, or the Unix epoch when it has none (the element is required).
pub fn render(source: &Source, entries: &[Entry]) -> String {
    let at = |path: &str| xml::escape(&url::absolute(source.host, path));
    let updated = entries
        .iter()
        .map(|e| e.updated.max(e.published))
        .max()
        .unwrap_or(0);
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<feed xmlns=\"http://www.w3.org/2005/Atom\">\n",
    );
    let title = xml::escape(source.title);
    out.push_str(&format!("<title>{title}</title>\n"));
    if !source.tagline.trim().is_empty() {
        out.push_str(&format!(
            "<subtitle>{}</subtitle>\n",
            xml::escape(source.tagline)
        ));
    }
    out.push_str(&format!(
        "<link rel=\"self\" type=\"application/atom+xml\" href=\"{self_url}\"/>\n\
         <link rel=\"alternate\" type=\"text/html\" href=\"{news}\"/>\n\
         <id>{self_url}</id>\n<updated>{}</updated>\n<author><name>{title}</name></author>\n",
        date::rfc3339(updated),
        self_url = at(PATH),
        news = at("/news"),
    ));
    for e in entries {
        let link = at(e.path);
        out.push_str(&format!(
            "<entry>\n<title>{}</title>\n<link rel=\"alternate\" type=\"text/html\" href=\"{link}\"/>\n\
             <id>{link}</id>\n<published>{}</published>\n<updated>{}</updated>\n",
            xml::escape(e.title),
            date::rfc3339(e.published),
            date::rfc3339(e.updated.max(e.published)),
        ));
        if !e.summary.is_empty() {
            out.push_str(&format!("<summary>{}</summary>\n", xml::escape(e.summary)));
        }
        out.push_str("</entry>\n");
    }
    out.push_str("</feed>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_is_escaped() {
        let evil = "\"><script>alert('x')</script>&";
        let xml = render(
            &Source {
                host: "example.nl",
                title: evil,
                tagline: "",
            },
            &[Entry {
                path: "/news/a\"b",
                title: evil,
                summary: evil,
                published: 86_400,
                updated: 3600,
            }],
        );
        assert!(!xml.contains("<script"), "{xml}");
        assert!(!xml.contains("\"><"), "{xml}");
        assert!(xml.contains("<title>&quot;&gt;&lt;script&gt;"), "{xml}");
        assert!(
            xml.contains("href=\"https://example.nl/news/a%22b\""),
            "{xml}"
        );
        assert!(!xml.contains("<subtitle>"), "no empty subtitle");
        // A post dated after its last edit was updated when it appeared.
        assert!(
            xml.contains("<updated>1970-01-02T00:00:00Z</updated>"),
            "{xml}"
        );
    }

    #[test]
    fn an_empty_feed_is_still_a_feed() {
        let xml = render(
            &Source {
                host: "example.nl",
                title: "T",
                tagline: "Tag",
            },
            &[],
        );
        assert!(xml.contains("<updated>1970-01-01T00:00:00Z</updated>"));
        assert!(xml.contains("<subtitle>Tag</subtitle>"));
        assert!(xml.contains("<id>https://example.nl/feed.xml</id>"));
        assert!(!xml.contains("<entry>"));
    }
}
