# admin-operator: de pagina's die alleen beheerders zien (beveiliging, shield-regels,
# certificaten, DNS, de controle, mail en DMARC). Technische termen blijven zoals ze zijn.

## Beveiliging

sec-title = Beveiliging
sec-rules-link = Regels en schakelaars
sec-bans-in-force = { $count ->
    [one] { $count } blokkade actief
   *[other] { $count } blokkades actief
}
sec-blocklisted-ranges = { $count ->
    [one] { $count } netwerk op de blokkeerlijst
   *[other] { $count } netwerken op de blokkeerlijst
}
sec-blocked-per-hour = Geblokkeerde aanvallen per uur
sec-blocked-per-hour-note = afgelopen 24 uur, UTC; { $total } in totaal
sec-bans-per-day = Blokkades per dag
sec-bans-per-day-note = afgelopen 14 dagen; { $total } in totaal
sec-chart-label = { $what }: { $total } in totaal, hoogstens { $max }
sec-top-addresses = Meest aanvallende adressen
sec-seven-days = 7 dagen
sec-col-address = Adres
sec-col-blocked = Geblokkeerd
sec-hits-link = Treffers
sec-no-blocked-week = Deze week geen geblokkeerde aanvallen.
sec-top-rules = Meest geraakte regels
sec-col-rule = Regel
sec-col-what = Wat
sec-col-hits = Treffers
sec-no-rule-fired = Deze week is geen enkele regel afgegaan.
sec-bans-heading = Actieve blokkades
sec-by-source = Per bron:
sec-all = alle
sec-col-subject = Adres of netwerk
sec-col-source = Bron
sec-col-why = Waarom
sec-col-ban-count = Blokkade nr.
sec-col-since = Sinds
sec-col-until = Tot
sec-log-line = Logregel
sec-unban = Deblokkeren
sec-nobody-banned = Niemand is geblokkeerd.
sec-subject-placeholder = 203.0.113.9 of 198.51.100.0/24
sec-for = Duur
sec-dur-1h = 1 uur
sec-dur-24h = 24 uur
sec-dur-7d = 7 dagen
sec-dur-30d = 30 dagen
sec-dur-permanent = permanent
sec-ban = Blokkeren
sec-allowlist = Vertrouwde adressen
sec-allowlist-intro = Adressen hier worden nooit gecontroleerd, geteld of geblokkeerd. Gebruik dit voor je kantoor of monitoring, niet voor hele providers.
sec-col-note = Notitie
sec-from-config = uit het configuratiebestand
sec-remove = Verwijderen
sec-empty = Leeg.
sec-add-allowlist = Toevoegen aan vertrouwde adressen
sec-hit-log = Treffers
sec-filter = Filteren
sec-col-time = Tijd
sec-col-result = Resultaat
sec-col-rules = Regels
sec-col-where = Waar
sec-col-path = Pad
sec-col-matched = Herkend deel
sec-no-hits = Geen treffers.
sec-no-hits-filter = Geen treffers voor dit filter.
sec-kind-blocked = geblokkeerd
sec-kind-detected = opgemerkt
sec-source-web = web (shield)
sec-source-cli = met de hand (CLI)
sec-source-admin = met de hand (beheer)
sec-source-guard = { $service } (guard)
sec-not-an-address = { $subject } is geen IP-adres of netwerk.
sec-own-address = { $subject } bevat je eigen adres; daarmee sluit je jezelf buiten.
sec-banned = { $subject } is geblokkeerd.
sec-not-banned = { $subject } was niet geblokkeerd.
sec-lifted = De blokkade van { $subject } is opgeheven.
sec-already-allowed = { $entry } staat al bij de vertrouwde adressen.
sec-allowed = { $entry } staat nu bij de vertrouwde adressen: nooit gecontroleerd, geteld of geblokkeerd.
sec-not-allowed = { $entry } staat niet bij de vertrouwde adressen.
sec-disallowed = { $entry } is van de vertrouwde adressen gehaald.

## Shield-regels

