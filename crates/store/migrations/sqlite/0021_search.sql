-- Site search: a full-text index of what visitors can see (published, not in the trash), kept
-- in step with `pages` by the triggers below, so a draft's words never enter it. The text
-- itself stays in `pages` (external content); the reader joins `published_pages`, which also
-- leaves out pages dated later. Never run the 'rebuild' command on it: that would index
-- every row of `pages`, drafts too. `remove_diacritics 2`: "belgie" finds "België".
CREATE VIRTUAL TABLE page_search USING fts5(
    title, summary, body_md,
    content = 'pages', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO page_search (rowid, title, summary, body_md)
    SELECT id, title, summary, body_md FROM pages WHERE published = 1 AND deleted_at IS NULL;

CREATE TRIGGER page_search_insert AFTER INSERT ON pages
    WHEN new.published = 1 AND new.deleted_at IS NULL
BEGIN
    INSERT INTO page_search (rowid, title, summary, body_md)
        VALUES (new.id, new.title, new.summary, new.body_md);
END;

-- An external-content index forgets a row only when told its old text exactly.
CREATE TRIGGER page_search_delete AFTER DELETE ON pages
    WHEN old.published = 1 AND old.deleted_at IS NULL
BEGIN
    INSERT INTO page_search (page_search, rowid, title, summary, body_md)
        VALUES ('delete', old.id, old.title, old.summary, old.body_md);
END;

-- One trigger, so the old text always leaves before the new text enters.
CREATE TRIGGER page_search_update AFTER UPDATE ON pages
BEGIN
    INSERT INTO page_search (page_search, rowid, title, summary, body_md)
        SELECT 'delete', old.id, old.title, old.summary, old.body_md
        WHERE old.published = 1 AND old.deleted_at IS NULL;
    INSERT INTO page_search (rowid, title, summary, body_md)
        SELECT new.id, new.title, new.summary, new.body_md
        WHERE new.published = 1 AND new.deleted_at IS NULL;
END;
