# admin-content

content-saved-scheduled = Saved. Scheduled: visitors see it from { $when }.

## Pages and posts: the list, the editor, the trash

content-pages-heading = Pages and posts
content-site = Site
content-show = Show
content-new-page = New page
content-new-post = New post
content-edit-page = Edit page
content-edit-post = Edit post
content-edit-title = Edit { $title }
content-menu = Menu
content-trash = Trash
content-trash-count = Trash ({ $count })
content-title = Title
content-path = Path
content-summary = Summary
content-type = Type
content-state = State
content-updated = Updated
content-kind-page = page
content-kind-post = post
content-state-published = published
content-state-draft = draft
content-scheduled-for = scheduled for { $when }
content-no-pages = No pages yet.
content-all-pages = All pages
content-history = History
content-view-on-site = View on the site
content-preview-link = Preview as saved
content-preview-link-help = Shows the page as last saved, on the site's own design. The link works for 30 minutes, also for a colleague without an account.
content-path-help = (made from the title; change it if you like)
content-path-placeholder = /from-the-title
content-summary-help = (lists and search engines)
content-publish-on = Publish on
content-publish-help-post = the post's date; a later moment schedules it
content-publish-help-page = a later moment schedules it; empty: at once
content-time = Time
content-published-check = Published (visible to visitors)
content-text = Text
content-preview = Preview
content-save = Save
content-move-to-trash = Move to trash
content-trash-help = Pages here are invisible to visitors. Restore one to bring it back with its whole history.
content-restore = Restore
content-trash-empty = The trash is empty.

## Messages of the editor's handlers

content-no-site-title = No such site
content-no-site = That site does not exist, or it is not open to you. An administrator gives access to sites on the Users page.
content-not-found-title = Not found
content-not-found = That page or version does not exist.
content-saved = Saved.
content-preview-only = Preview only: not saved yet.
content-bad-date = Not saved: the date is not a date (YYYY-MM-DD).
content-not-saved = Not saved: { $reason }.
content-preview-expired = This preview link does not work (any more): preview links work for half an hour. Ask for a new one.
content-done-trashed = Moved to the trash. You can restore it from the Trash.
content-done-restored = Restored from the trash.
content-done-reverted = The older version is back; the text it replaced is kept in the history.
content-done-menu = Menu saved.
content-done-uploaded = Uploaded.
content-done-deleted = Removed.
content-done-released = Released: the file is served again.
content-done-rescan = Every stored file will be scanned again in the background.
content-done-alt = Description saved.

## The dashboard

dash-welcome = Welcome, { $name }
dash-av-off = Uploads are not scanned for viruses.
dash-av-off-admin-before = Set
dash-av-off-admin-after = in the config to clamd's socket (see docs/antivirus.md).
dash-av-down = The virus scanner cannot be reached: uploads are refused (or stored unscanned, as the operator chose) until it is back.
dash-av-down-since = The virus scanner cannot be reached since { $when } { $tz }: uploads are refused (or stored unscanned, as the operator chose) until it is back.
dash-quarantined = { $count ->
    [one] { $count } stored file is quarantined after a virus scan: see the Media page of each site.
   *[other] { $count } stored files are quarantined after a virus scan: see the Media page of each site.
}
dash-tile-drafts = { $count ->
    [one] draft
   *[other] drafts
}
dash-tile-scheduled = scheduled
dash-tile-messages = { $count ->
    [one] message this week
   *[other] messages this week
}
dash-scheduled = Scheduled
dash-drafts = Drafts
dash-recent = Recently edited
dash-goes-live = goes live { $when } { $tz }
dash-last-saved = last saved { $when } { $tz }
dash-nothing-yet = Nothing yet.
dash-no-site = No site is open to you yet. An administrator gives access to sites on the Users page.
dash-tile-sessions = { $count ->
    [one] active session of yours
   *[other] active sessions of yours
}
dash-tile-failed = { $count ->
    [one] failed sign-in in 24 hours
   *[other] failed sign-ins in 24 hours
}
dash-tile-new-ips = { $count ->
    [one] sign-in from a new address (7 days)
   *[other] sign-ins from a new address (7 days)
}
dash-failed-heading = Failed sign-ins
dash-col-time = Time
dash-col-user-name = User name
dash-col-user = User
dash-col-address = Address
dash-col-result = Result
dash-col-browser = Browser
dash-all-failed = All failed sign-ins
dash-none-24h = None in the last 24 hours.
dash-new-ips-heading = Sign-ins from addresses never seen before for that user
dash-none-7d = None in the last 7 days.
dash-mine-heading = Your recent sign-ins
dash-result-success = signed in
dash-result-awaiting-second-factor = password right, code asked
dash-result-wrong-password = wrong password
dash-result-unknown-user = unknown user
dash-result-second-factor-failed = second factor failed
dash-result-locked = locked out
dash-result-disabled = account disabled
dash-result-session-hijack = stolen session refused
dash-result-recheck-failed = password re-check failed

## The revision history

hist-title = History of { $title }
hist-heading = History of “{ $title }”
hist-back = Back to the editor
hist-changes = Changes in the version of { $when } by { $by }
hist-no-changes = No changes in the title, path, summary or text.
hist-saved = Saved
hist-by = By
hist-restore-confirm = Restore the version of { $when }? The text as it is now stays in the history.
hist-restore = Restore this version
hist-current = current

## The menu

menu-heading = Menu of { $site }
menu-save = Save menu
menu-news = News
menu-err-item = line { $line }: a label of at most 60 characters and a link to /path or https://…
menu-err-too-many = at most 30 menu items
menu-err-no-page = “{ $label }” links to { $path }, where the site has no page; make the page first, or correct the path

## Images and documents

