//! Site search: what a visitor typed, made into plain words that can only ever be quoted
//! phrases in the engine's query language, and the query over what visitors can see.
//!
//! SQLite searches its FTS5 index `page_search` (published rows only, kept by triggers);
//! MariaDB/MySQL its FULLTEXT indexes on `pages`, through the `published_pages` view. Both
//! join or read that view, so a draft, a page in the trash or one dated later is never found.

use sqlx::Row;

use crate::model::PageKind;
use crate::{Reader, Result};

/// Characters of a search that are read; the rest is ignored (a query is a few words).
pub const MAX_QUERY_CHARS: usize = 200;
/// Words of a search that are used.
pub const MAX_TERMS: usize = 10;
/// Characters kept of one word (longer ones are no real word).
pub const MAX_TERM_CHARS: usize = 40;
/// Most results one search returns.
pub const MAX_RESULTS: i64 = 50;
/// Shortest word MariaDB's InnoDB FULLTEXT index holds (`innodb_ft_min_token_size`); a
/// shorter one, required, would make every search that has it find nothing.
const MYSQL_MIN_WORD: usize = 3;

/// A visitor's search as plain words. Made only by [`Terms::parse`]: no word holds a double
/// quote or a control character, and each has a letter or digit, so quoted, a word is a
/// phrase and never an operator, a column filter or a wildcard.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Terms(Vec<String>);

impl Terms {
    /// The words of `text`: its first [`MAX_QUERY_CHARS`] characters split at white space,
    /// double quotes and control characters dropped, words without a letter or digit left
    /// out, each cut to [`MAX_TERM_CHARS`], at most [`MAX_TERMS`] of them.
    pub fn parse(text: &str) -> Terms {
        let text: String = text.chars().take(MAX_QUERY_CHARS).collect();
        let words = text
            .split(|c: char| c.is_whitespace() || c == '"' || c.is_control())
            .filter(|w| w.chars().any(char::is_alphanumeric))
            .map(|w| w.chars().take(MAX_TERM_CHARS).collect::<String>())
            .take(MAX_TERMS)
            .collect();
        Terms(words)
    }

    /// The words, in the order typed.
    pub fn words(&self) -> &[String] {
        &self.0
    }

    /// Whether there is nothing to search for.
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// FTS5: every word a quoted phrase, all of them required; a word of three letters or
    /// more also finds longer words it begins (`"fiets"*` finds "fietsenmaker": Dutch
    /// writes compounds as one word).
    fn fts5(&self) -> String {
        let phrases: Vec<String> = self
            .0
            .iter()
            .map(|w| {
                let star = if prefix_worthy(w) { "*" } else { "" };
                format!("\"{}\"{star}", w.replace('"', "\"\""))
            })
            .collect();
        phrases.join(" ")
    }

    /// MariaDB boolean mode: every word long enough to be indexed a required quoted phrase
    /// (`+"cafe" +"belgie"`); `None` when no word is.
    fn boolean(&self) -> Option<String> {
        let phrases: Vec<String> = self
            .0
            .iter()
            .filter(|w| w.chars().filter(|c| c.is_alphanumeric()).count() >= MYSQL_MIN_WORD)
            .map(|w| {
                // Truncation works on bare words only: a word of letters and digits alone can
                // go bare (no operator in it); anything else stays a quoted phrase.
                if prefix_worthy(w) && w.chars().all(char::is_alphanumeric) {
                    format!("+{w}*")
                } else {
                    format!("+\"{}\"", w.replace('"', " "))
                }
            })
            .collect();
        (!phrases.is_empty()).then(|| phrases.join(" "))
    }
}

/// Whether a word is long enough to find the longer words it begins (shorter ones would find
/// nearly everything).
fn prefix_worthy(word: &str) -> bool {
    word.chars().filter(|c| c.is_alphanumeric()).count() >= 3
}

/// A page or post a search found, with its text for the caller to make a snippet of.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SearchHit {
    /// Page or post.
    pub kind: PageKind,
    /// Path on the site.
    pub slug: String,
    /// Title.
    pub title: String,
    /// Short summary (may be empty).
    pub summary: String,
    /// Markdown source.
    pub body_md: String,
    /// Post date or first publication, Unix seconds.
    pub published_at: Option<i64>,
    /// Last change, Unix seconds.
    pub updated_at: i64,
}

