-- A menu item shown under the item above it (one level of nesting): the site's menu groups
-- "Over ons" › "Bestuur", "Vrijwilligers".
ALTER TABLE menu_items ADD COLUMN IF NOT EXISTS child INT NOT NULL DEFAULT 0;
