-- The sites an editor may edit (administrators edit every site). An agency hosting several
-- customers keeps customer A's volunteers out of customer B's site. Editors that exist when
-- this runs keep every site they could edit before, so an upgrade locks nobody out; an
-- administrator narrows it on the Users page.
CREATE TABLE IF NOT EXISTS user_sites (
    user_id BIGINT NOT NULL,
    site_id BIGINT NOT NULL,
    PRIMARY KEY (user_id, site_id),
    FOREIGN KEY (user_id) REFERENCES users(id) ON DELETE CASCADE,
    FOREIGN KEY (site_id) REFERENCES sites(id) ON DELETE CASCADE
) ENGINE=InnoDB;
INSERT IGNORE INTO user_sites (user_id, site_id)
    SELECT u.id, s.id FROM users u, sites s WHERE u.role = 'editor';
