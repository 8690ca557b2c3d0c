-- Bolwerk schema v1 (MariaDB/MySQL). Times are Unix seconds (UTC).
CREATE TABLE sites (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    name        VARCHAR(100) NOT NULL UNIQUE,
    title       VARCHAR(255) NOT NULL,
    tagline     VARCHAR(255) NOT NULL DEFAULT '',
    created_at  BIGINT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE site_hosts (
    host        VARCHAR(255) NOT NULL PRIMARY KEY,
    site_id     BIGINT NOT NULL,
    FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE pages (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    site_id      BIGINT NOT NULL,
    kind         VARCHAR(10) NOT NULL CHECK (kind IN ('page', 'post')),
    slug         VARCHAR(255) NOT NULL,
    title        VARCHAR(255) NOT NULL,
    summary      TEXT NOT NULL,
    body_md      MEDIUMTEXT NOT NULL,
    published    BIGINT NOT NULL DEFAULT 0,
    published_at BIGINT NULL,
    updated_at   BIGINT NOT NULL,
    UNIQUE KEY site_slug (site_id, slug),
    FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

-- What visitors may see: the reader user has SELECT on this view, not on pages.
CREATE VIEW published_pages AS
    SELECT id, site_id, kind, slug, title, summary, body_md, published_at, updated_at
    FROM pages WHERE published = 1;

CREATE TABLE menu_items (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    site_id     BIGINT NOT NULL,
    position    BIGINT NOT NULL,
    label       VARCHAR(255) NOT NULL,
    href        VARCHAR(1024) NOT NULL,
    FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE content_version (
    id          BIGINT NOT NULL PRIMARY KEY CHECK (id = 1),
    version     BIGINT NOT NULL
) ENGINE=InnoDB;
INSERT INTO content_version (id, version) VALUES (1, 0);

CREATE TABLE security_events (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          BIGINT NOT NULL,
    kind        VARCHAR(64) NOT NULL,
    client_ip   VARCHAR(64) NULL,
    detail      TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;

CREATE TABLE audit_log (
    id          BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    at          BIGINT NOT NULL,
    actor       VARCHAR(255) NOT NULL,
    action      VARCHAR(64) NOT NULL,
    detail      TEXT NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_unicode_ci;
