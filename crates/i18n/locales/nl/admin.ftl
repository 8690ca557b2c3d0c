# Het beheer: het kader van elke pagina, en woorden die veel pagina's delen.

admin-title = Beheer
nav-label = Beheermenu
nav-dashboard = Overzicht
nav-pages = Pagina's
nav-media = Media
nav-inbox = Berichten
nav-sessions = Sessies
nav-logins = Inloggeschiedenis
nav-audit = Logboek
nav-security = Beveiliging
nav-certificates = Certificaten
nav-mail = Mail
nav-dns = DNS
nav-check = Controle
nav-dmarc = DMARC
nav-users = Gebruikers
nav-settings = Instellingen
nav-2fa = Tweestapsverificatie
nav-account = Wachtwoord
nav-sign-out = Uitloggen
role-admin = beheerder
role-editor = redacteur

error-generic-title = Er ging iets mis
error-generic = Probeer het opnieuw.
busy-title = Even druk
busy = De server is druk met het controleren van wachtwoorden. Probeer het over een paar seconden opnieuw.