rules-title = Shield-regels
rules-intro-1 = Zet een regel alleen uit voor een vals alarm dat je in de treffers hebt gezien (gebruik
rules-intro-2 = om een verzoek uit te proberen). Elke wijziging komt in het logboek en bereikt binnen enkele seconden elke node. Regels die in het configuratiebestand uitstaan, zie je hier wel, maar kun je hier niet aanzetten.
rules-col-rule = Regel
rules-col-class = Soort
rules-col-severity = Ernst
rules-col-catches = Wat hij tegenhoudt
rules-col-hits = Treffers (7 dagen)
rules-col-state = Stand
rules-state-locked = uit (configuratiebestand)
rules-state-on = aan
rules-state-off = uit
rules-switch-on = Aanzetten
rules-switch-off = Uitzetten
rules-changed = { $when } door { $name }
rules-no-such = Regel { $rule } bestaat niet.
rules-now-on = Regel { $rule } staat aan.
rules-now-off = Regel { $rule } staat uit.

## Certificaten

cert-title = Certificaten
cert-intro = Het HTTPS-certificaat van elke site. Certificaten van de ACME-CA worden vanzelf vernieuwd als er nog een derde van hun looptijd over is; een mislukte poging wordt met steeds langere pauzes opnieuw gedaan, terwijl het huidige certificaat gewoon blijft werken. Certificaatbestanden worden opnieuw ingelezen zodra ze op schijf veranderen.
cert-https-off = HTTPS staat niet aan
cert-col-site = Site
cert-col-source = Bron
cert-col-issuer = Uitgever
cert-col-names = Namen
cert-col-expires = Verloopt
cert-col-attempt = Laatste ACME-poging
cert-unreadable = Kan het certificaat niet lezen: { $problem }
cert-days-left = { $count ->
    [one] nog { $count } dag
   *[other] nog { $count } dagen
}
cert-none-yet = nog geen
cert-renewal-asked = vernieuwing aangevraagd
cert-renew = Nu vernieuwen
cert-source-files = bestanden
cert-only-acme = Alleen een site met een ACME-certificaat kun je hier vernieuwen.
cert-ask-failed = Kon de vernieuwing niet aanvragen: { $error }
cert-renewal-requested = Vernieuwing van { $site } aangevraagd; dat gebeurt binnen een paar seconden. Laad deze pagina opnieuw voor het resultaat.

## DNS

dns-title = DNS
dns-intro = De records die elke site nodig heeft (adressen, SPF, DKIM, DMARC, CAA, MTA-STS, TLS-RPT), bijgehouden in de zones van het bureau met ondertekende dynamische updates
dns-intro-auto = door de server zelf
dns-intro-manual = wijzigingen wachten op
dns-intro-or = of
dns-intro-rest = Andere records in de zones blijven onaangeroerd. Hieronder: de DNSSEC-vertrouwensketen van elke host, gecontroleerd vanaf de root.
dns-zones = Zones
dns-sync-now = Nu bijwerken
dns-look-again = Opnieuw bekijken
dns-last-looked = laatst bekeken { $when }
dns-not-looked = nog niet bekeken
dns-no-zone = Geen zone ingesteld
dns-see-docs = zie { $doc }
dns-by-hand = publiceer de records met de hand.
dns-primary = primaire server { $server }
dns-update-failed = Kon de zone niet bijwerken: { $error }
dns-read-failed = Kon de zone niet lezen: { $error }
dns-drift = De records van Bolwerk hier zijn door iemand anders gewijzigd (de verschillen staan hieronder);
dns-drift-put-back = ze zijn teruggezet
dns-drift-puts-back = zet ze terug
dns-drift-instead = Wijzig ze liever in de configuratie van Bolwerk.
dns-sent = { $count ->
    [one] { $count } wijziging verstuurd en geaccepteerd.
   *[other] { $count } wijzigingen verstuurd en geaccepteerd.
}
dns-col-waiting = Wacht nog
dns-col-why = Waarom
dns-in-sync = { $count ->
    [one] Op orde: { $count } record van Bolwerk, zoals het hoort.
   *[other] Op orde: { $count } records van Bolwerk, allemaal zoals het hoort.
}
dns-records-in = Records van Bolwerk in { $zone }
dns-foreign = { $count ->
    [one] { $count } record op deze namen is van de beheerder en blijft onaangeroerd.
   *[other] { $count } records op deze namen zijn van de beheerder en blijven onaangeroerd.
}
dns-unmanaged = Niet in een zone die Bolwerk mag bijwerken
dns-unmanaged-hint = Publiceer deze met de hand, of voeg hun zone toe aan
dns-check-now = Nu controleren
dns-last-checked = laatst gecontroleerd { $when }
dns-not-checked = nog niet gecontroleerd
dns-col-name = Naam
dns-col-verdict = Oordeel
dns-col-chain = Keten
dns-col-todo = Wat te doen
dns-signed-until = ondertekend tot { $when }
dns-status-secure = veilig
dns-status-insecure = niet ondertekend
dns-status-bogus = kapot
dns-status-unknown = onbekend
dns-rotation = DKIM-sleutelwissel
dns-synced = De zones zijn zojuist bekeken.
dns-checked = DNSSEC is zojuist gecontroleerd.

