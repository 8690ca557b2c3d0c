# Het beheer: in- en uitloggen, wachtwoorden, tweestapsverificatie, sessies, accounts en instellingen.

login-title = Inloggen
login-user = Gebruikersnaam
login-password = Wachtwoord
login-forgot = Wachtwoord vergeten?
login-failed = Gebruikersnaam of wachtwoord klopt niet.
login-locked = Te veel mislukte pogingen. Wacht 15 minuten en probeer het opnieuw.

## De accountpagina: wachtwoord, e-mailadres voor herstellinks, taal.

pw-title = Wachtwoord wijzigen
pw-forced = Iemand anders heeft je wachtwoord ingesteld. Kies eerst je eigen wachtwoord.
pw-current = Huidig wachtwoord
pw-new = Nieuw wachtwoord
pw-at-least = minstens 12 tekens
pw-again = Nieuw wachtwoord nog een keer
pw-wrong-current = Het huidige wachtwoord klopt niet.
pw-differ = De nieuwe wachtwoorden zijn niet hetzelfde.
pw-same = Kies een ander wachtwoord dan je huidige.
# $reason is een van de pw-policy-…-berichten.
pw-refused = Nieuw wachtwoord niet geaccepteerd: { $reason }.
pw-policy-too-short = gebruik minstens { $min } tekens
pw-policy-too-long = gebruik hoogstens { $max } tekens
pw-policy-contains-name = je gebruikersnaam mag niet in het wachtwoord staan
pw-policy-too-common = dit wachtwoord is te makkelijk te raden

account-email-heading = E-mailadres voor een nieuw wachtwoord
account-email-help = Ben je je wachtwoord vergeten, dan gaat er een eenmalige link naar dit adres om een nieuw wachtwoord te kiezen. Laat het leeg als je dat niet per e-mail wilt kunnen doen.
account-email = E-mailadres
account-email-save = Adres opslaan
account-email-saved = Opgeslagen: links voor een nieuw wachtwoord gaan naar dit adres.
account-email-removed = Verwijderd: voor dit account kunnen geen links voor een nieuw wachtwoord meer worden verstuurd.
account-email-too-long = Het adres is te lang.
account-email-no-at = Dit is geen e-mailadres (er staat geen @ in).
account-email-local = Het deel vóór de @ is leeg of te lang.
account-email-local-chars = Vóór de @ staan tekens die niet zijn toegestaan.
account-email-encoded = Het adres bevat "=?" (een gecodeerd woord).
account-email-domain = Het domein na de @ klopt niet.
account-email-invalid = Dit e-mailadres is niet bruikbaar.

# Beide talen in de kop, zodat iemand die de pagina niet kan lezen hem toch vindt.
account-lang-heading = Taal / Language
account-lang-help = De taal van het beheer voor jouw account, op elk apparaat.
account-lang = Taal
account-lang-browser = Taal van de browser
account-lang-save = Taal opslaan
account-lang-saved = Taal opgeslagen.
account-lang-unknown = Kies een van de talen uit de lijst.

## Tweestapsverificatie.

tfa-code-title = Inloggen in twee stappen
tfa-code-help = Vul de code van 6 cijfers uit je authenticator-app in, of een van je herstelcodes.
tfa-code = Code
tfa-verify = Controleren
tfa-cancel = Annuleren en uitloggen
tfa-wrong-code = Die code klopt niet, of is al gebruikt.
tfa-wrong-setup-code = Die code klopt niet. Controleer de tijd op je telefoon en probeer het opnieuw.
tfa-wrong-password = Het wachtwoord klopt niet.
tfa-title = Tweestapsverificatie
tfa-required = Een beheerder verplicht tweestapsverificatie voor elk account. Stel het in om verder te gaan.
tfa-codes-heading = Je herstelcodes
tfa-codes-help = Met elke code kun je één keer inloggen als je je telefoon kwijt bent. Bewaar ze nu op een veilige plek: je ziet ze hierna niet meer.
tfa-done = Klaar
# Gevolgd door tfa-on in vet en een punt.
tfa-is = Tweestapsverificatie staat
tfa-on = aan
tfa-codes-left = { $count ->
    [one] Nog { $count } herstelcode over.
   *[other] Nog { $count } herstelcodes over.
}
tfa-password-to-off = Je wachtwoord, om het uit te zetten
tfa-turn-off = Tweestapsverificatie uitzetten
tfa-step-scan = Scan deze code met een authenticator-app (of typ de sleutel over).
tfa-step-enter = Vul de code van 6 cijfers in die de app laat zien.
tfa-key = Sleutel
tfa-app-code = Code uit de app
tfa-turn-on = Aanzetten

## Wachtwoord vergeten: de link per e-mail.

reset-forgot-title = Wachtwoord vergeten?
reset-sent = Als dat account een e-mailadres heeft, is er een link onderweg om een nieuw wachtwoord te kiezen. Die werkt één keer, 30 minuten lang.
reset-back = Terug naar inloggen
reset-forgot-help = Vul je gebruikersnaam in. Heeft je account een e-mailadres, dan sturen we een link om een nieuw wachtwoord te kiezen.
reset-send = Link versturen
reset-title = Kies een nieuw wachtwoord
reset-invalid = Deze link werkt niet (meer): hij is al gebruikt, ouder dan 30 minuten of niet helemaal gekopieerd.
reset-ask-new = Vraag een nieuwe link aan
reset-done = Je wachtwoord is gewijzigd, en alle sessies van het account zijn beëindigd.
reset-save = Nieuw wachtwoord opslaan
reset-mail-subject = Kies een nieuw wachtwoord voor { $user }
reset-mail-intro = Iemand (vanaf { $ip }) heeft gevraagd om een nieuw wachtwoord voor het account { $user } op { $host }.
reset-mail-open = { $minutes ->
    [one] Open daarvoor binnen { $minutes } minuut deze link; hij werkt één keer:
   *[other] Open daarvoor binnen { $minutes } minuten deze link; hij werkt één keer:
}
reset-mail-ignore = Was jij dit niet? Negeer deze mail dan: je wachtwoord blijft zoals het is. Gebruik je tweestapsverificatie, dan wordt daarna nog steeds om je code gevraagd.

