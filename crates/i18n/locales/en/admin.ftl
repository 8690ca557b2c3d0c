# The admin interface: the frame of every page, and words many pages share.

admin-title = Admin
nav-label = Admin menu
nav-dashboard = Dashboard
nav-pages = Pages
nav-media = Media
nav-inbox = Inbox
nav-sessions = Sessions
nav-logins = Login history
nav-audit = Audit log
nav-security = Security
nav-certificates = Certificates
nav-mail = Mail
nav-dns = DNS
nav-check = Check
nav-dmarc = DMARC
nav-users = Users
nav-settings = Settings
nav-2fa = Two-factor
nav-account = Password
nav-sign-out = Sign out
role-admin = admin
role-editor = editor

error-generic-title = Something went wrong
error-generic = Please try again.
busy-title = Busy
busy = The server is busy checking passwords. Try again in a few seconds.
