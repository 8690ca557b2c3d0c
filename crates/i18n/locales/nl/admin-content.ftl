# admin-content

content-saved-scheduled = Opgeslagen. Gepland: bezoekers zien het vanaf { $when }.

## Pagina's en nieuwsberichten: de lijst, de editor, de prullenbak

content-pages-heading = Pagina's en nieuwsberichten
content-site = Site
content-show = Tonen
content-new-page = Nieuwe pagina
content-new-post = Nieuw nieuwsbericht
content-edit-page = Pagina bewerken
content-edit-post = Nieuwsbericht bewerken
content-edit-title = { $title } bewerken
content-menu = Menu
content-trash = Prullenbak
content-trash-count = Prullenbak ({ $count })
content-title = Titel
content-path = Pad
content-summary = Samenvatting
content-type = Soort
content-state = Status
content-updated = Bijgewerkt
content-kind-page = pagina
content-kind-post = nieuwsbericht
content-state-published = gepubliceerd
content-state-draft = concept
content-scheduled-for = gepland op { $when }
content-no-pages = Nog geen pagina's.
content-all-pages = Alle pagina's
content-history = Geschiedenis
content-view-on-site = Bekijken op de site
content-preview-link = Voorbeeld van de opgeslagen versie
content-preview-link-help = Toont de pagina zoals je hem het laatst hebt opgeslagen, in het ontwerp van de site zelf. De link werkt 30 minuten, ook voor een collega zonder account.
content-path-help = (gemaakt van de titel; pas het gerust aan)
content-path-placeholder = /van-de-titel
content-summary-help = (voor overzichten en zoekmachines)
content-publish-on = Publiceren op
content-publish-help-post = de datum van het bericht; met een later moment plan je het in
content-publish-help-page = met een later moment plan je het in; leeg: meteen
content-time = Tijd
content-published-check = Gepubliceerd (zichtbaar voor bezoekers)
content-text = Tekst
content-preview = Voorbeeld
content-save = Opslaan
content-move-to-trash = Naar de prullenbak
content-trash-help = Pagina's in de prullenbak zijn onzichtbaar voor bezoekers. Herstel een pagina om hem terug te halen, met zijn hele geschiedenis.
content-restore = Herstellen
content-trash-empty = De prullenbak is leeg.

## Meldingen van de editor

content-no-site-title = Deze site bestaat niet
content-no-site = Die site bestaat niet, of je hebt er geen toegang toe. Een beheerder geeft toegang tot sites op de pagina Gebruikers.
content-not-found-title = Niet gevonden
content-not-found = Die pagina of versie bestaat niet.
content-saved = Opgeslagen.
content-preview-only = Alleen een voorbeeld: nog niet opgeslagen.
content-bad-date = Niet opgeslagen: de datum is geen geldige datum (JJJJ-MM-DD).
content-not-saved = Niet opgeslagen: { $reason }.
content-preview-expired = Deze voorbeeldlink werkt niet (meer): voorbeeldlinks werken een half uur. Vraag om een nieuwe.
content-done-trashed = Naar de prullenbak verplaatst. Je kunt het herstellen vanuit de Prullenbak.
content-done-restored = Hersteld uit de prullenbak.
content-done-reverted = De oudere versie is terug; de tekst die erdoor is vervangen, blijft in de geschiedenis.
content-done-menu = Menu opgeslagen.
content-done-uploaded = Geüpload.
content-done-deleted = Verwijderd.
content-done-released = Vrijgegeven: het bestand is weer te zien.
content-done-rescan = Alle opgeslagen bestanden worden op de achtergrond opnieuw gescand.
content-done-alt = Beschrijving opgeslagen.

## Het overzicht

