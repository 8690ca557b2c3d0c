#!/usr/bin/env bash
# Cached page throughput: Bolwerk vs nginx serving the same HTML from a file, in one run.
#
# Both servers get core 0 (taskset), one worker each (nginx worker_processes 1, Bolwerk
# server.workers = 1); wrk gets core 1. Both send the same security headers and neither
# writes an access log. Rounds alternate nginx/Bolwerk so machine noise hits both alike;
# the median of each is reported, with the ratio.
#
# With ENCODING=gzip every request asks for gzip, with ENCODING=br for "br, gzip" (what
# browsers send), and nginx gets `gzip on` (level 6, compressing per request; nginx-light has
# no brotli, so it answers the br run with gzip); Bolwerk sends its copies made once in the
# page cache.
#
# Usage: [BOLWERK=binary] [ENCODING=br|gzip] bench/page-vs-nginx.sh [rounds=3] [seconds=10] [connections=50]
# Needs: wrk, nginx (Debian packages; installed if missing), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
CONNS=${3:-50}
PAGE=/about
ENCODING=${ENCODING:-}
case "$ENCODING" in
    "") ACCEPT=identity; NGINX_GZIP="gzip off;" ;;
    gzip) ACCEPT=gzip; NGINX_GZIP="gzip on; gzip_comp_level 6; gzip_min_length 512; gzip_vary on; gzip_types text/html;" ;;
    br) ACCEPT="br, gzip"; NGINX_GZIP="gzip on; gzip_comp_level 6; gzip_min_length 512; gzip_vary on; gzip_types text/html;" ;;
    *) echo "ENCODING must be br or gzip" >&2; exit 2 ;;
esac
BOLWERK_PORT=18180
NGINX_PORT=18181

for cmd in wrk nginx taskset; do
    command -v "$cmd" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk nginx-light >/dev/null; break; }
done
# BOLWERK=path/to/bolwerk measures another build (e.g. an older commit's) instead.
if [ -z "${BOLWERK:-}" ]; then cargo build --release -q -p bolwerk; fi
BIN=${BOLWERK:-target/release/bolwerk}

RUN=$(mktemp -d /tmp/bolwerk-bench.XXXXXX)
cleanup() {
    [ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null || true
    [ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true
    sleep 0.3
    rm -rf "$RUN"
}
trap cleanup EXIT

# Bolwerk: the demo site, one worker, no access log.
# wrk is one client on one address, so the per-client page budget is raised for the run;
# everything else in the shield (inspection, ban checks) stays on.
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
taskset -c 0 "$BIN" demo --data-dir "$RUN/data" --config "$RUN/bolwerk.toml" \
    --http "127.0.0.1:$BOLWERK_PORT" --https 127.0.0.1:0 >"$RUN/bolwerk.out" 2>&1 &
BPID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$BOLWERK_PORT$PAGE" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done

# nginx: the very same bytes from a file, with the same headers.
mkdir -p "$RUN/www" "$RUN/logs" "$RUN/tmp"
chmod 755 "$RUN" "$RUN/www"  # nginx workers run as an unprivileged user
curl -fs "http://127.0.0.1:$BOLWERK_PORT$PAGE" -H 'Host: localhost' -o "$RUN/www/about.html"
CSP="default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
cat > "$RUN/nginx.conf" <<NGINX
worker_processes 1;
pid $RUN/nginx.pid;
error_log $RUN/logs/error.log warn;
events { worker_connections 1024; }
http {
    access_log off;
    server_tokens off;
    sendfile on;
    tcp_nopush on;
    keepalive_requests 1000000;
    open_file_cache max=100 inactive=60s;  # a tuned peer: no open()/stat() per request
    $NGINX_GZIP
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $RUN/www;
        location = $PAGE {
            default_type "text/html; charset=utf-8";
            add_header Cache-Control "no-cache" always;
            add_header Content-Security-Policy "$CSP" always;
            add_header X-Content-Type-Options nosniff always;
            add_header Referrer-Policy same-origin always;
            add_header Permissions-Policy "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()" always;
            add_header X-Frame-Options DENY always;
            add_header Cross-Origin-Opener-Policy same-origin always;
            add_header Cross-Origin-Resource-Policy same-origin always;
            try_files /about.html =404;
        }
    }
}
NGINX
taskset -c 0 nginx -p "$RUN/" -c "$RUN/nginx.conf"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$NGINX_PORT$PAGE" -o /dev/null && break; sleep 0.1; done

b_size=$(curl -s "http://127.0.0.1:$BOLWERK_PORT$PAGE" -H 'Host: localhost' | wc -c)
n_size=$(curl -s "http://127.0.0.1:$NGINX_PORT$PAGE" | wc -c)
[ "$b_size" = "$n_size" ] || { echo "bodies differ: bolwerk $b_size bytes, nginx $n_size bytes" >&2; curl -si "http://127.0.0.1:$NGINX_PORT$PAGE"; cat "$RUN/logs/error.log"; exit 1; }

measure() { # url -> requests/s
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" -H 'Host: localhost' -H "Accept-Encoding: $ACCEPT" "$1" | awk '/Requests\/sec/ {print $2}'
}
sent() { # url -> "N bytes coding", what wrk is sent
    local coding
    coding=$(curl -s -o "$RUN/sent" -D - "$1" -H 'Host: localhost' -H "Accept-Encoding: $ACCEPT" \
        | tr -d '\r' | awk 'tolower($1) == "content-encoding:" {print $2}')
    printf '%s bytes %s' "$(stat -c %s "$RUN/sent")" "${coding:-identity}"
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "Accept-Encoding: $ACCEPT; nginx sends $(sent "http://127.0.0.1:$NGINX_PORT$PAGE"), bolwerk $(sent "http://127.0.0.1:$BOLWERK_PORT$PAGE")"
echo "page $PAGE, $b_size bytes; wrk -t1 -c$CONNS -d${SECS}s on core 1; servers on core 0; $ROUNDS rounds"
: > "$RUN/n.txt"; : > "$RUN/b.txt"
for r in $(seq 1 "$ROUNDS"); do
    n=$(measure "http://127.0.0.1:$NGINX_PORT$PAGE"); echo "$n" >> "$RUN/n.txt"
    b=$(measure "http://127.0.0.1:$BOLWERK_PORT$PAGE"); echo "$b" >> "$RUN/b.txt"
    printf 'round %d: nginx %10.0f req/s   bolwerk %10.0f req/s\n' "$r" "$n" "$b"
done
N=$(median < "$RUN/n.txt"); B=$(median < "$RUN/b.txt")
awk -v n="$N" -v b="$B" 'BEGIN { printf "median: nginx %.0f req/s, bolwerk %.0f req/s, ratio bolwerk/nginx = %.2f\n", n, b, b / n }'
