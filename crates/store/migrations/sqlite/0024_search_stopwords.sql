-- SQLite's FTS5 has no stopword list; only MariaDB's FULLTEXT indexes are made again.
SELECT 1;
