# admin-checks: what the self-check, the DNSSEC walk, the mail records and the DMARC reports
# say, by their stable codes: a subtest `web.ipv6.ns-aaaa` is `check-web-ipv6-ns-aaaa`, its
# category `check-cat-web-ipv6`. The English is the crates' own text.

## Self-check categories

check-cat-web-ipv6 = IPv6 (web)
check-cat-web-dnssec = DNSSEC (web)
check-cat-web-https = HTTPS
check-cat-web-tls = TLS (web)
check-cat-web-cert = Certificate (web)
check-cat-web-dane = DANE (web)
check-cat-web-headers = Security options
check-cat-mail-mx = Mail servers
check-cat-mail-ipv6 = IPv6 (mail)
check-cat-mail-dnssec = DNSSEC (mail)
check-cat-mail-auth = DMARC, DKIM and SPF
check-cat-mail-tls = STARTTLS
check-cat-mail-cert = Certificate (mail)
check-cat-mail-dane = DANE (mail)
check-cat-mail-extra = Beyond internet.nl

## Self-check subtests (internet.nl's titles)

check-web-ipv6-ns-aaaa = IPv6 addresses for name servers
check-web-ipv6-ns-reach = IPv6 reachability of name servers
check-web-ipv6-aaaa = IPv6 addresses for web server
check-web-ipv6-reach = IPv6 reachability of web server
check-web-ipv6-same-site = Same website on IPv6 and IPv4
check-web-dnssec-exists = DNSSEC existence
check-web-dnssec-valid = DNSSEC validity
check-web-https-exists = HTTPS available
check-web-https-redirect = HTTPS redirect
check-web-https-hsts = HSTS
check-web-https-compression = HTTP compression
check-web-tls-version = TLS version
check-web-tls-ciphers = Ciphers (algorithm selections)
check-web-tls-cipher-order = Cipher order
check-web-tls-kex-params = Key exchange parameters
check-web-tls-kex-hash = Hash function for key exchange
check-web-tls-compression = TLS compression
check-web-tls-secure-reneg = Secure renegotiation
check-web-tls-client-reneg = Client-initiated renegotiation
check-web-tls-zero-rtt = 0-RTT
check-web-tls-ocsp = OCSP stapling
check-web-tls-ems = Extended master secret
check-web-cert-trust = Trust chain of certificate
check-web-cert-pubkey = Public key of certificate
check-web-cert-signature = Signature of certificate
check-web-cert-name = Domain name on certificate
check-web-cert-expiry = Certificate validity period
check-web-cert-caa = CAA for domain
check-web-dane-exists = DANE existence
check-web-dane-valid = DANE validity
check-web-headers-x-frame-options = X-Frame-Options
check-web-headers-x-content-type-options = X-Content-Type-Options
check-web-headers-csp = Content-Security-Policy
check-web-headers-referrer-policy = Referrer-Policy
check-web-security-txt = security.txt

check-mail-mx = Mail servers (MX)
check-mail-ipv6-ns-aaaa = IPv6 addresses for name servers
check-mail-ipv6-ns-reach = IPv6 reachability of name servers
check-mail-ipv6-mx-aaaa = IPv6 addresses for mail servers
check-mail-ipv6-mx-reach = IPv6 reachability of mail servers
check-mail-dnssec-exists = DNSSEC existence (mail domain)
check-mail-dnssec-valid = DNSSEC validity (mail domain)
check-mail-dnssec-mx-exists = DNSSEC existence (mail server domains)
check-mail-dnssec-mx-valid = DNSSEC validity (mail server domains)
check-mail-auth-dmarc = DMARC existence
check-mail-auth-dmarc-policy = DMARC policy
check-mail-auth-dmarc-rua = DMARC reports (rua)
check-mail-auth-dkim = DKIM existence
check-mail-auth-spf = SPF existence
check-mail-auth-spf-policy = SPF policy
check-mail-tls-starttls = STARTTLS available
check-mail-tls-version = TLS version
check-mail-tls-ciphers = Ciphers (algorithm selections)
check-mail-tls-cipher-order = Cipher order
check-mail-tls-kex-params = Key exchange parameters
check-mail-tls-kex-hash = Hash function for key exchange
check-mail-tls-compression = TLS compression
check-mail-tls-secure-reneg = Secure renegotiation
check-mail-tls-client-reneg = Client-initiated renegotiation
check-mail-tls-zero-rtt = 0-RTT
check-mail-tls-ems = Extended master secret
check-mail-cert-trust = Trust chain of certificate
check-mail-cert-pubkey = Public key of certificate
check-mail-cert-signature = Signature of certificate
check-mail-cert-name = Domain name on certificate
check-mail-cert-expiry = Certificate validity period
check-mail-cert-caa = CAA for mail server domains
check-mail-dane-exists = DANE existence
check-mail-dane-valid = DANE validity
check-mail-dane-rollover = DANE rollover scheme
check-mail-mta-sts = MTA-STS
check-mail-tls-rpt = TLS-RPT

## DNSSEC findings (dns::chain::FINDING_CODES)

dnssec-finding-lookup = DNS lookup failed
dnssec-finding-no-anchor = no trust anchor
dnssec-finding-alias = alias (CNAME)
dnssec-finding-expiring = signatures expire soon
dnssec-finding-unsigned = not signed
dnssec-finding-no-ds = no DS in the parent zone
dnssec-finding-no-dnskey = a DS but no DNSKEY
dnssec-finding-ds-mismatch = the DS matches no key
dnssec-finding-ksk-waiting = a new KSK waits for its DS
dnssec-finding-stale-ds = an outdated DS
dnssec-finding-ds-unproven = no proof that there is no DS
dnssec-finding-no-signature = no signature
dnssec-finding-unknown-key = signed by an unknown key
dnssec-finding-expired = signature expired
dnssec-finding-not-yet-valid = signature not yet valid
dnssec-finding-bad-signature = signature does not match

dnssec-sev-note = note
dnssec-sev-warning = warning
dnssec-sev-error = error

## Mail records: the role of a DKIM key

mail-role-signing = signing
mail-role-next = next
mail-role-retired = retired

## DMARC: what a sending address looks like

dmarc-standing-passes = sends for you: passes
dmarc-standing-forges = forges your domain (or is a sender of yours missing from SPF and DKIM)
dmarc-standing-partly = partly failing: a forwarder, or a sender of yours not fully set up

## Self-check: a regression of its own

check-regression-dmarc-weaker = DMARC policy as strict as before
