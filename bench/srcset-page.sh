#!/usr/bin/env bash
# A cached page with uploaded images (each <img> with width, height, srcset, sizes and
# loading="lazy") vs the same page without them, and vs nginx serving both pages' bytes from
# files, in one run (issue 17): the markup is made once, when the page is rendered into the
# cache, and should cost nothing per request beyond its bytes.
#
# Set up like bench/page-vs-nginx.sh (one worker each, both servers on core 0, wrk -t1 on core
# 1, no access logs, the same security headers). Before measuring, an admin account is added
# (`bolwerk user add`), six PNG photos made here (2400×1600 gradients, python3 alone) are
# uploaded through the admin's media upload over HTTPS as the editor does, the script waits
# until the background resizing has made their copies (480/960/1920), and three pages are put
# with `bolwerk page put`: /gallery (six paragraphs, an image after each), /plain (the same
# paragraphs, no images) and /long (the same paragraphs and one more of plain text, as many
# bytes as the images' markup, so /gallery vs /long shows the markup at an equal size). Each
# round measures nginx then Bolwerk for each page, the pages in a turning order; medians and
# ratios are reported.
#
# Usage: [BOLWERK=binary] bench/srcset-page.sh [rounds=3] [seconds=10] [connections=50]
# Needs: wrk, nginx, python3, curl (Debian packages; installed if missing), a release build.
set -euo pipefail
cd "$(dirname "$0")/.."
ROUNDS=${1:-3}
SECS=${2:-10}
CONNS=${3:-50}
HTTP_PORT=18200
HTTPS_PORT=18201
NGINX_PORT=18202
IMAGES=6

for cmd in wrk nginx taskset python3 curl; do
    command -v "$cmd" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk nginx-light util-linux python3 curl >/dev/null; break; }
done
if [ -z "${BOLWERK:-}" ]; then cargo build --release -q -p bolwerk; fi
BIN=${BOLWERK:-target/release/bolwerk}

