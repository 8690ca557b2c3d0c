//! Markdown to safe HTML.
//!
//! pulldown-cmark passes raw HTML straight through (`<script>`, `onerror=`, `javascript:`
//! links), so its output always goes through ammonia's allow-list before it reaches a page.

use std::collections::HashMap;

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, TagEnd, html};

/// A site's uploaded images by stored name (the part after `/media/`): size and copies.
pub type ImageSizes = HashMap<String, store::ImageInfo>;

/// How wide an image shows on a page: the whole screen up to the text column (46rem).
const SIZES: &str = "(max-width: 46rem) 100vw, 46rem";

/// Renders Markdown and sanitises the result; what comes out is safe to insert unescaped.
pub fn to_safe_html(markdown: &str) -> String {
    to_safe_html_sized(markdown, &ImageSizes::new())
}

/// The same, and every image gets `loading="lazy"`; an uploaded one (`/media/…`) its `width`
/// and `height` when known, so the page keeps its place while images load, and its resized
/// copies as `srcset`, so a phone loads a phone-sized file.
pub fn to_safe_html_sized(markdown: &str, sizes: &ImageSizes) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_FOOTNOTES
        | Options::ENABLE_HEADING_ATTRIBUTES;
    let mut unsafe_html = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(
        &mut unsafe_html,
        with_sized_images(Parser::new_ext(markdown, options), sizes),
    );
    ammonia::Builder::default()
        .link_rel(Some("noopener noreferrer"))
        .url_schemes(["http", "https", "mailto", "tel"].into())
        .add_tag_attributes("img", ["loading", "decoding", "srcset", "sizes"])
        // Copies are ours: a srcset written by hand in raw HTML may not point elsewhere.
        .attribute_filter(|element, attribute, value| {
            let ours = |v: &str| v.split(',').all(|e| e.trim().starts_with("/media/"));
            if element == "img" && attribute == "srcset" && !ours(value) {
                None
            } else {
                Some(value.into())
            }
        })
        .clean(&unsafe_html)
        .to_string()
}

/// Replaces each image (its start, the alt text inside, its end) by one `<img>` written here,
/// with the attributes pulldown-cmark does not write. Ammonia still cleans it afterwards.
fn with_sized_images<'a>(
    events: impl Iterator<Item = Event<'a>>,
    sizes: &ImageSizes,
) -> impl Iterator<Item = Event<'a>> {
    let mut image: Option<(String, String, String)> = None;
    let mut out = Vec::new();
    for event in events {
        match (&mut image, event) {
            (
                None,
                Event::Start(Tag::Image {
                    dest_url, title, ..
                }),
            ) => {
                image = Some((dest_url.to_string(), title.to_string(), String::new()));
            }
            (Some((src, title, alt)), Event::End(TagEnd::Image)) => {
                let mut tag = format!("<img src=\"{}\" alt=\"{}\"", attribute(src), attribute(alt));
                if !title.is_empty() {
                    tag.push_str(&format!(" title=\"{}\"", attribute(title)));
                }
                let info = src.strip_prefix("/media/").and_then(|n| sizes.get(n));
                if let Some((w, h)) = info.and_then(|i| i.size) {
                    tag.push_str(&format!(" width=\"{w}\" height=\"{h}\""));
                }
                if let Some(info) = info.filter(|i| !i.variants.is_empty()) {
                    // Stored names are ours (hex and an extension): nothing to escape.
                    let mut set: Vec<String> = info
                        .variants
                        .iter()
                        .map(|(w, name)| format!("/media/{name} {w}w"))
                        .collect();
                    if let Some((w, _)) = info.size {
                        set.push(format!("{} {w}w", attribute(src)));
                    }
                    tag.push_str(&format!(
                        " srcset=\"{}\" sizes=\"{SIZES}\"",
                        attribute(&set.join(", "))
                    ));
                }
                tag.push_str(" loading=\"lazy\" decoding=\"async\">");
                out.push(Event::InlineHtml(CowStr::from(tag)));
                image = None;
            }
            // The alt text is the image's text, flattened (as pulldown-cmark does).
            (Some((_, _, alt)), Event::Text(t) | Event::Code(t)) => alt.push_str(&t),
            (Some(_), _) => {}
            (None, event) => out.push(event),
        }
    }
    out.into_iter()
}

/// Text for a double-quoted HTML attribute.
fn attribute(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::{ImageSizes, to_safe_html, to_safe_html_sized};

    #[test]
    fn uploaded_images_get_their_size_and_every_image_loads_lazily() {
        let sizes = ImageSizes::from([(
            "a1b2.jpg".to_string(),
            store::ImageInfo {
                size: Some((1200, 800)),
                variants: Vec::new(),
            },
        )]);
        let html = to_safe_html_sized(
            "![Het *nieuwe* hek](/media/a1b2.jpg \"Hek\")\n\n![x](/media/other.png) ![y](https://example.org/y.png)",
            &sizes,
        );
        assert!(
            html.contains(r#"<img src="/media/a1b2.jpg" alt="Het nieuwe hek" title="Hek" width="1200" height="800" loading="lazy" decoding="async">"#),
            "{html}"
        );
        assert!(
            html.contains(
                r#"<img src="/media/other.png" alt="x" loading="lazy" decoding="async">"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"src="https://example.org/y.png""#),
            "{html}"
        );
        assert!(!html.contains("height=\"\""), "{html}");
        assert!(!html.contains("srcset"), "no copies, no srcset: {html}");
    }

    #[test]
    fn resized_copies_are_offered_by_width() {
        let sizes = ImageSizes::from([(
            "a1b2.jpg".to_string(),
            store::ImageInfo {
                size: Some((2400, 1600)),
                variants: vec![
                    (480, "a1b2-w480.webp".into()),
                    (960, "a1b2-w960.jpg".into()),
                ],
            },
        )]);
        let html = to_safe_html_sized("![Hek](/media/a1b2.jpg)", &sizes);
        assert!(
            html.contains(r#"srcset="/media/a1b2-w480.webp 480w, /media/a1b2-w960.jpg 960w, /media/a1b2.jpg 2400w" sizes="(max-width: 46rem) 100vw, 46rem""#),
            "{html}"
        );
    }

    #[test]
    fn image_text_cannot_break_out_of_its_attributes() {
        let sizes = ImageSizes::new();
        for evil in [
            "![\" onerror=\"alert(1)](/media/a.png)",
            "![x](/media/a.png \"\\\" onerror=alert(1) x=\\\"\")",
            "![<script>alert(1)</script>](javascript:alert(1))",
            "![a](</media/a.png\" onload=\"alert(1)>)",
            "<img src=\"/media/a.png\" srcset=\"javascript:alert(1) 1x, https://evil.example/x.png 2x\">",
        ] {
            // Text may mention anything; it must not become an attribute or a tag.
            let html = to_safe_html_sized(evil, &sizes).to_lowercase();
            for bad in [
                "\" onerror",
                "\" onload",
                " onerror=\"",
                "<script",
                "javascript:",
            ] {
                assert!(!html.contains(bad), "{evil:?} gave {html:?}");
            }
        }
    }

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
