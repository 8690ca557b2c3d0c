//! Markdown to safe HTML.
//!
//! pulldown-cmark passes raw HTML straight through (`<script>`, `onerror=`, `javascript:`
//! links), so its output always goes through ammonia's allow-list before it reaches a page.

use pulldown_cmark::{Options, Parser, html};

/// Renders Markdown and sanitises the result; what comes out is safe to insert unescaped.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut unsafe_html, Parser::new_ext(markdown, options));
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .clean(&unsafe_html)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::to_safe_html;

    #[test]
    fn renders_markdown() {
        let html = to_safe_html("# Hi\n\nSome *text* and [a link](/about).");
        assert!(html.contains("<h1>Hi</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"), "{html}");
        assert!(
            html.contains(r#"<a href="/about" rel="noopener noreferrer">a link</a>"#),
            "{html}"
        );
    }

    #[test]
    fn strips_script_and_handlers() {
        for evil in [
            "<script>alert(1)</script>",
            "<img src=x onerror=alert(1)>",
            "[click](javascript:alert(1))",
            "<a href=\"javascript:alert(1)\">x</a>",
            "<iframe src=\"https://evil.example\"></iframe>",
            "<svg><animate onbegin=alert(1) attributeName=x dur=1s>",
            "<math><mtext><table><mglyph><style><img src=x onerror=alert(1)>",
        ] {
            let html = to_safe_html(evil);
            let lower = html.to_lowercase();
            for bad in [
                "<script",
                "onerror",
                "javascript:",
                "<iframe",
                "onbegin",
                "<style",
            ] {
                assert!(!lower.contains(bad), "{evil:?} gave {html:?}");
            }
        }
    }
}
