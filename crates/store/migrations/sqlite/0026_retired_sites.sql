-- A site taken out of the config is retired at the next start: its hosts are let go (it is
-- no longer served), its pages, media and messages stay. Its name cannot come back silently
-- for another customer: a retired name starts only after `bolwerk site restore`.
ALTER TABLE sites ADD COLUMN retired_at INTEGER;
