//! `/sitemap.xml` (sitemaps.org protocol 0.9): every published page and post of a site, so
//! search engines find pages no menu links to.

use crate::{date, url, xml};

/// Where the sitemap is served, on every host of every site.
pub const PATH: &str = "/sitemap.xml";

/// One address in the sitemap.
pub struct Entry<'a> {
    /// Path on the site.
    pub path: &'a str,
    /// Last change, Unix seconds.
    pub modified: i64,
}

/// The sitemap for `host` (the host the sitemap itself was asked on: the protocol wants every
/// address on that host). `<lastmod>` is a W3C datetime in UTC.
pub fn render(host: &str, entries: &[Entry]) -> String {
    let mut out = String::from(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n",
    );
    for e in entries {
        out.push_str("<url><loc>");
        out.push_str(&xml::escape(&url::absolute(host, e.path)));
        out.push_str("</loc><lastmod>");
        out.push_str(&date::rfc3339(e.modified));
        out.push_str("</lastmod></url>\n");
    }
    out.push_str("</urlset>\n");
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lists_each_address_with_its_date() {
        let xml = render(
            "example.nl",
            &[
                Entry {
                    path: "/",
                    modified: 0,
                },
                Entry {
                    path: "/a&b",
                    modified: 1_795_737_600,
                },
            ],
        );
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<urlset"));
        assert!(xml.contains(
            "<url><loc>https://example.nl/</loc><lastmod>1970-01-01T00:00:00Z</lastmod></url>"
        ));
        assert!(
            xml.contains("<loc>https://example.nl/a&amp;b</loc>"),
            "{xml}"
        );
        assert!(xml.contains("<lastmod>2026-11-27T00:00:00Z</lastmod>"));
        assert!(xml.ends_with("</urlset>\n"));
    }
}
