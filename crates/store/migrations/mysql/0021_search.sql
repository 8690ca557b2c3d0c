-- Site search: FULLTEXT indexes on `pages`, read by the reader through the `published_pages`
-- view (a MERGE view: MATCH on its columns uses these indexes), so the reader still has no
-- SELECT on `pages` and finds no draft. The table's utf8mb4_unicode_ci collation makes
-- matching accent-insensitive ("belgie" finds "België"). The title has its own index so a
-- match there can rank higher. InnoDB builds one FULLTEXT index per statement.
ALTER TABLE pages ADD FULLTEXT INDEX IF NOT EXISTS page_search (title, summary, body_md);
ALTER TABLE pages ADD FULLTEXT INDEX IF NOT EXISTS page_search_title (title);
