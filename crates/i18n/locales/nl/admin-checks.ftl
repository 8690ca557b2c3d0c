# admin-checks: wat de controle, de DNSSEC-keten, de mailrecords en de DMARC-rapporten zeggen,
# op hun vaste codes: subtest `web.ipv6.ns-aaaa` is `check-web-ipv6-ns-aaaa`, zijn onderdeel
# `check-cat-web-ipv6`. Subtests heten zoals internet.nl ze noemt.

## Onderdelen van de controle

check-cat-web-ipv6 = IPv6 (website)
check-cat-web-dnssec = DNSSEC (website)
check-cat-web-https = HTTPS
check-cat-web-tls = TLS (website)
check-cat-web-cert = Certificaat (website)
check-cat-web-dane = DANE (website)
check-cat-web-headers = Beveiligingsopties
check-cat-mail-mx = Mailservers
check-cat-mail-ipv6 = IPv6 (mail)
check-cat-mail-dnssec = DNSSEC (mail)
check-cat-mail-auth = DMARC, DKIM en SPF
check-cat-mail-tls = STARTTLS
check-cat-mail-cert = Certificaat (mail)
check-cat-mail-dane = DANE (mail)
check-cat-mail-extra = Aanvullend (niet bij internet.nl)

## Subtests (de namen van internet.nl)

check-web-ipv6-ns-aaaa = IPv6-adressen voor nameservers
check-web-ipv6-ns-reach = IPv6-bereikbaarheid van nameservers
check-web-ipv6-aaaa = IPv6-adressen voor webserver
check-web-ipv6-reach = IPv6-bereikbaarheid van webserver
check-web-ipv6-same-site = Gelijke website op IPv6 en IPv4
check-web-dnssec-exists = DNSSEC-aanwezigheid
check-web-dnssec-valid = DNSSEC-geldigheid
check-web-https-exists = HTTPS beschikbaar
check-web-https-redirect = HTTPS-doorverwijzing
check-web-https-hsts = HSTS
check-web-https-compression = HTTP-compressie
check-web-tls-version = TLS-versie
check-web-tls-ciphers = Ciphers (algoritmeselecties)
check-web-tls-cipher-order = Cipher-volgorde
check-web-tls-kex-params = Sleuteluitwisselingsparameters
check-web-tls-kex-hash = Hashfunctie voor sleuteluitwisseling
check-web-tls-compression = TLS-compressie
check-web-tls-secure-reneg = Veilige heronderhandeling
check-web-tls-client-reneg = Client-geïnitieerde heronderhandeling
check-web-tls-zero-rtt = 0-RTT
check-web-tls-ocsp = OCSP-stapling
check-web-tls-ems = Extended master secret
check-web-cert-trust = Vertrouwensketen van certificaat
check-web-cert-pubkey = Publieke sleutel van certificaat
check-web-cert-signature = Handtekening van certificaat
check-web-cert-name = Domeinnaam op certificaat
check-web-cert-expiry = Geldigheidsduur van certificaat
check-web-cert-caa = CAA voor domein
check-web-dane-exists = DANE-aanwezigheid
check-web-dane-valid = DANE-geldigheid
check-web-headers-x-frame-options = X-Frame-Options
check-web-headers-x-content-type-options = X-Content-Type-Options
check-web-headers-csp = Content-Security-Policy
check-web-headers-referrer-policy = Referrer-Policy
check-web-security-txt = security.txt

