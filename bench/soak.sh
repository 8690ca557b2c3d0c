#!/usr/bin/env bash
# Soak test: the release server for MINUTES (default 30) at about 80 % of its measured maximum
# throughput, with honest page views (wrk), attack requests, 404 scanners and admin sign-ins
# (successful and failed). Every minute: the server's RSS, open file descriptors and the p99
# latency of the honest requests, written to bench/results/soak.csv and drawn in
# bench/results/soak.svg, with a verdict on whether each series stayed flat.
# bench/soak.py has the details (pacing, mix, the flatness rule).
#
# Usage: [MINUTES=30] [BOLWERK=binary] bench/soak.sh [extra soak.py options]
# The binary: $BOLWERK, else target/release/bolwerk (copied first, so a rebuild during the
# soak does not change what is measured). Never builds.
# Needs: wrk, taskset, Python 3 (stdlib only); wrk is installed with apt-get if missing.
# Only loopback is used: the server on 127.0.0.1 (ephemeral ports), clients from 127.x.y.z.
set -euo pipefail
cd "$(dirname "$0")/.."
MINUTES=${MINUTES:-30}
SRC=${BOLWERK:-target/release/bolwerk}
[ -x "$SRC" ] || { echo "no bolwerk binary at $SRC (cargo build --release -p bolwerk, or BOLWERK=path)" >&2; exit 2; }
for cmd in wrk taskset; do
    command -v "$cmd" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk util-linux >/dev/null; break; }
done
BIN=$(mktemp /tmp/bolwerk-soak-bin.XXXXXX)
trap 'rm -f "$BIN"' EXIT
cp "$SRC" "$BIN"
chmod 755 "$BIN"
echo "# binary $SRC (sha256 $(sha256sum "$BIN" | cut -c1-16)), work tree at $(git log -1 --format=%h 2>/dev/null || echo '?')"
python3 bench/soak.py --bolwerk "$BIN" --minutes "$MINUTES" "$@"
