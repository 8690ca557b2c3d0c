-- The Inbox reads one site's messages from the newest back and counts them per site: with
-- this index each costs that site's own messages, however many another site received.
CREATE INDEX IF NOT EXISTS form_submissions_site_id ON form_submissions(site, id);
