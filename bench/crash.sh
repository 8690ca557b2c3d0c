#!/usr/bin/env bash
# Crash safety: SIGKILLs `bolwerk demo` KILLS times at random moments while editors save pages
# in the admin, visitors post the contact form, attackers get banned and sign-ins (right and
# wrong) happen; after every kill checks the database's integrity and that every write the
# server acknowledged is in it, then starts the server again. See bench/crash.py for what
# counts as acknowledged and how each write is looked up.
#
# Usage: [KILLS=100] [DB=sqlite|mysql|both] [BOLWERK=binary] bench/crash.sh [--keep]
# The binary: $BOLWERK, else target/release/bolwerk (cargo build --release -p bolwerk).
# MariaDB (DB=mysql or both): $MYSQL_ADMIN_URL, default mysql://root@127.0.0.1:3306/; each run
# makes a fresh database and users with `bolwerk db init` and drops them afterwards (kept,
# like the SQLite data directory and the logs, when something failed or with --keep).
# Needs: python3 (standard library only), the `mariadb` client for MariaDB.
# Only loopback is used: the server listens on 127.0.0.1 (ephemeral ports), every client
# is a 127.x.y.z source address.
set -euo pipefail
cd "$(dirname "$0")/.."
BOLWERK=${BOLWERK:-target/release/bolwerk}
[ -x "$BOLWERK" ] || { echo "no bolwerk binary at $BOLWERK (cargo build --release -p bolwerk, or BOLWERK=path)" >&2; exit 2; }
KILLS=${KILLS:-100}
DB=${DB:-both}
case "$DB" in sqlite|mysql|both) ;; *) echo "DB must be sqlite, mysql or both" >&2; exit 2;; esac
if [ "$DB" != sqlite ]; then
    command -v mariadb >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends mariadb-client >/dev/null; }
fi
exec /usr/bin/python3 bench/crash.py --bolwerk "$BOLWERK" --kills "$KILLS" --db "$DB" \
    --mysql-admin-url "${MYSQL_ADMIN_URL:-mysql://root@127.0.0.1:3306/}" "$@"
