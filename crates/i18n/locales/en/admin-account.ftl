# The admin: signing in and out, passwords, two-factor, sessions, accounts and settings.

login-title = Sign in
login-user = User name
login-password = Password
login-forgot = Forgot your password?
login-failed = Wrong user name or password.
login-locked = Too many failed attempts. Wait 15 minutes and try again.

## The account page: password, e-mail address for resets, language.

pw-title = Change password
pw-forced = Your password was set by someone else. Choose your own before you go on.
pw-current = Current password
pw-new = New password
pw-at-least = at least 12 characters
pw-again = New password again
pw-wrong-current = The current password is wrong.
pw-differ = The new passwords differ.
pw-same = Choose a password different from the current one.
# $reason is one of the pw-policy-… messages.
pw-refused = New password refused: { $reason }.
pw-policy-too-short = use at least { $min } characters
pw-policy-too-long = use at most { $max } characters
pw-policy-contains-name = the password must not contain the user name
pw-policy-too-common = this password is too easy to guess

account-email-heading = E-mail address for password resets
account-email-help = If you forget your password, a one-time link to choose a new one goes to this address. Leave it empty to allow no resets by e-mail.
account-email = E-mail address
account-email-save = Save the address
account-email-saved = Saved: reset links go to this address.
account-email-removed = Removed: no reset links can be sent for this account.
account-email-too-long = the address is too long
account-email-no-at = the address is not an e-mail address (no @)
account-email-local = the address has an empty or too long part before the @
account-email-local-chars = the address has characters that are not allowed before the @
account-email-encoded = the address contains "=?" (an encoded-word)
account-email-domain = the address has an invalid domain after the @
account-email-invalid = the address is not a usable e-mail address

# Both languages in the heading, so someone who cannot read the page still finds it.
account-lang-heading = Language / Taal
account-lang-help = The language of the admin for your account, on every device.
account-lang = Language
account-lang-browser = Browser's choice
account-lang-save = Save the language
account-lang-saved = Language saved.
account-lang-unknown = Choose one of the languages offered.

## Two-factor authentication.

tfa-code-title = Two-step sign-in
tfa-code-help = Enter the 6-digit code from your authenticator app, or one of your recovery codes.
tfa-code = Code
tfa-verify = Verify
tfa-cancel = Cancel and sign out
tfa-wrong-code = That code is not right, or was already used.
tfa-wrong-setup-code = That code is not right. Check the time on your phone and try again.
tfa-wrong-password = The password is wrong.
tfa-title = Two-factor authentication
tfa-required = An administrator requires two-factor authentication for every account. Set it up to continue.
tfa-codes-heading = Your recovery codes
tfa-codes-help = Each code signs you in once if you lose your phone. Store them somewhere safe now: they are not shown again.
tfa-done = Done
# Followed by tfa-on in bold and a full stop.
tfa-is = Two-factor authentication is
tfa-on = on
tfa-codes-left = { $count ->
    [one] { $count } recovery code left.
   *[other] { $count } recovery codes left.
}
tfa-password-to-off = Your password, to turn it off
tfa-turn-off = Turn off two-factor authentication
tfa-step-scan = Scan this code with an authenticator app (or type the key in by hand).
tfa-step-enter = Enter the 6-digit code it shows.
tfa-key = Key
tfa-app-code = Code from the app
tfa-turn-on = Turn on

## Forgot your password: the link by e-mail.

reset-forgot-title = Forgot your password?
reset-sent = If that account has an e-mail address, a link to choose a new password is on its way. It works once, for 30 minutes.
reset-back = Back to sign in
reset-forgot-help = Give your user name. If your account has an e-mail address, we send a link to choose a new password.
reset-send = Send the link
reset-title = Choose a new password
reset-invalid = This link does not work (any more): it was used, is older than 30 minutes, or was not copied whole.
reset-ask-new = Ask for a new link
reset-done = Your password is changed, and every session of the account has ended.
reset-save = Save the new password
reset-mail-subject = Choose a new password for { $user }
reset-mail-intro = Someone (from { $ip }) asked to choose a new password for the account { $user } on { $host }.
reset-mail-open = { $minutes ->
    [one] To do so, open this link within { $minutes } minute; it works once:
   *[other] To do so, open this link within { $minutes } minutes; it works once:
}
reset-mail-ignore = If it was not you, ignore this mail: your password stays as it is. Two-step sign-in, if you use it, is still asked for afterwards.