## Controle

check-title = Controle
check-intro-1 = Elk gehost domein getest zoals internet.nl het test (website en mail: IPv6, DNSSEC, HTTPS, TLS, certificaat, beveiligingsheaders, security.txt, SPF, DKIM, DMARC, STARTTLS, DANE), plus MTA-STS en TLS-RPT, vanaf deze server. De server controleert zelf één keer per dag als
check-intro-2 = is ingesteld; alles wat in orde was en dat niet meer is, krijgt de beheerder per mail. Hetzelfde vanaf de opdrachtregel:
check-now = Nu controleren
check-nothing-1 = niets te controleren zolang
check-nothing-2 = geen zone of resolver noemt (docs/dns.md)
check-none-yet = Er is nog geen controle gedaan.
check-web-score = website { $score }%
check-mail-score = mail { $score }%
check-regressions = Niet meer in orde sinds de vorige controle:
check-fix = Oplossing:
check-details = details
check-status-pass = in orde
check-status-fail = niet in orde
check-status-warning = waarschuwing
check-status-info = info
check-status-not-tested = niet getest
check-ran = Zojuist gecontroleerd.
check-still-running = De controle loopt nog; laad deze pagina over een paar minuten opnieuw.

## Mail

mail-title = Mail
mail-delivery = Bezorging
mail-relay-1 = Mail gaat naar de relay
mail-relay-2 = Elk bericht wordt met DKIM ondertekend; een mislukte bezorging wordt met steeds langere pauzes opnieuw geprobeerd, en een bericht dat de relay definitief weigert, blijft hier staan als opgegeven.
mail-direct = Mail gaat rechtstreeks naar de mailservers van elke ontvanger (hun MX-records), met STARTTLS zodra ze dat aanbieden. Elk bericht wordt met DKIM ondertekend; mislukte bezorgingen worden met steeds langere pauzes opnieuw geprobeerd.
mail-no-relay-1 = Er is geen mailrelay ingesteld
mail-no-relay-2 = berichten wachten in de wachtrij tot er een is.
mail-no-messages = Nog geen berichten.
mail-col-queued = In de wachtrij gezet
mail-col-to = Aan / onderwerp
mail-col-state = Status
mail-col-last = Laatste poging
mail-attempts = { $count ->
    [one] { $count } poging
   *[other] { $count } pogingen
}
mail-next = volgende { $when }
mail-send-again = Opnieuw versturen
mail-state-queued = in de wachtrij
mail-state-sending = wordt verstuurd
mail-state-sent = verstuurd
mail-state-delivered = bezorgd
mail-state-failed = mislukt
mail-state-dead = opgegeven
mail-state-requeued = opnieuw in de wachtrij
mail-security = Mailbeveiliging (SPF, DKIM, DMARC)
mail-security-intro = Publiceer deze TXT-records bij je DNS-provider, zodat ontvangers je mail kunnen onderscheiden van vervalsingen.
mail-dns-now = Hieronder zie je wat de DNS nu zegt.
mail-check-link = Controleer de DNS nu
mail-check-rest = om te zien of elk record gepubliceerd en juist is.
mail-site = site { $site }
mail-col-record = Record
mail-col-publish = Publiceren (TXT)
mail-col-in-dns = In de DNS
mail-correct = juist
mail-switch-keys = Overstappen op de nieuwe sleutels ({ $selector })
mail-new-keys = Nieuwe DKIM-sleutels maken
mail-remove-retired = Oude sleutels { $selector } verwijderen
mail-no-site = Nog geen enkele site verstuurt mail (voeg een contactformulier toe aan een site).
mail-only-dead = Alleen een opgegeven bericht kan opnieuw worden verstuurd.
mail-requeued = Bericht { $id } wordt opnieuw verstuurd.
mail-unknown-domain = Onbekend maildomein.
mail-keys-made = Nieuwe sleutels { $set } gemaakt voor { $domain }. Publiceer hun twee DKIM-records en klik dan op "Overstappen op de nieuwe sleutels".
mail-not-waiting = Die sleutels staan niet klaar om het over te nemen.
mail-not-switched = De nieuwe sleutels staan nog niet aan: { $why }. Publiceer de records met "next" erbij en probeer het opnieuw (het kan even duren voor DNS-wijzigingen zichtbaar zijn).
mail-activated = Mail voor { $domain } wordt nu ondertekend met { $selector }. De oude sleutels zijn buiten gebruik: laat hun records nog een week staan en verwijder ze daarna hier.
mail-keys-removed = Sleutels { $selector } van { $domain } verwijderd. Haal hun DKIM-records ook uit de DNS.

