#!/usr/bin/env bash
# End to end, one run: Bolwerk with the shield on vs nginx static vs nginx + ModSecurity 3 +
# OWASP CRS (paranoia level 1), all three serving the very same page bytes for a typical page
# request with two short query arguments.
#
# Every server gets core 0 and one worker; wrk gets core 1. Rounds alternate the three so
# machine noise hits them alike; medians and ratios are reported.
#
# wrk is one client on one address, so Bolwerk's per-client page budget is raised for the run
# (rate_pages_per_s/burst, ban_flood_threshold below); everything else in the shield stays
# on: ban and blocklist checks, the rate limiter itself, inspection of path, query and
# headers, 404 counting.
#
# A second table repeats the run with a new query value on every request (a wrk Lua script), so
# nothing Bolwerk remembers about clean request parts can help it.
#
# Usage: bench/shield-vs-nginx-crs.sh [rounds=3] [seconds=10] [connections=50]
# Needs: wrk, nginx, libnginx-mod-http-modsecurity, modsecurity-crs (installed through
# ../shared/bench/modsec/setup-nginx-modsec.sh, whose rendered CRS PL1 config is reused).
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
CONNS=${3:-50}
PAGE=/about
QUERY='?ref=newsletter&lang=nl'
BOLWERK_PORT=18190
NGINX_PORT=18191
CRS_PORT=18192
OFF_PORT=18193
SHARED=${SHARED:-../shared/bench/modsec}
MODSEC_RUN=/var/tmp/bolwerk-bench-nginx

# The shared script installs the packages and renders the CRS config; its own nginx is
# stopped again so it does not take CPU during the run.
bash "$SHARED/setup-nginx-modsec.sh" >/dev/null
bash "$SHARED/stop-nginx-modsec.sh" >/dev/null 2>&1 || true
[ -f "$MODSEC_RUN/conf/modsec/main-pl1.conf" ] || { echo "no rendered CRS config" >&2; exit 1; }
cargo build --release -q -p bolwerk
BIN=target/release/bolwerk

RUN=$(mktemp -d /tmp/bolwerk-e2e.XXXXXX)
cleanup() {
    [ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null || true
    [ -n "${OPID:-}" ] && kill "$OPID" 2>/dev/null || true
    [ -f "$RUN/nginx.pid" ] && kill "$(cat "$RUN/nginx.pid")" 2>/dev/null || true
    sleep 0.3
    rm -rf "$RUN"
}
trap cleanup EXIT

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
# The same with the shield switched off, to show what the shield itself costs.
sed 's/^\[shield\]$/[shield]\nmode = "off"/' "$RUN/bolwerk.toml" > "$RUN/off.toml"
taskset -c 0 "$BIN" demo --data-dir "$RUN/data-off" --config "$RUN/off.toml" \
    --http "127.0.0.1:$OFF_PORT" --https 127.0.0.1:0 >"$RUN/off.out" 2>&1 &
OPID=$!
for port in $BOLWERK_PORT $OFF_PORT; do
    for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$port$PAGE" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done
done

mkdir -p "$RUN/www" "$RUN/logs" "$RUN/tmp"
chmod 755 "$RUN" "$RUN/www"
chown www-data "$RUN/logs" "$RUN/tmp"
curl -fs "http://127.0.0.1:$BOLWERK_PORT$PAGE" -H 'Host: localhost' -o "$RUN/www/about.html"
CSP="default-src 'self'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'; object-src 'none'"
location() {
    cat <<NGINX
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
NGINX
}
cat > "$RUN/nginx.conf" <<NGINX
load_module /usr/lib/nginx/modules/ngx_http_modsecurity_module.so;
user www-data;
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
    open_file_cache max=100 inactive=60s;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
$(location)
    }
    server {
        listen 127.0.0.1:$CRS_PORT;
        modsecurity on;
        modsecurity_rules_file $MODSEC_RUN/conf/modsec/main-pl1.conf;
$(location)
    }
}
NGINX
taskset -c 0 nginx -p "$RUN/" -c "$RUN/nginx.conf"
for port in $NGINX_PORT $CRS_PORT; do
    for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$port$PAGE" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done
done

URL_B="http://127.0.0.1:$BOLWERK_PORT$PAGE$QUERY"
URL_N="http://127.0.0.1:$NGINX_PORT$PAGE$QUERY"
URL_C="http://127.0.0.1:$CRS_PORT$PAGE$QUERY"
URL_O="http://127.0.0.1:$OFF_PORT$PAGE$QUERY"
sizes=$(for u in "$URL_B" "$URL_N" "$URL_C"; do curl -s "$u" -H 'Host: localhost' | wc -c; done | sort -u | wc -l)
[ "$sizes" = 1 ] || { echo "the three pages differ" >&2; exit 1; }
# The CRS server really inspects: an attack is refused there (and by Bolwerk).
for u in "http://127.0.0.1:$CRS_PORT$PAGE" "http://127.0.0.1:$BOLWERK_PORT$PAGE"; do
    code=$(curl -s -o /dev/null -w '%{http_code}' -H 'Host: localhost' -H 'X-Forwarded-For: 198.51.100.1' "$u?q=1%27%20union%20select%20password%20from%20users--" --interface 127.0.0.9 || true)
    [ "$code" = 403 ] || { echo "$u did not block an attack ($code)" >&2; exit 1; }
done

cat > "$RUN/distinct.lua" <<LUA
n = 0
request = function()
  n = n + 1
  return wrk.format(nil, "$PAGE$QUERY&q=" .. n)
end
LUA
SCRIPT=()
measure() { taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" -H 'Host: localhost' "${SCRIPT[@]}" "$1" | awk '/Requests\/sec/ {print $2}'; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
table() {
echo "GET $PAGE$QUERY, $(curl -s "$URL_N" | wc -c) bytes; wrk -t1 -c$CONNS -d${SECS}s on core 1; servers on core 0; $ROUNDS rounds"
    : > "$RUN/b"; : > "$RUN/n"; : > "$RUN/c"; : > "$RUN/o"
    for r in $(seq 1 "$ROUNDS"); do
        n=$(measure "$URL_N"); echo "$n" >> "$RUN/n"
        c=$(measure "$URL_C"); echo "$c" >> "$RUN/c"
        b=$(measure "$URL_B"); echo "$b" >> "$RUN/b"
        o=$(measure "$URL_O"); echo "$o" >> "$RUN/o"
        printf 'round %d: nginx %9.0f   nginx+CRS %9.0f   bolwerk+shield %9.0f   bolwerk, shield off %9.0f req/s\n' "$r" "$n" "$c" "$b" "$o"
    done
    N=$(median < "$RUN/n"); C=$(median < "$RUN/c"); B=$(median < "$RUN/b"); O=$(median < "$RUN/o")
    awk -v n="$N" -v c="$C" -v b="$B" -v o="$O" 'BEGIN {
        printf "median req/s: nginx %.0f, nginx+ModSecurity+CRS PL1 %.0f, Bolwerk with the shield %.0f, Bolwerk with the shield off %.0f\n", n, c, b, o
        printf "ratios: bolwerk/nginx = %.2f, (nginx+CRS)/nginx = %.3f, bolwerk/(nginx+CRS) = %.1fx, shield on/off = %.2f\n", b / n, c / n, b / c, b / o
    }'
}
echo "== the same request over and over"
table
echo "== a new query value on every request (&q=1, &q=2, ...)"
SCRIPT=(-s "$RUN/distinct.lua")
table
