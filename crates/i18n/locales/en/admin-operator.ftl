# admin-operator: the pages only administrators see (security, shield rules, certificates,
# DNS, the self-check, mail and DMARC). Technical terms stay as they are.

## Security

sec-title = Security
sec-rules-link = Rules and switches
sec-bans-in-force = { $count ->
    [one] { $count } ban in force
   *[other] { $count } bans in force
}
sec-blocklisted-ranges = { $count ->
    [one] { $count } blocklisted range
   *[other] { $count } blocklisted ranges
}
sec-blocked-per-hour = Blocked attacks per hour
sec-blocked-per-hour-note = last 24 h, UTC; { $total } in all
sec-bans-per-day = Bans per day
sec-bans-per-day-note = last 14 days; { $total } in all
sec-chart-label = { $what }: { $total } in all, at most { $max }
sec-top-addresses = Top offending addresses
sec-seven-days = 7 days
sec-col-address = Address
sec-col-blocked = Blocked
sec-hits-link = Hits
sec-no-blocked-week = No blocked attacks this week.
sec-top-rules = Top rules
sec-col-rule = Rule
sec-col-what = What
sec-col-hits = Hits
sec-no-rule-fired = No rule fired this week.
sec-bans-heading = Bans in force
sec-by-source = By source:
sec-all = all
sec-col-subject = Address or network
sec-col-source = Source
sec-col-why = Why
sec-col-ban-count = Ban no.
sec-col-since = Since
sec-col-until = Until
sec-log-line = Log line
sec-unban = Unban
sec-nobody-banned = Nobody is banned.
sec-subject-placeholder = 203.0.113.9 or 198.51.100.0/24
sec-for = For
sec-dur-1h = 1 hour
sec-dur-24h = 24 hours
sec-dur-7d = 7 days
sec-dur-30d = 30 days
sec-dur-permanent = permanent
sec-ban = Ban
sec-allowlist = Allowlist
sec-allowlist-intro = Addresses here are never inspected, counted or banned. Use it for your office or monitoring, not for whole providers.
sec-col-note = Note
sec-from-config = from the config file
sec-remove = Remove
sec-empty = Empty.
sec-add-allowlist = Add to allowlist
sec-hit-log = Hit log
sec-filter = Filter
sec-col-time = Time
sec-col-result = Result
sec-col-rules = Rules
sec-col-where = Where
sec-col-path = Path
sec-col-matched = Matched part
sec-no-hits = No hits.
sec-no-hits-filter = No hits for this filter.
sec-kind-blocked = blocked
sec-kind-detected = detected
sec-source-web = web (shield)
sec-source-cli = by hand (CLI)
sec-source-admin = by hand (admin)
sec-source-guard = { $service } (guard)
sec-not-an-address = { $subject } is not an IP address or network.
sec-own-address = { $subject } includes your own address; that would lock you out.
sec-banned = Banned { $subject }.
sec-not-banned = { $subject } was not banned.
sec-lifted = Lifted the ban on { $subject }.
sec-already-allowed = { $entry } is already on the allowlist.
sec-allowed = { $entry } is on the allowlist: never inspected, counted or banned.
sec-not-allowed = { $entry } is not on the allowlist.
sec-disallowed = { $entry } is off the allowlist.

## Shield rules

rules-title = Shield rules
rules-intro-1 = Switch a rule off only for a false positive you have seen in the hit log (use
rules-intro-2 = to try a request). Every switch is written to the audit log and reaches every node within seconds. Rules switched off in the config file are shown but cannot be switched on here.
rules-col-rule = Rule
rules-col-class = Class
rules-col-severity = Severity
rules-col-catches = What it catches
rules-col-hits = Hits (7 days)
rules-col-state = State
rules-state-locked = off (config file)
rules-state-on = on
rules-state-off = off
rules-switch-on = Switch on
rules-switch-off = Switch off
rules-changed = { $when } by { $name }
rules-no-such = There is no rule { $rule }.
rules-now-on = Rule { $rule } is on.
rules-now-off = Rule { $rule } is off.

## Certificates

