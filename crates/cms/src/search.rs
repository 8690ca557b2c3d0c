//! Search results as visitors read them: a page's text as plain words, a short piece of it
//! around the first match, and the searched words marked.
//!
//! Marking is done here rather than by the database (FTS5 `snippet()`), and safely: every
//! character is escaped, and `<mark>` is the only markup added. Matching folds case and
//! accents the way the index does ([`crate::slug::fold`]): "belgie" marks "België".

use pulldown_cmark::{Event, Parser, Tag, TagEnd};

/// Where the search page is, on every site.
pub const PATH: &str = "/search";
/// Most results a search page shows.
pub const MAX_RESULTS: i64 = 20;

/// Characters of page text a result shows.
pub const SNIPPET_CHARS: usize = 220;
/// Characters of text shown before the first match, so it is read in its sentence.
const LEAD_CHARS: usize = 60;

/// The words to mark for `terms`: each folded and split into its letters and digits (the
/// index splits `zo'n` and `title:x` the same way), words of one character left out.
pub fn marks(terms: &[String]) -> Vec<Vec<char>> {
    let mut out: Vec<Vec<char>> = Vec::new();
    for term in terms {
        for word in crate::slug::fold(term).split(|c: char| !c.is_alphanumeric()) {
            let word: Vec<char> = word.chars().collect();
            if word.len() > 1 && !out.contains(&word) {
                out.push(word);
            }
        }
    }
    // Longest first, so "fietsenmaker" wins over "fiets" where both start.
    out.sort_by_key(|w| std::cmp::Reverse(w.len()));
    out
}

/// Characters of a page's Markdown read for its snippet.
const SCAN_CHARS: usize = 16_000;

/// `text` escaped for HTML with every word of `marks` that starts a word in it wrapped in
/// `<mark>`.
pub fn highlight(text: &str, marks: &[Vec<char>]) -> String {
    let chars: Vec<char> = text.chars().collect();
    let found = matches(&chars, marks);
    render(&chars, 0, chars.len(), &found)
}

/// A piece of the page's text (summary, then body, as plain text) around the first match,
/// escaped, with the matches marked and `…` where it was cut. Empty for a page without text.
pub fn snippet(summary: &str, body_md: &str, marks: &[Vec<char>]) -> String {
    // The start of a long page is enough for a snippet, and bounds the work per result.
    let body: String = body_md.chars().take(SCAN_CHARS).collect();
    let text = format!("{} {}", summary.trim(), plain_text(&body));
    let chars: Vec<char> = text.trim().chars().collect();
    let found = matches(&chars, marks);
    let first = found.first().map_or(0, |m| m.0);
    let mut start = first.saturating_sub(LEAD_CHARS);
    // Start at a word: back to the space before, unless that is the match itself.
    while start > 0 && start < first && !chars[start - 1].is_whitespace() {
        start += 1;
    }
    let mut end = (start + SNIPPET_CHARS).min(chars.len());
    if end < chars.len()
        && let Some(space) = (start.max(first + 1)..end).rev().find(|&i| chars[i] == ' ')
    {
        end = space;
    }
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    out.push_str(render(&chars, start, end, &found).trim());
    if end < chars.len() {
        out.push('…');
    }
    out
}