dash-welcome = Welkom, { $name }
dash-av-off = Uploads worden niet op virussen gescand.
dash-av-off-admin-before = Zet
dash-av-off-admin-after = in de configuratie op de socket van clamd (zie docs/antivirus.md).
dash-av-down = De virusscanner is niet bereikbaar: uploads worden geweigerd (of ongescand opgeslagen, zoals de serverbeheerder heeft gekozen) tot hij weer werkt.
dash-av-down-since = De virusscanner is niet bereikbaar sinds { $when } { $tz }: uploads worden geweigerd (of ongescand opgeslagen, zoals de serverbeheerder heeft gekozen) tot hij weer werkt.
dash-quarantined = { $count ->
    [one] { $count } opgeslagen bestand staat in quarantaine na een virusscan: zie de pagina Media van elke site.
   *[other] { $count } opgeslagen bestanden staan in quarantaine na een virusscan: zie de pagina Media van elke site.
}
dash-tile-drafts = { $count ->
    [one] concept
   *[other] concepten
}
dash-tile-scheduled = gepland
dash-tile-messages = { $count ->
    [one] bericht deze week
   *[other] berichten deze week
}
dash-scheduled = Gepland
dash-drafts = Concepten
dash-recent = Onlangs bewerkt
dash-goes-live = online vanaf { $when } { $tz }
dash-last-saved = laatst opgeslagen { $when } { $tz }
dash-nothing-yet = Nog niets.
dash-no-site = Je hebt nog geen toegang tot een site. Een beheerder geeft toegang tot sites op de pagina Gebruikers.
dash-tile-sessions = { $count ->
    [one] actieve sessie van jou
   *[other] actieve sessies van jou
}
dash-tile-failed = { $count ->
    [one] mislukte inlogpoging in 24 uur
   *[other] mislukte inlogpogingen in 24 uur
}
dash-tile-new-ips = { $count ->
    [one] keer ingelogd vanaf een nieuw adres (7 dagen)
   *[other] keer ingelogd vanaf een nieuw adres (7 dagen)
}
dash-failed-heading = Mislukte inlogpogingen
dash-col-time = Tijd
dash-col-user-name = Gebruikersnaam
dash-col-user = Gebruiker
dash-col-address = Adres
dash-col-result = Resultaat
dash-col-browser = Browser
dash-all-failed = Alle mislukte inlogpogingen
dash-none-24h = Geen in de afgelopen 24 uur.
dash-new-ips-heading = Ingelogd vanaf een adres dat nieuw is voor die gebruiker
dash-none-7d = Geen in de afgelopen 7 dagen.
dash-mine-heading = Jouw laatste inlogpogingen
dash-result-success = ingelogd
dash-result-awaiting-second-factor = wachtwoord goed, code gevraagd
dash-result-wrong-password = verkeerd wachtwoord
dash-result-unknown-user = onbekende gebruiker
dash-result-second-factor-failed = tweede stap mislukt
dash-result-locked = geblokkeerd
dash-result-disabled = account uitgeschakeld
dash-result-session-hijack = gestolen sessie geweigerd
dash-result-recheck-failed = wachtwoordcontrole mislukt

## De geschiedenis van een pagina

hist-title = Geschiedenis van { $title }
hist-heading = Geschiedenis van “{ $title }”
hist-back = Terug naar de editor
hist-changes = Wijzigingen in de versie van { $when } door { $by }
hist-no-changes = Geen wijzigingen in de titel, het pad, de samenvatting of de tekst.
hist-saved = Opgeslagen
hist-by = Door
hist-restore-confirm = De versie van { $when } herstellen? De tekst zoals hij nu is, blijft in de geschiedenis.
hist-restore = Deze versie herstellen
hist-current = huidige versie

## Het menu

menu-heading = Menu van { $site }
menu-save = Menu opslaan
menu-news = Nieuws
menu-err-item = regel { $line }: een tekst van hoogstens 60 tekens en een link naar /pad of https://…
menu-err-too-many = hoogstens 30 menu-items
menu-err-no-page = “{ $label }” linkt naar { $path }, maar daar heeft de site geen pagina; maak eerst de pagina, of verbeter het pad

## Afbeeldingen en documenten