cert-title = Certificates
cert-intro = Every site's HTTPS certificate. Certificates from the ACME CA are renewed by themselves when a third of their lifetime is left; a failed attempt is retried with growing pauses while the current certificate keeps working. Certificate files are served anew as soon as they change on disk.
cert-https-off = HTTPS is not switched on
cert-col-site = Site
cert-col-source = Source
cert-col-issuer = Issuer
cert-col-names = Names
cert-col-expires = Expires
cert-col-attempt = Last ACME attempt
cert-unreadable = Cannot read the certificate: { $problem }
cert-days-left = { $count ->
    [one] { $count } day left
   *[other] { $count } days left
}
cert-none-yet = none yet
cert-renewal-asked = renewal asked for
cert-renew = Renew now
cert-source-files = files
cert-only-acme = Only a site with an ACME certificate can be renewed here.
cert-ask-failed = Could not ask for the renewal: { $error }
cert-renewal-requested = Renewal of { $site } asked for; it happens within a few seconds. Reload this page for the result.

## DNS

dns-title = DNS
dns-intro = The records every site needs (addresses, SPF, DKIM, DMARC, CAA, MTA-STS, TLS-RPT), kept in the agency's zones with signed dynamic updates
dns-intro-auto = by the server itself
dns-intro-manual = changes wait for
dns-intro-or = or
dns-intro-rest = Other records in the zones are never touched. Below: the DNSSEC chain of trust of every host, checked from the root.
dns-zones = Zones
dns-sync-now = Sync now
dns-look-again = Look again
dns-last-looked = last looked { $when }
dns-not-looked = not looked at yet
dns-no-zone = No zone configured
dns-see-docs = see { $doc }
dns-by-hand = publish the records by hand.
dns-primary = primary { $server }
dns-update-failed = Could not update the zone: { $error }
dns-read-failed = Could not read the zone: { $error }
dns-drift = Bolwerk's records here were changed by someone else (the differences below);
dns-drift-put-back = they were put back
dns-drift-puts-back = puts them back
dns-drift-instead = Change them in Bolwerk's config instead.
dns-sent = { $count ->
    [one] { $count } change sent and accepted.
   *[other] { $count } changes sent and accepted.
}
dns-col-waiting = Waiting
dns-col-why = Why
dns-in-sync = { $count ->
    [one] In sync: { $count } record of Bolwerk's, as it should be.
   *[other] In sync: { $count } records of Bolwerk's, all as they should be.
}
dns-records-in = Bolwerk's records in { $zone }
dns-foreign = { $count ->
    [one] { $count } record at these names belongs to the operator and is left alone.
   *[other] { $count } records at these names belong to the operator and are left alone.
}
dns-unmanaged = Not in any zone Bolwerk may update
dns-unmanaged-hint = Publish these by hand, or add their zone to
dns-check-now = Check now
dns-last-checked = last checked { $when }
dns-not-checked = not checked yet
dns-col-name = Name
dns-col-verdict = Verdict
dns-col-chain = Chain
dns-col-todo = What to do
dns-signed-until = signed until { $when }
dns-status-secure = secure
dns-status-insecure = not signed
dns-status-bogus = broken
dns-status-unknown = unknown
dns-rotation = DKIM key rotation
dns-synced = The zones were looked at just now.
dns-checked = DNSSEC checked just now.

## Self-check

check-title = Check
check-intro-1 = Every hosted domain tested as internet.nl tests it (website and mail: IPv6, DNSSEC, HTTPS, TLS, certificate, security headers, security.txt, SPF, DKIM, DMARC, STARTTLS, DANE), plus MTA-STS and TLS-RPT, from this server. The server checks by itself once a day when
check-intro-2 = is set up; anything that was met and no longer is, is mailed to the operator. The same from the command line:
check-now = Check now
check-nothing-1 = nothing to check until
check-nothing-2 = names a zone or a resolver (docs/dns.md)
check-none-yet = No check has run yet.
check-web-score = website { $score }%
check-mail-score = mail { $score }%
check-regressions = No longer met since the check before:
check-fix = Fix:
check-details = details
check-status-pass = pass
check-status-fail = fail
check-status-warning = warning
check-status-info = info
check-status-not-tested = nottested
check-ran = Checked just now.
check-still-running = The check is still running; reload this page in a few minutes.

## Mail