const SQLITE_SEARCH: &str = "SELECT p.kind, p.slug, p.title, p.summary, p.body_md, \
     p.published_at, p.updated_at \
     FROM page_search JOIN published_pages p ON p.id = page_search.rowid \
     WHERE page_search MATCH ? AND p.site_id = ? \
     AND (p.published_at IS NULL OR p.published_at <= ?) \
     ORDER BY bm25(page_search, 10.0, 3.0, 1.0), p.id LIMIT ?";

const MYSQL_SEARCH: &str = "SELECT kind, slug, title, summary, body_md, published_at, updated_at \
     FROM published_pages \
     WHERE MATCH (title, summary, body_md) AGAINST (? IN BOOLEAN MODE) AND site_id = ? \
     AND (published_at IS NULL OR published_at <= ?) \
     ORDER BY 3 * MATCH (title) AGAINST (? IN BOOLEAN MODE) \
     + MATCH (title, summary, body_md) AGAINST (? IN BOOLEAN MODE) DESC, id LIMIT ?";

impl Reader {
    /// The site's pages and posts visitors can see at `now` that hold every word of
    /// `terms`, best first (a word in the title counts most), at most `limit`
    /// (up to [`MAX_RESULTS`]).
    pub async fn search(
        &self,
        site_id: i64,
        terms: &Terms,
        now: i64,
        limit: i64,
    ) -> Result<Vec<SearchHit>> {
        let limit = limit.clamp(1, MAX_RESULTS);
        if terms.is_empty() {
            return Ok(Vec::new());
        }
        let pool = self.pool();
        let rows = if pool.connect_options().database_url.scheme() == "sqlite" {
            sqlx::query(SQLITE_SEARCH)
                .bind(terms.fts5())
                .bind(site_id)
                .bind(now)
                .bind(limit)
                .fetch_all(pool)
                .await?
        } else {
            let Some(q) = terms.boolean() else {
                return Ok(Vec::new());
            };
            sqlx::query(MYSQL_SEARCH)
                .bind(q.clone())
                .bind(site_id)
                .bind(now)
                .bind(q.clone())
                .bind(q)
                .bind(limit)
                .fetch_all(pool)
                .await?
        };
        rows.iter()
            .map(|r| {
                Ok(SearchHit {
                    kind: PageKind::parse(&r.try_get::<String, _>(0)?),
                    slug: r.try_get(1)?,
                    title: r.try_get(2)?,
                    summary: r.try_get(3)?,
                    body_md: r.try_get(4)?,
                    published_at: r.try_get(5)?,
                    updated_at: r.try_get(6)?,
                })
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn words_become_quoted_phrases_only() {
        let t = Terms::parse("  café \"zo'n\"  title:x NEAR( * -foo AND OR \u{0}x ");
        assert_eq!(
            t.words(),
            ["café", "zo'n", "title:x", "NEAR(", "-foo", "AND", "OR", "x"]
        );
        assert_eq!(
            t.fts5(),
            "\"café\"* \"zo'n\"* \"title:x\"* \"NEAR(\"* \"-foo\"* \"AND\"* \"OR\" \"x\""
        );
        // Bare (with truncation) only where nothing but letters and digits.
        assert_eq!(
            t.boolean().as_deref(),
            Some("+café* +\"zo'n\" +\"title:x\" +\"NEAR(\" +\"-foo\" +AND*")
        );
    }

    #[test]
    fn long_searches_are_cut() {
        let t = Terms::parse(&"woord ".repeat(100));
        assert_eq!(t.words().len(), MAX_TERMS);
        let t = Terms::parse(&"x".repeat(1000));
        assert_eq!(t.words(), ["x".repeat(MAX_TERM_CHARS)]);
        assert!(Terms::parse("  \" * -- ").is_empty());
        assert_eq!(Terms::parse("ab").boolean(), None);
    }
}
