-- Bolwerk schema v1 (SQLite). Times are Unix seconds (UTC).
CREATE TABLE sites (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    name        TEXT NOT NULL UNIQUE,
    title       TEXT NOT NULL,
    tagline     TEXT NOT NULL DEFAULT '',
    created_at  INTEGER NOT NULL
);

CREATE TABLE site_hosts (
    host        TEXT PRIMARY KEY,
    site_id     INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE
);

CREATE TABLE pages (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id      INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    kind         TEXT NOT NULL CHECK (kind IN ('page', 'post')),
    slug         TEXT NOT NULL,
    title        TEXT NOT NULL,
    summary      TEXT NOT NULL DEFAULT '',
    body_md      TEXT NOT NULL,
    published    INTEGER NOT NULL DEFAULT 0,
    published_at INTEGER,
    updated_at   INTEGER NOT NULL,
    UNIQUE (site_id, slug)
);

-- What visitors may see: the reader role reads pages only through this view.
CREATE VIEW published_pages AS
    SELECT id, site_id, kind, slug, title, summary, body_md, published_at, updated_at
    FROM pages WHERE published = 1;

CREATE TABLE menu_items (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    site_id     INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    position    INTEGER NOT NULL,
    label       TEXT NOT NULL,
    href        TEXT NOT NULL
);

-- Bumped in the same transaction as every content change; servers poll it to drop cached pages.
CREATE TABLE content_version (
    id          INTEGER PRIMARY KEY CHECK (id = 1),
    version     INTEGER NOT NULL
);
INSERT INTO content_version (id, version) VALUES (1, 0);

-- Append-only (recorder role).
CREATE TABLE security_events (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    kind        TEXT NOT NULL,
    client_ip   TEXT,
    detail      TEXT NOT NULL
);

CREATE TABLE audit_log (
    id          INTEGER PRIMARY KEY AUTOINCREMENT,
    at          INTEGER NOT NULL,
    actor       TEXT NOT NULL,
    action      TEXT NOT NULL,
    detail      TEXT NOT NULL
);