mail-title = Mail
mail-delivery = Delivery
mail-relay-1 = Mail goes to the relay
mail-relay-2 = Every message is signed with DKIM; a failed delivery is tried again with growing pauses, and a message the relay refuses for good is kept here as given up.
mail-direct = Mail is delivered straight to each recipient's mail servers (their MX records), with STARTTLS whenever they offer it. Every message is signed with DKIM; failed deliveries are tried again with growing pauses.
mail-no-relay-1 = No mail relay is set
mail-no-relay-2 = messages wait in the queue until one is.
mail-no-messages = No messages yet.
mail-col-queued = Queued
mail-col-to = To / subject
mail-col-state = State
mail-col-last = Last attempt
mail-attempts = { $count ->
    [one] { $count } attempt
   *[other] { $count } attempts
}
mail-next = next { $when }
mail-send-again = Send again
mail-state-queued = queued
mail-state-sending = sending
mail-state-sent = sent
mail-state-delivered = delivered
mail-state-failed = failed
mail-state-dead = dead
mail-state-requeued = requeued
mail-security = Mail security (SPF, DKIM, DMARC)
mail-security-intro = Publish these TXT records at your DNS provider so that receivers can tell your mail from forgeries.
mail-dns-now = Below is what the DNS says right now.
mail-check-link = Check the DNS now
mail-check-rest = to see whether each one is published and correct.
mail-site = site { $site }
mail-col-record = Record
mail-col-publish = Publish (TXT)
mail-col-in-dns = In the DNS
mail-correct = correct
mail-switch-keys = Switch to the new keys ({ $selector })
mail-new-keys = Make new DKIM keys
mail-remove-retired = Remove retired keys { $selector }
mail-no-site = No site sends mail yet (add a contact form to a site).
mail-only-dead = Only a message that was given up can be sent again.
mail-requeued = Message { $id } is being sent again.
mail-unknown-domain = Unknown mail domain.
mail-keys-made = New keys { $set } made for { $domain }. Publish their two DKIM records, then press "Switch to the new keys".
mail-not-waiting = Those keys are not waiting to take over.
mail-not-switched = The new keys are not switched on yet: { $why }. Publish the records marked "next" and try again (DNS changes can take a while to show).
mail-activated = Mail for { $domain } is now signed with { $selector }. The old keys are retired: keep their records published for a week, then remove them here.
mail-keys-removed = Keys { $selector } of { $domain } removed. Remove their DKIM records from the DNS too.

## DMARC

dmarc-title = DMARC reports
dmarc-intro-1 = Mail providers send a daily report of every message they saw with your domain in
dmarc-intro-2 = where it came from and whether it passed SPF and DKIM. Here they are summed up per sending address for the last 30 days, so you can see which servers send for you and which ones forge your domain. Reports arrive by upload here, with
dmarc-intro-3 = or from the report mailbox.
dmarc-mailbox = Report mailbox { $user } on { $server } ({ $folder }):
dmarc-last-read = last read { $when }
dmarc-read-failed = failed: { $error }
dmarc-mailbox-counts = { $imported } imported, { $duplicates } already known, { $refused } not a report
dmarc-not-read = not read yet
dmarc-files = Report files (.xml, .gz, .zip or the .eml they came in)
dmarc-import = Import
dmarc-none = No reports from the last 30 days yet.
dmarc-summary = { $reports ->
    [one] { $reports } report
   *[other] { $reports } reports
}, { $messages ->
    [one] { $messages } message
   *[other] { $messages } messages
}, { $failed } failing DMARC.
dmarc-col-source = Source address
dmarc-col-messages = Messages
dmarc-col-pass = Pass DMARC
dmarc-col-dkim = DKIM aligned
dmarc-col-spf = SPF aligned
dmarc-col-refused = Refused by receivers
dmarc-col-what = What it is
dmarc-reported-by = reported by { $reporters }
dmarc-reports = Reports
dmarc-col-from = From
dmarc-col-domain = Domain
dmarc-col-period = Period
dmarc-col-failing = Failing
dmarc-col-came-in = Came in by
dmarc-cut-off = the upload was cut off or too large
dmarc-too-large = not imported: larger than { $mb } MB or cut off
dmarc-imported = imported report { $id } from { $org } about { $domain } ({ $messages ->
    [one] { $messages } message
   *[other] { $messages } messages
}, { $failed } failing DMARC)
dmarc-duplicate = already imported (report { $id } from { $org })
dmarc-refused = not imported: { $error }
dmarc-no-file = no file was chosen
dns-rotation-waiting = DKIM keys waiting to take over