RUN=$(mktemp -d /tmp/bolwerk-srcset.XXXXXX)
cleanup() {
    [ -n "${BPID:-}" ] && kill "$BPID" 2>/dev/null || true
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
    --http "127.0.0.1:$HTTP_PORT" --https "127.0.0.1:$HTTPS_PORT" >"$RUN/bolwerk.out" 2>&1 &
BPID=$!
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$HTTP_PORT/about" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done

# An admin, signed in over HTTPS (the admin's cookies are __Host-, so Secure).
PW="Sq-$(head -c 12 /dev/urandom | od -An -tx1 | tr -d ' \n')"
printf '%s\n%s\n' "$PW" "$PW" | "$BIN" user add bench --role admin --data-dir "$RUN/data" >/dev/null
ADMIN="https://localhost:$HTTPS_PORT/_admin"
admin() { # curl args... (the browser's same-origin headers, the session's cookie jar)
    curl -sk --resolve "localhost:$HTTPS_PORT:127.0.0.1" -b "$RUN/jar" -c "$RUN/jar" \
        -H "Origin: https://localhost:$HTTPS_PORT" -H 'Sec-Fetch-Site: same-origin' "$@"
}
status=$(admin -o /dev/null -w '%{http_code}' --data-urlencode user=bench --data-urlencode "password=$PW" "$ADMIN/login")
[ "$status" = 303 ] || { echo "admin login answered $status" >&2; exit 1; }
CSRF=$(admin "$ADMIN/media?site=demo" | grep -o 'upload?csrf=[^&"]*' | head -1 | cut -d= -f2)
[ -n "$CSRF" ] || { echo "no csrf token on the media page" >&2; exit 1; }

# Six photos: smooth 2400×1600 gradients (each its own colours), PNG from python3's zlib, about
# 1 MB each (the admin's multipart upload takes at most 2 MB, axum's default limit).
python3 - "$RUN" "$IMAGES" <<'PY'
import struct, sys, zlib
run, n = sys.argv[1], int(sys.argv[2])
w, h = 2400, 1600
def chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF)
for i in range(n):
    red = bytes((x * 255 // w + 53 * i) & 0xFF for x in range(w))
    blue = bytes((x // 4) & 0xFF for x in range(w + 1024))
    rows = bytearray()
    for y in range(h):
        row = bytearray(3 * w)
        row[0::3] = red
        row[1::3] = bytes([(y * 255 // h + 37 * i) & 0xFF]) * w
        start = (y + 29 * i) & 0x3FF
        row[2::3] = blue[start:start + w]
        rows += b"\0" + row
    png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0)) \
        + chunk(b"IDAT", zlib.compress(bytes(rows), 6)) + chunk(b"IEND", b"")
    open(f"{run}/photo{i}.png", "wb").write(png)
PY

: > "$RUN/snippets"
for i in $(seq 0 $((IMAGES - 1))); do
    status=$(admin -o "$RUN/upload" -w '%{http_code}' -H 'Accept: application/json' -H 'Expect:' \
        -F "alt=Photo $i of the square" -F "file=@$RUN/photo$i.png;type=image/png" \
        "$ADMIN/media/upload?csrf=$CSRF&site=demo")
    [ "$status" = 200 ] || { echo "upload answered $status" >&2; head -c 2000 "$RUN/upload" >&2; exit 1; }
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["snippet"])' "$RUN/upload" >> "$RUN/snippets"
done

# The two pages: the same prose, one with an image after each paragraph.
PARA="The square has been the heart of the neighbourhood since the linden tree was saved in \
1987. Every spring the market fills it with plants, books and music, and volunteers run the \
repair café under the tree."
: > "$RUN/gallery.md"; : > "$RUN/plain.md"
while read -r snippet; do
    printf '%s\n\n%s\n\n' "$PARA" "$snippet" >> "$RUN/gallery.md"
    printf '%s\n\n' "$PARA" >> "$RUN/plain.md"
done < "$RUN/snippets"
"$BIN" page put /gallery --title "The square in pictures" --file "$RUN/gallery.md" --data-dir "$RUN/data" >/dev/null
"$BIN" page put /plain --title "The square in pictures" --file "$RUN/plain.md" --data-dir "$RUN/data" >/dev/null

# Wait for every image's copies (resized in the background, one at a time) to be in the page.
for _ in $(seq 1 600); do
    n=$(curl -s "http://127.0.0.1:$HTTP_PORT/gallery" -H 'Host: localhost' | grep -o 'srcset="' | wc -l)
    [ "$n" -ge "$IMAGES" ] && break
    sleep 0.5
done
[ "$n" -ge "$IMAGES" ] || { echo "only $n of $IMAGES images got a srcset" >&2; exit 1; }
curl -fs "http://127.0.0.1:$HTTP_PORT/plain" -H 'Host: localhost' -o /dev/null

# /long: /plain with a last paragraph of filler as long as the difference between the pages.
g=$(curl -s "http://127.0.0.1:$HTTP_PORT/gallery" -H 'Host: localhost' | wc -c)
p=$(curl -s "http://127.0.0.1:$HTTP_PORT/plain" -H 'Host: localhost' | wc -c)
cp "$RUN/plain.md" "$RUN/long.md"
python3 -c 'import sys; n = int(sys.argv[1]); print(("The linden tree is older than every house on the square. " * 200)[:n].strip())' \
    $((g - p - 8)) >> "$RUN/long.md"
"$BIN" page put /long --title "The square in pictures" --file "$RUN/long.md" --data-dir "$RUN/data" >/dev/null
for _ in $(seq 1 100); do curl -fs "http://127.0.0.1:$HTTP_PORT/long" -H 'Host: localhost' -o /dev/null && break; sleep 0.1; done

# nginx: the very bytes of both pages from files, with the same headers.
mkdir -p "$RUN/www" "$RUN/logs" "$RUN/tmp"
chmod 755 "$RUN" "$RUN/www"
for p in gallery plain long; do
    curl -fs "http://127.0.0.1:$HTTP_PORT/$p" -H 'Host: localhost' -o "$RUN/www/$p.html"
done
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
    open_file_cache max=100 inactive=60s;
    client_body_temp_path $RUN/tmp/body;
    proxy_temp_path $RUN/tmp/proxy;
    fastcgi_temp_path $RUN/tmp/fastcgi;
    uwsgi_temp_path $RUN/tmp/uwsgi;
    scgi_temp_path $RUN/tmp/scgi;
    server {
        listen 127.0.0.1:$NGINX_PORT;
        root $RUN/www;
        location / {
            default_type "text/html; charset=utf-8";
            add_header Cache-Control "no-cache" always;
            add_header Content-Security-Policy "$CSP" always;
            add_header X-Content-Type-Options nosniff always;
            add_header Referrer-Policy same-origin always;
            add_header Permissions-Policy "accelerometer=(), autoplay=(), camera=(), display-capture=(), geolocation=(), gyroscope=(), magnetometer=(), microphone=(), midi=(), payment=(), usb=(), xr-spatial-tracking=()" always;
            add_header X-Frame-Options DENY always;
            add_header Cross-Origin-Opener-Policy same-origin always;
            add_header Cross-Origin-Resource-Policy same-origin always;
            try_files \$uri.html =404;
        }
    }
}
NGINX
taskset -c 0 nginx -p "$RUN/" -c "$RUN/nginx.conf"
for _ in $(seq 1 50); do curl -fs "http://127.0.0.1:$NGINX_PORT/plain" -o /dev/null && break; sleep 0.1; done

for p in gallery plain long; do
    b=$(curl -s "http://127.0.0.1:$HTTP_PORT/$p" -H 'Host: localhost' -H 'Accept-Encoding: identity' | wc -c)
    n=$(curl -s "http://127.0.0.1:$NGINX_PORT/$p" | wc -c)
    [ "$b" = "$n" ] || { echo "/$p differs: bolwerk $b bytes, nginx $n bytes" >&2; exit 1; }
    imgs=$(grep -o '<img [^>]*>' "$RUN/www/$p.html" | wc -l || true)
    echo "/$p: $b bytes, $imgs <img>"
done
grep -o '<img [^>]*>' "$RUN/www/gallery.html" | head -1

measure() { # url -> requests/s
    taskset -c 1 wrk -t1 -c"$CONNS" -d"${SECS}s" -H 'Host: localhost' -H 'Accept-Encoding: identity' "$1" \
        | awk '/Requests\/sec/ {print $2}'
}
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "wrk -t1 -c$CONNS -d${SECS}s on core 1; servers on core 0; $ROUNDS rounds"
for r in $(seq 1 "$ROUNDS"); do
    # The order turns each round, so no page is always measured last.
    case $((r % 3)) in 1) order="plain long gallery" ;; 2) order="long gallery plain" ;; *) order="gallery plain long" ;; esac
    for p in $order; do
        n=$(measure "http://127.0.0.1:$NGINX_PORT/$p"); echo "$n" >> "$RUN/n-$p.txt"
        b=$(measure "http://127.0.0.1:$HTTP_PORT/$p"); echo "$b" >> "$RUN/b-$p.txt"
        printf 'round %d: /%-8s nginx %10.0f req/s   bolwerk %10.0f req/s\n' "$r" "$p" "$n" "$b"
    done
done
for p in plain long gallery; do
    N=$(median < "$RUN/n-$p.txt"); B=$(median < "$RUN/b-$p.txt")
    echo "$B" > "$RUN/median-$p"
    awk -v p="$p" -v n="$N" -v b="$B" 'BEGIN { printf "median /%-8s nginx %.0f req/s, bolwerk %.0f req/s, ratio bolwerk/nginx = %.2f\n", p, n, b, b / n }'
done
awk -v g="$(cat "$RUN/median-gallery")" -v p="$(cat "$RUN/median-plain")" -v l="$(cat "$RUN/median-long")" \
    'BEGIN { printf "bolwerk /gallery / /plain = %.2f, /gallery / /long = %.2f, /long / /plain = %.2f\n", g / p, g / l, l / p }'