/// The text of Markdown without its markup (raw HTML left out), blocks separated by spaces.
fn plain_text(body_md: &str) -> String {
    let mut text = String::new();
    for event in Parser::new(body_md) {
        match event {
            Event::Text(t) | Event::Code(t) => text.push_str(&t),
            Event::SoftBreak | Event::HardBreak => text.push(' '),
            Event::End(
                TagEnd::Paragraph | TagEnd::Heading(_) | TagEnd::Item | TagEnd::CodeBlock,
            )
            | Event::Start(Tag::Item) => text.push(' '),
            _ => {}
        }
    }
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Where the marks are in `chars`: ranges of character indices, in order, not overlapping.
fn matches(chars: &[char], marks: &[Vec<char>]) -> Vec<(usize, usize)> {
    if marks.is_empty() {
        return Vec::new();
    }
    // The folded text, and for each of its characters the original one it came from.
    let mut folded: Vec<char> = Vec::with_capacity(chars.len());
    let mut owner: Vec<usize> = Vec::with_capacity(chars.len());
    let mut buf = [0u8; 4];
    for (i, c) in chars.iter().enumerate() {
        for f in crate::slug::fold(c.encode_utf8(&mut buf)).chars() {
            folded.push(f);
            owner.push(i);
        }
    }
    let mut found = Vec::new();
    let mut i = 0;
    while i < folded.len() {
        let word_start = i == 0 || !folded[i - 1].is_alphanumeric();
        let hit = word_start
            .then(|| marks.iter().find(|m| folded[i..].starts_with(m)))
            .flatten();
        match hit {
            Some(m) => {
                let end = i + m.len();
                found.push((owner[i], owner[end - 1] + 1));
                // Past every folded character of the last original one matched.
                i = end;
                while i < folded.len() && owner[i] == owner[end - 1] {
                    i += 1;
                }
            }
            None => i += 1,
        }
    }
    found
}

/// `chars[start..end]` escaped, with the `found` ranges (clipped to it) in `<mark>`.
fn render(chars: &[char], start: usize, end: usize, found: &[(usize, usize)]) -> String {
    let mut out = String::with_capacity((end - start) * 2);
    let mut next = found.iter().filter(|m| m.1 > start && m.0 < end).peekable();
    let mut open_until = None;
    for (i, c) in chars.iter().enumerate().take(end).skip(start) {
        if open_until.is_none()
            && let Some(&&(s, e)) = next.peek()
            && s.max(start) == i
        {
            out.push_str("<mark>");
            open_until = Some(e);
            next.next();
        }
        escape_into(&mut out, *c);
        if open_until == Some(i + 1) {
            out.push_str("</mark>");
            open_until = None;
        }
    }
    if open_until.is_some() {
        out.push_str("</mark>");
    }
    out
}

fn escape_into(out: &mut String, c: char) {
    match c {
        '&' => out.push_str("&amp;"),
        '<' => out.push_str("&lt;"),
        '>' => out.push_str("&gt;"),
        '"' => out.push_str("&quot;"),
        '\'' => out.push_str("&#39;"),
        c => out.push(c),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn m(words: &[&str]) -> Vec<Vec<char>> {
        marks(&words.iter().map(|w| w.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn marks_fold_accents_both_ways() {
        assert_eq!(
            highlight("Reis door België, belgie.", &m(&["BELGIE"])),
            "Reis door <mark>België</mark>, <mark>belgie</mark>."
        );
        assert_eq!(
            highlight("Een café", &m(&["cafe"])),
            "Een <mark>café</mark>"
        );
        assert_eq!(
            highlight("Een cafe", &m(&["café"])),
            "Een <mark>cafe</mark>"
        );
        // Only at the start of a word; a longer word's start counts (a prefix search).
        assert_eq!(
            highlight("fietsen en mountainfiets", &m(&["fiets"])),
            "<mark>fiets</mark>en en mountainfiets"
        );
        // ß folds to two letters and is marked whole.
        assert_eq!(highlight("Große", &m(&["grosse"])), "<mark>Große</mark>");
    }

    #[test]
    fn everything_is_escaped_and_only_marks_are_added() {
        let evil = "<script>alert(1)</script> & \"x\" 'y'";
        let html = highlight(evil, &m(&["script", "alert"]));
        assert_eq!(
            html,
            "&lt;<mark>script</mark>&gt;<mark>alert</mark>(1)&lt;/<mark>script</mark>&gt; &amp; &quot;x&quot; &#39;y&#39;"
        );
        // The words themselves cannot bring markup: they are matched, never inserted.
        let html = highlight("a <bold> c", &m(&["<bold>", "mark>"]));
        assert_eq!(html, "a &lt;<mark>bold</mark>&gt; c");
        let html = snippet("", "<img src=x onerror=alert(1)> hallo", &m(&["hallo"]));
        assert_eq!(html, "<mark>hallo</mark>");
    }

    #[test]
    fn snippets_show_the_first_match_in_its_sentence() {
        let body = format!(
            "# Kop\n\n{} Hier staat **België** in een zin. {}",
            "Vooraf komt heel veel tekst. ".repeat(10),
            "Daarna nog meer. ".repeat(20)
        );
        let s = snippet("", &body, &m(&["belgie"]));
        assert!(s.starts_with('…') && s.ends_with('…'), "{s}");
        assert!(
            s.contains("Hier staat <mark>België</mark> in een zin."),
            "{s}"
        );
        assert!(s.chars().count() < SNIPPET_CHARS + 40, "{s}");
        // No match in the text (the title matched): the start of the text.
        let s = snippet("Korte samenvatting.", "Tekst.", &m(&["titel"]));
        assert_eq!(s, "Korte samenvatting. Tekst.");
        assert_eq!(snippet("", "", &m(&["x"])), "");
    }
}
