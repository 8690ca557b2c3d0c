-- The language of the admin interface an account chose ('nl' or 'en'); NULL: the browser's
-- preference, else the server's default.
ALTER TABLE users ADD COLUMN lang TEXT;
