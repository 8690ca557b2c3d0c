//! What a page says about itself in a line: its description (the summary, or else the first
//! paragraph as plain text) and its first uploaded image, for search results, link previews
//! (Open Graph) and the feed.

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Longest description, in characters. Link previews show about two lines; search engines
/// cut near 160.
pub const MAX_DESCRIPTION: usize = 300;

/// The summary when the editor wrote one, else the first paragraph of the body; plain text
/// (the caller escapes it), at most [`MAX_DESCRIPTION`] characters.
pub fn description(summary: &str, body_md: &str) -> String {
    let summary = summary.trim();
    let text = if summary.is_empty() {
        first_paragraph(body_md)
    } else {
        collapse_spaces(summary)
    };
    shorten(&text, MAX_DESCRIPTION)
}

/// The text of the first paragraph with something in it, markup and images' alt text left
/// out (a paragraph holding only a photo says nothing).
fn first_paragraph(body_md: &str) -> String {
    let (mut depth, mut images) = (0usize, 0usize);
    let mut text = String::new();
    for event in Parser::new(body_md) {
        match event {
            Event::Start(Tag::Paragraph) => depth += 1,
            Event::End(TagEnd::Paragraph) => {
                depth = depth.saturating_sub(1);
                if depth == 0 && !text.trim().is_empty() {
                    break;
                }
            }
            Event::Start(Tag::Image { .. }) => images += 1,
            Event::End(TagEnd::Image) => images = images.saturating_sub(1),
            Event::Text(t) | Event::Code(t) if depth > 0 && images == 0 => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak if depth > 0 => text.push(' '),
            _ => {}
        }
    }
    collapse_spaces(&text)
}

/// Runs of whitespace (line breaks included) as one space, trimmed.
fn collapse_spaces(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// At most `max` characters, cut at a word boundary with `…` when it had to be cut.
fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        return s.to_string();
    }
    let cut: String = s.chars().take(max.saturating_sub(1)).collect();
    let cut = match cut.rfind(' ') {
        Some(i) if i > max / 2 => &cut[..i],
        _ => &cut,
    };
    format!("{}…", cut.trim_end_matches([' ', ',', ';', ':', '.']))
}

/// The path of the first image in the body that is one of the site's own uploads
/// (`/media/…`); images elsewhere are not ours to show in a preview.
pub fn first_media_image(body_md: &str) -> Option<String> {
    Parser::new(body_md).find_map(|event| match event {
        Event::Start(Tag::Image { dest_url, .. })
            if dest_url.starts_with("/media/") && !dest_url.contains(['?', '#']) =>
        {
            Some(dest_url.to_string())
        }
        _ => None,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_summary_wins() {
        assert_eq!(
            description("  Short  and\nsweet ", "Body."),
            "Short and sweet"
        );
    }

    #[test]
    fn else_the_first_paragraph_as_text() {
        let body = "# Heading\n\n![pic](/media/a.png)\n\nFirst *real* `para`\ngraph with [a link](/x).\n\nSecond.";
        assert_eq!(description("", body), "First real para graph with a link.");
        assert_eq!(description("", ""), "");
        assert_eq!(description("", "<script>x</script>\n\nText"), "Text");
    }

    #[test]
    fn long_text_is_cut_at_a_word() {
        let long = "word ".repeat(200);
        let d = description(&long, "");
        assert!(d.chars().count() <= MAX_DESCRIPTION, "{d}");
        assert!(d.ends_with("word…"), "{d}");
        let unbroken = "x".repeat(400);
        assert_eq!(description(&unbroken, "").chars().count(), MAX_DESCRIPTION);
    }

    #[test]
    fn the_first_upload_is_the_image() {
        let body =
            "![far](https://elsewhere.example/a.png) ![ours](/media/abc.jpg) ![b](/media/b.png)";
        assert_eq!(first_media_image(body).as_deref(), Some("/media/abc.jpg"));
        assert_eq!(first_media_image("No image."), None);
        assert_eq!(first_media_image("![x](/mediax/a.png)"), None);
    }
}
