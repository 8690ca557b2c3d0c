# The admin: signing in and out, passwords, two-factor, sessions, accounts and settings.

login-title = Sign in
login-user = User name
login-password = Password
login-forgot = Forgot your password?
