#!/usr/bin/env bash
# Instructions per cached page, counted by callgrind (repeatable whatever else the machine
# does, unlike req/s): the demo's /about served N times over kept-alive connections, counted
# between a reset after warm-up and a dump after the load. Compare builds in one run:
#
#   bench/page-instructions.sh OLD_BINARY NEW_BINARY ...   [REQUESTS=20000]
#
# Same config as bench/page-vs-nginx.sh (one worker, the page budget raised for one client).
set -euo pipefail
cd "$(dirname "$0")/.."
REQUESTS=${REQUESTS:-20000}
command -v valgrind >/dev/null || { apt-get update -qq && apt-get install -y -qq valgrind >/dev/null; }
for BIN in "$@"; do
    RUN=$(mktemp -d /tmp/bolwerk-instr.XXXXXX)
    cat > "$RUN/bolwerk.toml" <<TOML
[server]
workers = 1
redirect_http = false
[log]
level = "warn"
[shield]
rate_pages_per_s = 10000000
rate_pages_burst = 10000000
ban_flood_threshold = 1000000000
TOML
    PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
    valgrind --tool=callgrind --callgrind-out-file="$RUN/cg.%p" "$BIN" demo --data-dir "$RUN/data" \
        --config "$RUN/bolwerk.toml" --http "127.0.0.1:$PORT" --https 127.0.0.1:0 >"$RUN/out" 2>&1 &
    VPID=$!
    for _ in $(seq 1 300); do curl -fs "http://127.0.0.1:$PORT/about" -H 'Host: localhost' -o /dev/null && break; sleep 0.2; done
    # Warm-up, then count only the load.
    python3 - "$PORT" 500 <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    c.request("GET", "/about", headers={"Host": "localhost"}); r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
    callgrind_control -z "$VPID" >/dev/null
    python3 - "$PORT" "$REQUESTS" <<'PY'
import http.client, sys
c = http.client.HTTPConnection("127.0.0.1", int(sys.argv[1]))
for _ in range(int(sys.argv[2])):
    c.request("GET", "/about", headers={"Host": "localhost"}); r = c.getresponse(); r.read()
    assert r.status == 200, r.status
PY
    callgrind_control -d "$VPID" >/dev/null
    sleep 1
    TOTAL=$(cat "$RUN"/cg.* | awk '/^summary:|^totals:/ {s+=$2} END {print s}')
    echo "$BIN: $((TOTAL / REQUESTS)) instructions per page ($REQUESTS pages, $TOTAL in all)"
    kill "$VPID" 2>/dev/null || true
    wait "$VPID" 2>/dev/null || true
    rm -rf "$RUN"
done
