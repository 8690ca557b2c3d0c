-- Site search without InnoDB's English stopword list: it drops "was" (Dutch: laundry, or
-- "was" as in "het was koud") and other words a Dutch visitor searches for. The list is
-- bound to a FULLTEXT index when it is made, so both indexes are made again with it off.
-- IF EXISTS / IF NOT EXISTS: a migration cut short (MariaDB commits DDL as it goes) runs
-- again cleanly.
SET SESSION innodb_ft_enable_stopword = OFF;
ALTER TABLE pages DROP INDEX IF EXISTS page_search;
ALTER TABLE pages DROP INDEX IF EXISTS page_search_title;
ALTER TABLE pages ADD FULLTEXT INDEX IF NOT EXISTS page_search (title, summary, body_md);
ALTER TABLE pages ADD FULLTEXT INDEX IF NOT EXISTS page_search_title (title);
SET SESSION innodb_ft_enable_stopword = ON;