## DMARC

dmarc-title = DMARC-rapporten
dmarc-intro-1 = Mailproviders sturen elke dag een rapport over elk bericht dat ze zagen met jouw domein in
dmarc-intro-2 = waar het vandaan kwam en of het door SPF en DKIM kwam. Hier zijn ze opgeteld per verzendend adres over de laatste 30 dagen, zodat je ziet welke servers namens jou mailen en welke je domein vervalsen. Rapporten komen binnen via upload hier, met
dmarc-intro-3 = of uit de rapportenmailbox.
dmarc-mailbox = Rapportenmailbox { $user } op { $server } ({ $folder }):
dmarc-last-read = laatst gelezen { $when }
dmarc-read-failed = mislukt: { $error }
dmarc-mailbox-counts = { $imported } geïmporteerd, { $duplicates } al bekend, { $refused } geen rapport
dmarc-not-read = nog niet gelezen
dmarc-files = Rapportbestanden (.xml, .gz, .zip of de .eml waarin ze binnenkwamen)
dmarc-import = Importeren
dmarc-none = Nog geen rapporten van de laatste 30 dagen.
dmarc-summary = { $reports ->
    [one] { $reports } rapport
   *[other] { $reports } rapporten
}, { $messages ->
    [one] { $messages } bericht
   *[other] { $messages } berichten
}, { $failed } afgekeurd door DMARC.
dmarc-col-source = Bronadres
dmarc-col-messages = Berichten
dmarc-col-pass = Door DMARC
dmarc-col-dkim = DKIM aligned
dmarc-col-spf = SPF aligned
dmarc-col-refused = Geweigerd door ontvangers
dmarc-col-what = Wat het is
dmarc-reported-by = gemeld door { $reporters }
dmarc-reports = Rapporten
dmarc-col-from = Van
dmarc-col-domain = Domein
dmarc-col-period = Periode
dmarc-col-failing = Afgekeurd
dmarc-col-came-in = Binnengekomen via
dmarc-cut-off = de upload is afgebroken of te groot
dmarc-too-large = niet geïmporteerd: groter dan { $mb } MB of afgebroken
dmarc-imported = rapport { $id } van { $org } over { $domain } geïmporteerd ({ $messages ->
    [one] { $messages } bericht
   *[other] { $messages } berichten
}, { $failed } afgekeurd door DMARC)
dmarc-duplicate = al geïmporteerd (rapport { $id } van { $org })
dmarc-refused = niet geïmporteerd: { $error }
dmarc-no-file = er is geen bestand gekozen
dns-rotation-waiting = DKIM-sleutels die wachten om het over te nemen
