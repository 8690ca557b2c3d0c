#!/usr/bin/env bash
# Site search vs a cached page: requests per second and latency of `GET /search?q=…` against
# `GET /about` on the same release server, in one run (issue 17).
#
# Set up like bench/page-vs-nginx.sh: `bolwerk demo` with one worker thread, no access log and
# the per-client page budget raised for the single wrk client, pinned to core 0; wrk on core 1.
# Every round measures, in turn: the cached page, a search that finds a few pages, one that
# finds none, and a three-letter word (which FTS5 reads as a prefix: "vol"* finds volunteer,
# volunteers). Medians of the rounds are compared with the page's.
#
# Searches answer at most 8 at once across all sites (SEARCHES_AT_ONCE in
# crates/server/src/search.rs); the others wait for a turn, up to 2 s, then get 503 with
# Retry-After. With OVERLOAD_CONNS set (e.g. 1000), a last run sends that many connections
# at the search that finds pages, with wrk's timeout raised to 10 s so waiting is not counted
# as a client timeout, and reports the 503s and latency percentiles.
#
# Usage: [BOLWERK=binary] [OVERLOAD_CONNS=n] bench/search-vs-page.sh [rounds=3] [seconds=10] [connections=50]
# Needs: wrk (Debian package; installed if missing), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
CONNS=${3:-50}
OVERLOAD_CONNS=${OVERLOAD_CONNS:-}
PORT=18190
# label|path; the first line is the peer every other line is compared with.
TARGETS="page|/about
search-hits|/search?q=garden
search-none|/search?q=zeppelin
search-prefix|/search?q=vol"

for cmd in wrk taskset curl; do
    command -v "$cmd" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk util-linux curl >/dev/null; break; }
done
if [ -z "${BOLWERK:-}" ]; then cargo build --release -q -p bolwerk; fi
BIN=${BOLWERK:-target/release/bolwerk}

RUN=$(mktemp -d /tmp/bolwerk-search.XXXXXX)
cleanup() {
    [ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null || true
    sleep 0.3
    rm -rf "$RUN"
}
trap cleanup EXIT

# max_connections_per_ip: the overload run opens more than the default 256 from 127.0.0.1.
cat > "$RUN/bolwerk.toml" <<TOML
[server]
workers = 1
redirect_http = false
max_connections_per_ip = 100000
[log]
level = "warn"
[shield]
rate_pages_per_s = 10000000
rate_pages_burst = 10000000
ban_flood_threshold = 1000000000
TOML
# Both the server and wrk need a descriptor per connection of the overload run.
if [ -n "$OVERLOAD_CONNS" ]; then ulimit -n $((OVERLOAD_CONNS + 1024)) 2>/dev/null || true; fi
taskset -c 0 "$BIN" demo --data-dir "$RUN/data" --config "$RUN/bolwerk.toml" \
    --http "127.0.0.1:$PORT" --https 127.0.0.1:0 >"$RUN/bolwerk.out" 2>&1 &
BPID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$PORT/about" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done

# What each path answers: status, bytes, and for a search the results (one <li> each).
while IFS='|' read -r label path; do
    curl -s -o "$RUN/body" -w '%{http_code} %{size_download}\n' "http://127.0.0.1:$PORT$path" -H 'Host: localhost' > "$RUN/status"
    read -r code bytes < "$RUN/status"
    hits=$(sed -n '/<ol class="search-results">/,/<\/ol>/p' "$RUN/body" | grep -c '<li>' || true)
    printf '%-14s %-22s status %s, %s bytes, %s results\n' "$label" "$path" "$code" "$bytes" "$hits"
done <<< "$TARGETS"
[ "$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/search?q=garden" -H 'Host: localhost')" = 200 ] \
    || { echo "search does not answer 200" >&2; cat "$RUN/bolwerk.out" >&2; exit 1; }

measure() { # conns timeout url -> "req/s p50 p90 p99 non2xx"
    taskset -c 1 wrk -t1 -c"$1" -d"${SECS}s" --timeout "$2" --latency -H 'Host: localhost' \
        -H 'Accept-Encoding: identity' "$3" > "$RUN/wrk.out"
    awk '
        /Requests\/sec/ { rps = $2 }
        $1 == "50%" { p50 = $2 } $1 == "90%" { p90 = $2 } $1 == "99%" { p99 = $2 }
        /Non-2xx/ { bad = $NF }
        /Socket errors/ { err = $0 }
        END { printf "%s %s %s %s %d\n", rps, p50, p90, p99, bad + 0 }' "$RUN/wrk.out"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "wrk -t1 -c$CONNS -d${SECS}s --latency on core 1; bolwerk (1 worker) on core 0; $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
    while IFS='|' read -r label path; do
        read -r rps p50 p90 p99 bad < <(measure "$CONNS" 2s "http://127.0.0.1:$PORT$path")
        echo "$rps" >> "$RUN/$label.txt"
        printf 'round %d: %-14s %10.0f req/s   p50 %8s  p90 %8s  p99 %8s  non-2xx %d\n' \
            "$r" "$label" "$rps" "$p50" "$p90" "$p99" "$bad"
    done <<< "$TARGETS"
done
PAGE=$(median < "$RUN/page.txt")
while IFS='|' read -r label path; do
    M=$(median < "$RUN/$label.txt")
    awk -v l="$label" -v m="$M" -v p="$PAGE" 'BEGIN { printf "median: %-14s %10.0f req/s, ratio to page = %.3f\n", l, m, m / p }'
done <<< "$TARGETS"

if [ -n "$OVERLOAD_CONNS" ]; then
    echo "overload: wrk -t1 -c$OVERLOAD_CONNS -d${SECS}s --timeout 10s on /search?q=garden"
    read -r rps p50 p90 p99 bad < <(measure "$OVERLOAD_CONNS" 10s "http://127.0.0.1:$PORT/search?q=garden")
    printf 'overload: %10.0f req/s   p50 %8s  p90 %8s  p99 %8s  non-2xx %d\n' "$rps" "$p50" "$p90" "$p99" "$bad"
    grep -E 'requests in|Socket errors' "$RUN/wrk.out" | sed 's/^ */overload: /'
    codes=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$PORT/search?q=garden" -H 'Host: localhost')
    echo "overload: a search right after the run answers $codes"
fi