## Sessies.

sess-title = Sessies
sess-heading = Actieve sessies
sess-help = Een sessie hoort bij het netwerk en de browser waarmee hij begon, en stopt na { $idle ->
    [one] { $idle } minuut
   *[other] { $idle } minuten
} zonder activiteit of na { $lifetime ->
    [one] { $lifetime } uur
   *[other] { $lifetime } uur
} in totaal.
sess-col-user = Gebruiker
sess-col-address = Adres
sess-col-browser = Browser
sess-col-started = Begonnen
sess-col-last-seen = Laatst actief
sess-this = deze sessie
sess-revoke = Beëindigen
sess-revoke-others = Overal anders uitloggen
sess-own-only = Je kunt alleen je eigen sessies beëindigen.

## Gebruikers.

users-title = Gebruikers
users-one-time-heading = Eenmalig wachtwoord voor { $user }
users-one-time-help = Geef het aan { $user } persoonlijk of door de telefoon. Het werkt één keer: bij de eerste keer inloggen kiest { $user } een eigen wachtwoord. Je ziet het hierna niet meer.
users-col-name = Naam
users-col-role = Rol
users-col-sites = Sites
users-col-tfa = Tweestaps
users-col-state = Status
users-col-created = Aangemaakt
users-you = jij
users-every-site = alle sites
users-save-sites = Sites opslaan
users-tfa-on = aan
users-tfa-off = uit
users-state-active = actief
users-state-disabled = geblokkeerd
users-new-password = Nieuw wachtwoord
users-disable = Blokkeren
users-enable = Deblokkeren
users-make-editor = Maak redacteur
users-make-admin = Maak beheerder
users-add-heading = Gebruiker toevoegen
users-name = Naam
users-role = Rol
users-role-editor = redacteur (inhoud van de aangevinkte sites)
users-role-admin = beheerder (alles, alle sites)
users-sites-legend = Sites die een redacteur mag bewerken
users-add = Gebruiker toevoegen
users-bad-name = Gebruik 1 tot 64 letters, cijfers, '.', '-', '_' of '@' voor de naam.
users-exists = Niet toegevoegd: "{ $name }" bestaat al.
users-not-added = Niet toegevoegd: { $reason }.
users-choose-other = Kies het account van iemand anders.
users-unknown-role = Onbekende rol.
users-choose-editor = Kies een redacteur: beheerders bewerken alle sites.

## Beveiligingsinstellingen.

settings-title = Beveiligingsinstellingen
settings-require-2fa = Tweestapsverificatie verplicht voor elk account
settings-require-2fa-help = Accounts zonder tweestapsverificatie gaan na hun wachtwoord naar de pagina om het in te stellen, en kunnen niets anders doen tot dat gebeurd is.
settings-save = Opslaan

## Inloggeschiedenis.

logins-title = Inloggeschiedenis
logins-user = Gebruiker
logins-address = Adres
logins-result = Resultaat
logins-any = alle
logins-from = Van
logins-to = Tot en met
logins-filter = Filteren
logins-export = CSV exporteren
logins-col-time = Tijd
logins-col-user-name = Gebruikersnaam
logins-col-address = Adres
logins-col-browser = Browser
logins-col-result = Resultaat
logins-none = Geen pogingen gevonden.
logins-newer = Nieuwer
logins-older = Ouder
logins-result-success = ingelogd
logins-result-awaiting-second-factor = wachtwoord goed, code gevraagd
logins-result-wrong-password = verkeerd wachtwoord
logins-result-unknown-user = onbekende gebruiker
logins-result-second-factor-failed = tweede stap mislukt
logins-result-locked = geblokkeerd na te veel pogingen
logins-result-disabled = account geblokkeerd
logins-result-session-hijack = gestolen sessie geweigerd
logins-result-recheck-failed = wachtwoordcontrole mislukt

## Logboek.

audit-title = Logboek
audit-help = Elke wijziging: door wie en vanaf waar. Niemand kan deze regels wijzigen of verwijderen.
audit-col-time = Tijd
audit-col-who = Wie
audit-col-address = Adres
audit-col-action = Actie
audit-col-details = Details
audit-none = Nog niets.

## Weigeringen en fouten.

err-back = Terug naar het overzicht
err-https-title = HTTPS vereist
err-https = Het beheer is alleen via HTTPS te gebruiken.
err-signed-out-title = Uitgelogd
err-signed-out = Je sessie is afgelopen. Log opnieuw in.
err-not-allowed-title = Geen toegang
err-admins-only = Deze pagina is alleen voor beheerders.
err-refused-title = Geweigerd
err-cross-origin = Dit formulier is niet vanaf deze site verstuurd.
err-csrf = Het formulier was verouderd. Ga terug, laad de pagina opnieuw en probeer het nog eens.