## Sessions.

sess-title = Sessions
sess-heading = Active sessions
sess-help = A session is bound to the network and browser it started from and ends after { $idle ->
    [one] { $idle } minute
   *[other] { $idle } minutes
} without activity or { $lifetime ->
    [one] { $lifetime } hour
   *[other] { $lifetime } hours
} in all.
sess-col-user = User
sess-col-address = Address
sess-col-browser = Browser
sess-col-started = Started
sess-col-last-seen = Last seen
sess-this = this session
sess-revoke = Revoke
sess-revoke-others = Sign out everywhere else
sess-own-only = You can only end your own sessions.

## Users.

users-title = Users
users-one-time-heading = One-time password for { $user }
users-one-time-help = Give it to { $user } in person or by phone. It works once: they choose their own password at the first sign-in. It is not shown again.
users-col-name = Name
users-col-role = Role
users-col-sites = Sites
users-col-tfa = Two-factor
users-col-state = State
users-col-created = Created
users-you = you
users-every-site = every site
users-save-sites = Save sites
users-tfa-on = on
users-tfa-off = off
users-state-active = active
users-state-disabled = disabled
users-new-password = New password
users-disable = Disable
users-enable = Enable
users-make-editor = Make editor
users-make-admin = Make admin
users-add-heading = Add a user
users-name = Name
users-role = Role
users-role-editor = editor (content of the sites ticked)
users-role-admin = admin (everything, every site)
users-sites-legend = Sites an editor may edit
users-add = Add user
users-bad-name = Use 1-64 letters, digits, '.', '-', '_' or '@' for the name.
users-exists = Not added: "{ $name }" already exists.
users-not-added = Not added: { $reason }.
users-choose-other = Choose another user's account.
users-unknown-role = Unknown role.
users-choose-editor = Choose an editor: administrators edit every site.

## Security settings.

settings-title = Security settings
settings-require-2fa = Require two-factor authentication for every account
settings-require-2fa-help = Accounts without it are sent to the set-up page after their password and can do nothing else until it is done.
settings-save = Save

## Login history.

logins-title = Login history
logins-user = User
logins-address = Address
logins-result = Result
logins-any = any
logins-from = From
logins-to = To
logins-filter = Filter
logins-export = Export CSV
logins-col-time = Time
logins-col-user-name = User name
logins-col-address = Address
logins-col-browser = Browser
logins-col-result = Result
logins-none = No attempts match.
logins-newer = Newer
logins-older = Older
logins-result-success = signed in
logins-result-awaiting-second-factor = password right, code asked
logins-result-wrong-password = wrong password
logins-result-unknown-user = unknown user
logins-result-second-factor-failed = second factor failed
logins-result-locked = locked out
logins-result-disabled = account disabled
logins-result-session-hijack = stolen session refused
logins-result-recheck-failed = password re-check failed

## Audit log.

audit-title = Audit log
audit-help = Every change, by whom and from where. Nobody can edit or delete these lines.
audit-col-time = Time
audit-col-who = Who
audit-col-address = Address
audit-col-action = Action
audit-col-details = Details
audit-none = Nothing yet.

## Refusals and errors.

err-back = Back to the dashboard
err-https-title = HTTPS required
err-https = The admin interface is only available over HTTPS.
err-signed-out-title = Signed out
err-signed-out = Your session has ended. Sign in again.
err-not-allowed-title = Not allowed
err-admins-only = This page is for administrators.
err-refused-title = Refused
err-cross-origin = This form was not sent from this site.
err-csrf = The form was out of date. Go back, reload and try again.
