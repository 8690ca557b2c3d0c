-- The site's icon (favicon): the stored name of one of its uploaded images, chosen by an
-- editor on the Media page; NULL: none.
ALTER TABLE sites ADD COLUMN icon TEXT;
