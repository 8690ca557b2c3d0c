#!/usr/bin/env bash
# Runs the whole test suite on a fresh Debian machine: installs and starts what the tests need
# (OpenSSL's command-line client, curl, the pebble test CA, Dovecot, Knot, nftables, clamd, Python's SMTP server and DKIM verifier, Chromium and chromedriver for the browser tests, a MariaDB
# server on 127.0.0.1:3306), then `cargo test`.
# A service that cannot be started makes this script fail; no test is skipped.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*"; }

apt_install() {
    local missing=()
    for pkg in "$@"; do
        dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
    done
    if [ ${#missing[@]} -gt 0 ]; then
        log "installing ${missing[*]}"
        local sudo=""
        [ "$(id -u)" -eq 0 ] || sudo="sudo"
        $sudo apt-get update -qq
        DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
    fi
}

mysql_url="${BOLWERK_TEST_MYSQL_URL:-mysql://root@127.0.0.1:3306/}"

mariadb_answers() {
    command -v mariadb >/dev/null 2>&1 || command -v mysql >/dev/null 2>&1 || return 1
    local client; client=$(command -v mariadb || command -v mysql)
    "$client" --protocol=tcp -h 127.0.0.1 -P 3306 -u root -e 'SELECT 1' >/dev/null 2>&1
}

ensure_mariadb() {
    if [ -n "${BOLWERK_TEST_MYSQL_URL:-}" ]; then
        log "using MariaDB at the given BOLWERK_TEST_MYSQL_URL"
        return
    fi
    if mariadb_answers; then
        log "MariaDB answers on 127.0.0.1:3306"
        return
    fi
    apt_install mariadb-server mariadb-client
    if ! mariadb-admin --protocol=socket ping >/dev/null 2>&1; then
        log "starting MariaDB"
        mkdir -p /run/mysqld && chown mysql:mysql /run/mysqld 2>/dev/null || true
        start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd -- --user=mysql --bind-address=127.0.0.1
        for _ in $(seq 1 60); do
            mariadb-admin --protocol=socket ping >/dev/null 2>&1 && break
            sleep 0.5
        done
    fi
    if ! mariadb_answers; then
        # Debian's root logs in through the Unix socket only; let it log in over TCP from
        # loopback without a password too, as the tests expect (a throwaway test server).
        log "allowing root over TCP from loopback"
        mariadb --protocol=socket -u root -e "ALTER USER 'root'@'localhost' IDENTIFIED VIA unix_socket OR mysql_native_password USING PASSWORD(''); FLUSH PRIVILEGES;"
    fi
    mariadb_answers || { echo "error: MariaDB does not answer on 127.0.0.1:3306 as root" >&2; exit 1; }
}

command -v openssl >/dev/null 2>&1 || apt_install openssl
# The CLI tests fetch the demo's pages over HTTPS (and from chosen source addresses) with curl.
command -v curl >/dev/null 2>&1 || apt_install curl ca-certificates
# ACME end to end runs against Debian's pebble test CA and its DNS stand-in.
{ command -v pebble >/dev/null 2>&1 && command -v pebble-challtestsrv >/dev/null 2>&1; } || apt_install pebble
# Browser tests drive Debian's Chromium through chromedriver.
{ command -v chromium >/dev/null 2>&1 && command -v chromedriver >/dev/null 2>&1; } || apt_install chromium chromium-driver
# Mail tests: a real SMTP server (aiosmtpd) on loopback and an independent DKIM verifier
# (dkimpy, with PyNaCl for Ed25519), run with Debian's own Python.
# The record checks ask a small DNS server (dnslib) the tests run on loopback.
/usr/bin/python3 -c 'import aiosmtpd, dkim, nacl, dnslib' >/dev/null 2>&1 || apt_install python3 python3-aiosmtpd python3-dkim python3-nacl python3-dnslib
# DMARC reports are fetched from a real IMAP server (Dovecot, run by the tests themselves).
[ -x /usr/sbin/dovecot ] || apt_install dovecot-imapd
# The guard's tests: network namespaces (iproute2) with real Dovecot (IMAP and POP3), Knot DNS
# and its client kdig, and nftables, all run inside namespaces the tests make.
command -v ip >/dev/null 2>&1 || apt_install iproute2
command -v nft >/dev/null 2>&1 || apt_install nftables
[ -x /usr/lib/dovecot/pop3-login ] || apt_install dovecot-pop3d
{ [ -x /usr/sbin/knotd ] && command -v kdig >/dev/null 2>&1; } || apt_install knot knot-dnsutils
# The no-root test runs the server as nobody with one capability (util-linux's setpriv).
command -v setpriv >/dev/null 2>&1 || apt_install util-linux
# A journal watch is tested against a real systemd-journald, run in a mount namespace.
{ [ -x /lib/systemd/systemd-journald ] && command -v journalctl >/dev/null 2>&1; } || apt_install systemd
command -v logger >/dev/null 2>&1 || apt_install bsdutils
# Virus scanning is tested against a real clamd the tests start with their own tiny signature
# database (no freshclam: there is no network for it).
[ -x /usr/sbin/clamd ] || apt_install clamav-daemon
ensure_mariadb
export BOLWERK_TEST_MYSQL_URL="$mysql_url"

log "cargo test --workspace"
cargo test --workspace --locked "$@"