media-heading = Images and documents
media-alt-label = What the image shows
media-alt-help = (for people who cannot see it; not needed for a PDF)
media-alt-placeholder = Volunteers planting trees in the garden
media-file-label = Upload an image (PNG, JPEG, GIF, WebP) or a PDF, at most { $mb } MB
media-upload = Upload
media-av-down = The virus scanner cannot be reached: uploads are refused (or stored unscanned, as the operator chose) until it is back.
media-scanned = Every upload is scanned for viruses
media-signatures = signatures { $version }
media-photos-stripped = Photos are stored without their hidden details (GPS position, camera serial number).
media-av-off = Uploads are not scanned for viruses: the operator has not set up the virus scanner.
media-rescan-progress = Scanning the stored files again with new virus signatures ({ $version }): { $done } of { $total } done
media-rescan-quarantined = { $count } quarantined
media-quarantined-heading = Quarantined
media-quarantine-help = A virus scan after a signature update found something in these files. They are no longer shown to visitors (links to them give "not found").
media-quarantine-help-admin = Delete them, or release one if you are sure the finding is a false alarm.
media-quarantine-help-editor = An administrator will delete them, or release one that is a false alarm.
media-found = Found:
media-delete-for-good = Delete for good
media-release = Release: a false alarm
media-use-in-page = Use in a page:
media-description = Description
media-save = Save
media-metadata-removed = Removed from the file before it was stored: { $what }.
media-remove = Remove
media-nothing-yet = Nothing uploaded yet.
media-rescan-now = Scan all stored files again now
media-err-type = Not uploaded: only PNG, JPEG, GIF, WebP images and PDF documents are accepted (SVG is not, as it can contain scripts).
media-err-pdf-active = Not uploaded: this PDF contains { $what }. Visitors' PDF readers would act on it. Save or print it again as a plain PDF (PDF/A) and upload that.
media-err-no-alt = Not uploaded: describe in a few words what the image shows, for people who cannot see it (screen readers read it out).
media-err-image = Not uploaded: { $error }. Save it again from an image editor and upload that.
media-err-unreadable = Not uploaded: the image could not be read.
media-err-store = Not uploaded: the server could not store the file.
media-err-virus = Not uploaded: the virus scanner found { $found } in this file. It was not stored; the administrator has been told.
media-err-unscannable = Not uploaded: the file could not be scanned whole ({ $why }): it is too large, too deeply packed or encrypted.
media-err-plain = Not uploaded: { $error }.
media-err-scanner = Not uploaded: { $error }. Try again in a few minutes; if it lasts, tell the administrator.
media-err-cut = Not uploaded: the upload was cut off or too large.
media-err-too-large = Not uploaded: larger than { $mb } MB.
media-err-alt-too-long = Not uploaded: the description is too long.
media-err-no-file = Not uploaded: choose a file first.
media-err-empty = Not uploaded: the file is empty.
media-err-alt-empty = Not changed: describe in a few words what the image shows.

## The inbox

inbox-new-count = { $count } new
inbox-help = Messages visitors sent through the contact forms, newest first. Each one is kept here the moment it arrives, before it is mailed, so a mail outage loses nothing; "Mail" says whether the notification reached the mail relay.
inbox-search = Search
inbox-search-placeholder = name, address or words
inbox-show = Show
inbox-show-open = to do (new and read)
inbox-show-done = done
inbox-show-all = all
inbox-no-match = No messages match.
inbox-none-yet = No messages yet.
inbox-col-received = Received
inbox-col-site-form = Site / form
inbox-col-message = Message
inbox-col-mail = Mail
inbox-col-state = State
inbox-reply = Reply by e-mail
inbox-mark-read = Mark read
inbox-mark-done = Done
inbox-mark-new = Mark new
inbox-state-new = new
inbox-state-read = read
inbox-state-done = done
inbox-mail-queued = queued
inbox-mail-sending = sending
inbox-mail-sent = sent
inbox-mail-delivered = delivered
inbox-mail-failed = failed
inbox-mail-dead = dead
inbox-mail-requeued = requeued
inbox-no-message = That message does not exist.
inbox-reply-subject = Re: your message on the website of { $site }
inbox-older = Older messages →
inbox-newest = ← Newest messages
inbox-pages = Browse messages
inbox-scan-ended = { $count } messages were searched; "Older messages" searches further back.
content-lang = Language of this page
content-lang-help = (screen readers and search engines go by it)
content-lang-site = The site's language
content-bad-lang = Not saved: choose Dutch, English or the site's language.
content-phone-preview = Preview at phone width
content-phone-preview-help = The saved version on the site's own design, 390 pixels wide. Save first to see your latest changes.
content-insert-image = Insert an image or file
content-insert-help = Click an image to put it where the cursor is, or drop a file from your computer on the text.
content-no-images = No images uploaded for this site yet.
content-upload-new = Upload a new one
content-alt-prompt = Describe the image for people who cannot see it (for example: "Volunteers planting the new hedge"):
content-upload-failed = The upload did not work. Try again, or use the Media page.
menu-help = Pick a page for each item (or choose "Another address" and type /path or https://…), give it a label, and put the items in order. Tick "Under the item above" to show an item in a submenu. Links to paths where the site has no page are refused.
menu-col-order = Order
menu-col-label = Label
menu-col-target = Links to
menu-col-under = Under the item above
menu-col-remove = Remove
menu-other-address = Another address:
menu-or = or
menu-address = Address
menu-more-rows = Need more rows? Save, and three empty ones appear again.
menu-up = Move up
menu-down = Move down
content-done-icon = Site icon saved. Browsers may show the old one for a while.
media-make-icon = Use as the site's icon
media-is-icon = The site's icon (shown in browser tabs and bookmarks).
media-no-icon = No icon
menu-draft = { $title } (draft)