media-heading = Afbeeldingen en documenten
media-alt-label = Wat er op de afbeelding staat
media-alt-help = (voor mensen die hem niet kunnen zien; niet nodig bij een pdf)
media-alt-placeholder = Vrijwilligers planten bomen in de tuin
media-file-label = Upload een afbeelding (PNG, JPEG, GIF, WebP) of een pdf van hoogstens { $mb } MB
media-upload = Uploaden
media-av-down = De virusscanner is niet bereikbaar: uploads worden geweigerd (of ongescand opgeslagen, zoals de serverbeheerder heeft gekozen) tot hij weer werkt.
media-scanned = Elke upload wordt op virussen gescand
media-signatures = virusdefinities { $version }
media-photos-stripped = Foto's worden opgeslagen zonder hun verborgen gegevens (gps-positie, serienummer van de camera).
media-av-off = Uploads worden niet op virussen gescand: de serverbeheerder heeft de virusscanner niet ingesteld.
media-rescan-progress = De opgeslagen bestanden worden opnieuw gescand met nieuwe virusdefinities ({ $version }): { $done } van de { $total } klaar
media-rescan-quarantined = { $count } in quarantaine
media-quarantined-heading = In quarantaine
media-quarantine-help = Een virusscan na een update van de virusdefinities heeft iets gevonden in deze bestanden. Bezoekers krijgen ze niet meer te zien (links ernaar geven "niet gevonden").
media-quarantine-help-admin = Verwijder ze, of geef er een vrij als je zeker weet dat het om vals alarm gaat.
media-quarantine-help-editor = Een beheerder verwijdert ze, of geeft er een vrij als het om vals alarm gaat.
media-found = Gevonden:
media-delete-for-good = Definitief verwijderen
media-release = Vrijgeven: vals alarm
media-use-in-page = Gebruiken in een pagina:
media-description = Beschrijving
media-save = Opslaan
media-metadata-removed = Voor het opslaan uit het bestand verwijderd: { $what }.
media-remove = Verwijderen
media-nothing-yet = Nog niets geüpload.
media-rescan-now = Alle opgeslagen bestanden nu opnieuw scannen
media-err-type = Niet geüpload: alleen afbeeldingen in PNG, JPEG, GIF of WebP en pdf-documenten zijn toegestaan (SVG niet, want dat kan scripts bevatten).
media-err-pdf-active = Niet geüpload: deze pdf bevat { $what }. De pdf-lezers van bezoekers zouden dat uitvoeren. Sla hem opnieuw op of druk hem opnieuw af als gewone pdf (PDF/A) en upload die.
media-err-no-alt = Niet geüpload: beschrijf in een paar woorden wat er op de afbeelding staat, voor mensen die hem niet kunnen zien (schermlezers lezen het voor).
media-err-image = Niet geüpload: { $error }. Sla de afbeelding opnieuw op vanuit een fotobewerkingsprogramma en upload die.
media-err-unreadable = Niet geüpload: de afbeelding kon niet worden gelezen.
media-err-store = Niet geüpload: de server kon het bestand niet opslaan.
media-err-virus = Niet geüpload: de virusscanner heeft { $found } gevonden in dit bestand. Het is niet opgeslagen; de beheerder is gewaarschuwd.
media-err-unscannable = Niet geüpload: het bestand kon niet helemaal worden gescand ({ $why }): het is te groot, te diep ingepakt of versleuteld.
media-err-plain = Niet geüpload: { $error }.
media-err-scanner = Niet geüpload: { $error }. Probeer het over een paar minuten opnieuw; blijft het misgaan, laat het dan de beheerder weten.
media-err-cut = Niet geüpload: de upload is afgebroken of was te groot.
media-err-too-large = Niet geüpload: groter dan { $mb } MB.
media-err-alt-too-long = Niet geüpload: de beschrijving is te lang.
media-err-no-file = Niet geüpload: kies eerst een bestand.
media-err-empty = Niet geüpload: het bestand is leeg.
media-err-alt-empty = Niet gewijzigd: beschrijf in een paar woorden wat er op de afbeelding staat.

