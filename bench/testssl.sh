#!/usr/bin/env bash
# Runs testssl.sh (Debian's package) against the demo's HTTPS listener on loopback and prints
# its findings rated LOW or worse. The demo's certificate is self-signed, so the findings about
# trust (chain of trust, no OCSP/CRL, no CT) are expected; everything else should be OK/INFO.
#
# Usage: bench/testssl.sh [output.json]
set -euo pipefail
cd "$(dirname "$0")/.."
OUT=${1:-/tmp/bolwerk-testssl.json}
command -v testssl >/dev/null || { echo "apt-get install testssl.sh" >&2; exit 1; }
cargo build --release -q -p bolwerk
RUN=$(mktemp -d /tmp/bolwerk-testssl.XXXXXX)
PORT=18443
target/release/bolwerk demo --data-dir "$RUN/data" --http 127.0.0.1:18080 --https "127.0.0.1:$PORT" >"$RUN/out" 2>&1 &
PID=$!
trap 'kill $PID 2>/dev/null; rm -rf "$RUN"' EXIT
for _ in $(seq 1 100); do curl -skf "https://localhost:$PORT/" -o /dev/null && break; sleep 0.1; done
rm -f "$OUT"
testssl --quiet --color 0 --warnings off --sneaky --ip 127.0.0.1 --jsonfile "$OUT" "https://localhost:$PORT/" >"$RUN/testssl.txt" 2>&1 || true
python3 - "$OUT" <<'PY'
import json, sys, collections
items = json.load(open(sys.argv[1]))
order = ["CRITICAL", "HIGH", "MEDIUM", "LOW", "WARN"]
by = collections.defaultdict(list)
for i in items:
    if i.get("severity") in order:
        by[i["severity"]].append(f'{i["id"]}: {i["finding"]}')
for sev in order:
    print(f"{sev}: {len(by[sev])}")
    for f in by[sev]:
        print(f"  {f}")
PY