check-mail-mx = Mailservers (MX)
check-mail-ipv6-ns-aaaa = IPv6-adressen voor nameservers
check-mail-ipv6-ns-reach = IPv6-bereikbaarheid van nameservers
check-mail-ipv6-mx-aaaa = IPv6-adressen voor mailservers
check-mail-ipv6-mx-reach = IPv6-bereikbaarheid van mailservers
check-mail-dnssec-exists = DNSSEC-aanwezigheid (e-mailadresdomein)
check-mail-dnssec-valid = DNSSEC-geldigheid (e-mailadresdomein)
check-mail-dnssec-mx-exists = DNSSEC-aanwezigheid (mailserverdomeinen)
check-mail-dnssec-mx-valid = DNSSEC-geldigheid (mailserverdomeinen)
check-mail-auth-dmarc = DMARC-aanwezigheid
check-mail-auth-dmarc-policy = DMARC-policy
check-mail-auth-dmarc-rua = DMARC-rapporten (rua)
check-mail-auth-dkim = DKIM-aanwezigheid
check-mail-auth-spf = SPF-aanwezigheid
check-mail-auth-spf-policy = SPF-policy
check-mail-tls-starttls = STARTTLS beschikbaar
check-mail-tls-version = TLS-versie
check-mail-tls-ciphers = Ciphers (algoritmeselecties)
check-mail-tls-cipher-order = Cipher-volgorde
check-mail-tls-kex-params = Sleuteluitwisselingsparameters
check-mail-tls-kex-hash = Hashfunctie voor sleuteluitwisseling
check-mail-tls-compression = TLS-compressie
check-mail-tls-secure-reneg = Veilige heronderhandeling
check-mail-tls-client-reneg = Client-geïnitieerde heronderhandeling
check-mail-tls-zero-rtt = 0-RTT
check-mail-tls-ems = Extended master secret
check-mail-cert-trust = Vertrouwensketen van certificaat
check-mail-cert-pubkey = Publieke sleutel van certificaat
check-mail-cert-signature = Handtekening van certificaat
check-mail-cert-name = Domeinnaam op certificaat
check-mail-cert-expiry = Geldigheidsduur van certificaat
check-mail-cert-caa = CAA voor mailserverdomeinen
check-mail-dane-exists = DANE-aanwezigheid
check-mail-dane-valid = DANE-geldigheid
check-mail-dane-rollover = DANE-rolloverschema
check-mail-mta-sts = MTA-STS
check-mail-tls-rpt = TLS-RPT

## DNSSEC-bevindingen (dns::chain::FINDING_CODES)

dnssec-finding-lookup = DNS-vraag mislukt
dnssec-finding-no-anchor = geen vertrouwensanker
dnssec-finding-alias = alias (CNAME)
dnssec-finding-expiring = handtekeningen verlopen binnenkort
dnssec-finding-unsigned = niet ondertekend
dnssec-finding-no-ds = geen DS in de bovenliggende zone
dnssec-finding-no-dnskey = wel een DS, geen DNSKEY
dnssec-finding-ds-mismatch = de DS past bij geen enkele sleutel
dnssec-finding-ksk-waiting = een nieuwe KSK wacht op zijn DS
dnssec-finding-stale-ds = een verouderde DS
dnssec-finding-ds-unproven = geen bewijs dat er geen DS is
dnssec-finding-no-signature = geen handtekening
dnssec-finding-unknown-key = ondertekend met een onbekende sleutel
dnssec-finding-expired = handtekening verlopen
dnssec-finding-not-yet-valid = handtekening nog niet geldig
dnssec-finding-bad-signature = handtekening klopt niet

dnssec-sev-note = opmerking
dnssec-sev-warning = waarschuwing
dnssec-sev-error = fout

## Mailrecords: de rol van een DKIM-sleutel

mail-role-signing = ondertekent nu
mail-role-next = volgende
mail-role-retired = uitgefaseerd

## DMARC: hoe een verzendend adres eruitziet

dmarc-standing-passes = verstuurt namens jou: slaagt
dmarc-standing-forges = vervalst je domein (of is een eigen verzender die in SPF en DKIM ontbreekt)
dmarc-standing-partly = faalt deels: een doorstuurder, of een eigen verzender die nog niet helemaal is ingesteld

## Controle: een eigen achteruitgang

check-regression-dmarc-weaker = DMARC-policy even streng als eerder