## Berichten

inbox-new-count = { $count } nieuw
inbox-help = Berichten die bezoekers via de contactformulieren hebben gestuurd, nieuwste eerst. Elk bericht wordt hier bewaard zodra het binnenkomt, nog voordat het wordt gemaild, dus bij een mailstoring gaat er niets verloren; "Mail" laat zien of de melding de mailserver heeft bereikt.
inbox-search = Zoeken
inbox-search-placeholder = naam, adres of woorden
inbox-show = Tonen
inbox-show-open = te doen (nieuw en gelezen)
inbox-show-done = afgehandeld
inbox-show-all = alle
inbox-no-match = Geen berichten gevonden.
inbox-none-yet = Nog geen berichten.
inbox-col-received = Ontvangen
inbox-col-site-form = Site / formulier
inbox-col-message = Bericht
inbox-col-mail = Mail
inbox-col-state = Status
inbox-reply = Beantwoorden per e-mail
inbox-mark-read = Markeer als gelezen
inbox-mark-done = Afgehandeld
inbox-mark-new = Markeer als nieuw
inbox-state-new = nieuw
inbox-state-read = gelezen
inbox-state-done = afgehandeld
inbox-mail-queued = in de wachtrij
inbox-mail-sending = wordt verstuurd
inbox-mail-sent = verstuurd
inbox-mail-delivered = afgeleverd
inbox-mail-failed = mislukt
inbox-mail-dead = opgegeven
inbox-mail-requeued = opnieuw in de wachtrij
inbox-no-message = Dat bericht bestaat niet.
inbox-reply-subject = Re: uw bericht via de website van { $site }
inbox-older = Oudere berichten →
inbox-newest = ← Nieuwste berichten
inbox-pages = Door berichten bladeren
inbox-scan-ended = Er zijn { $count } berichten doorzocht; met "Oudere berichten" zoek je verder terug.
content-lang = Taal van deze pagina
content-lang-help = (schermlezers en zoekmachines gaan hiervan uit)
content-lang-site = De taal van de site
content-bad-lang = Niet opgeslagen: kies Nederlands, Engels of de taal van de site.
content-phone-preview = Voorbeeld op telefoonbreedte
content-phone-preview-help = De opgeslagen versie in de vormgeving van de site, 390 pixels breed. Sla eerst op om je laatste wijzigingen te zien.
content-insert-image = Afbeelding of bestand invoegen
content-insert-help = Klik op een afbeelding om die op de plek van de cursor te zetten, of sleep een bestand van je computer op de tekst.
content-no-images = Nog geen afbeeldingen geüpload voor deze site.
content-upload-new = Een nieuwe uploaden
content-alt-prompt = Beschrijf de afbeelding voor wie hem niet kan zien (bijvoorbeeld: "Vrijwilligers planten de nieuwe heg"):
content-upload-failed = Het uploaden is niet gelukt. Probeer het opnieuw, of gebruik de pagina Media.
menu-help = Kies voor elk item een pagina (of kies "Ander adres" en typ /pad of https://…), geef het een naam en zet de items op volgorde. Vink "Onder het item erboven" aan om een item in een submenu te tonen. Links naar paden waar de site geen pagina heeft, worden geweigerd.
menu-col-order = Volgorde
menu-col-label = Naam
menu-col-target = Linkt naar
menu-col-under = Onder het item erboven
menu-col-remove = Verwijderen
menu-other-address = Ander adres:
menu-or = of
menu-address = Adres
menu-more-rows = Meer regels nodig? Sla op, dan verschijnen er weer drie lege.
menu-up = Omhoog
menu-down = Omlaag
content-done-icon = Site-icoon opgeslagen. Browsers tonen soms nog even het oude.
media-make-icon = Gebruik als icoon van de site
media-is-icon = Het icoon van de site (te zien in browsertabbladen en bladwijzers).
media-no-icon = Geen icoon
menu-draft = { $title } (concept)
