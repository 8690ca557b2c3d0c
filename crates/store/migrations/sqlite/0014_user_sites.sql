-- The sites an editor may edit (administrators edit every site). An agency hosting several
-- customers keeps customer A's volunteers out of customer B's site. Editors that exist when
-- this runs keep every site they could edit before, so an upgrade locks nobody out; an
-- administrator narrows it on the Users page.
CREATE TABLE user_sites (
    user_id INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
    site_id INTEGER NOT NULL REFERENCES sites(id) ON DELETE CASCADE,
    PRIMARY KEY (user_id, site_id)
);
INSERT INTO user_sites (user_id, site_id)
    SELECT u.id, s.id FROM users u, sites s WHERE u.role = 'editor';
