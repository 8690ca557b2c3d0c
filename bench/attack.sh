#!/usr/bin/env bash
# Replays the attacks of issue 12 against `bolwerk demo` on loopback and prints, per item,
# `held` or `BROKEN` with the measured figure. Starts (and stops) its own demo servers in
# temporary data directories, with short limits so the run takes a few minutes.
#
# Usage: bench/attack.sh [ITEM...]        (items 1-12; all by default)
# The binary: $BOLWERK, else target/release/bolwerk if built, else target/debug/bolwerk.
# Needs: Debian's python3 with python3-h2 (installed with apt-get if missing), openssl.
# Only 127.0.0.0/8 is used: each attacker is a distinct 127.x.y.z source address.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ -z "${BOLWERK:-}" ]; then
    if [ -x target/release/bolwerk ]; then BOLWERK=target/release/bolwerk; else BOLWERK=target/debug/bolwerk; fi
fi
[ -x "$BOLWERK" ] || { echo "no bolwerk binary at $BOLWERK (cargo build -p bolwerk)" >&2; exit 2; }
PY=/usr/bin/python3
if ! "$PY" -c 'import h2, hpack' 2>/dev/null; then
    apt-get update -qq && apt-get install -y -qq --no-install-recommends python3-h2 >/dev/null
fi
command -v openssl >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends openssl >/dev/null; }
exec "$PY" bench/attack.py --bolwerk "$BOLWERK" "$@"
