#!/usr/bin/env bash
# throughput.sh — issue 16 "Measured": what a virus scan costs an upload.  Bolwerk's own clamd
# client (av::Clamd, INSTREAM over a Unix socket, crates/av/examples/scan_bench.rs) against
# `clamdscan --stream` on the same files, the same clamd, in the same run, interleaved.
#
#   apt-get install -y clamav-daemon clamdscan python3
#   bash bench/clamav/throughput.sh               # RUNS=20 timed scans per file and tool, in ROUNDS=4
#   RUNS=40 ROUNDS=8 KEEP=1 bash bench/clamav/throughput.sh   # KEEP: keep the work dir
#
# - clamd: a private one in a mktemp dir, offline, with a tiny signature DB (EICAR as .hdb and
#   .ndb, one .ndb marker string), the limits Bolwerk recommends (StreamMaxLength 64M,
#   MaxFileSize = MaxScanSize 100M, AlertExceedsMax); stopped by its pid on exit.
# - Files (exactly 100,000 / 1,000,000 / 10,000,000 bytes, generated from a fixed seed):
#   jpeg-*.jpg  JPEG-like: a JPEG's marker structure (JFIF APP0, COM, DQT, SOF0, DHT, SOS, EOI)
#               around random entropy-coded bytes (0xFF stuffed): incompressible, typed as JPEG
#               by clamd, but it does not decode into a picture.
#   pdf-*.pdf   PDF-like text: pages whose content streams are FlateDecode-compressed text
#               drawing operators (Zipf-distributed made-up words, ~3:1 compression); clamd
#               parses the PDF and inflates and scans every stream.
# - clamd remembers the hash of every clean file and answers a repeat from that cache, so
#   before every scan, by either tool, 16 bytes after a `BOLWERK-STAMP:` marker (a JPEG COM
#   segment, a PDF comment line) are changed: every timed scan is a real one.
# - Per round each tool does one untimed scan per file (warm-up), then RUNS/ROUNDS timed ones;
#   the order of the tools alternates from round to round, so noise hits both.
# - Bolwerk: the time of `Clamd::scan(&bytes)` inside a running process (connect, INSTREAM in
#   64 KiB chunks, the verdict): exactly what a scan adds to an upload request.
#   clamdscan: wall time of the whole command (process start, reading clamd.conf, reading the
#   file, INSTREAM, the reply), measured with bash's $EPOCHREALTIME: what a CMS that shells
#   out to clamdscan pays.  `clamdscan --ping 1` (start, config, connect, PING, exit) is timed
#   too, as the fixed part of that; the table shows clamdscan minus that baseline as well.
set -euo pipefail

RUNS=${RUNS:-20}
ROUNDS=${ROUNDS:-4}
(( RUNS % ROUNDS == 0 )) || { echo "RUNS ($RUNS) must be a multiple of ROUNDS ($ROUNDS)" >&2; exit 2; }
PER=$((RUNS / ROUNDS))
CLAMD=${CLAMD:-/usr/sbin/clamd}
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
for b in "$CLAMD" clamdscan python3 cargo md5sum; do
	command -v "$b" >/dev/null || { echo "missing $b: apt-get install -y clamav-daemon clamdscan python3" >&2; exit 1; }
done

WORK=$(mktemp -d /tmp/clamd-bench.XXXXXX)
CLAMD_PID=""
cleanup() {
	if [[ -n $CLAMD_PID ]]; then
		kill "$CLAMD_PID" 2>/dev/null || true
		wait "$CLAMD_PID" 2>/dev/null || true
	fi
	if [[ -n ${KEEP:-} ]]; then echo "kept $WORK"; else rm -rf "$WORK"; fi
}
trap cleanup EXIT
mkdir -p "$WORK"/{db,run,tmp,files}

# ---------------------------------------------------------------- the scan client, built first
echo "== building the example (cargo build --release -p av --example scan_bench)"
(cd "$ROOT" && cargo build --release -q -p av --example scan_bench)
bolwerk_scan() { (cd "$ROOT" && cargo run --release -q -p av --example scan_bench -- "$@"); }

# ---------------------------------------------------------------- tiny signature DB, offline
# shellcheck disable=SC2016  # the EICAR test string, literally
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
MARKER='BOLWERK-AV-TEST-MARKER-7f3a'
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
cat >"$WORK/db/bolwerk.ndb" <<EOF
Bolwerk.Test.EICAR:0:*:$(hex "$EICAR")
Bolwerk.Test.Marker:0:*:$(hex "$MARKER")
EOF
# .hdb: MD5:Size:Name
printf '%s:%d:Bolwerk.Test.EICAR.Hash\n' "$(printf '%s' "$EICAR" | md5sum | cut -d' ' -f1)" "${#EICAR}" >"$WORK/db/bolwerk.hdb"

SOCK=$WORK/run/clamd.sock
cat >"$WORK/clamd.conf" <<EOF
DatabaseDirectory $WORK/db
LocalSocket $SOCK
Foreground yes
LogFile $WORK/run/clamd.log
PidFile $WORK/run/clamd.pid
TemporaryDirectory $WORK/tmp
StreamMaxLength 64M
MaxFileSize 100M
MaxScanSize 100M
AlertExceedsMax yes
AlertEncryptedArchive yes
SelfCheck 0
EOF
"$CLAMD" -c "$WORK/clamd.conf" >"$WORK/run/clamd.out" 2>&1 &
CLAMD_PID=$!
for _ in $(seq 400); do
	kill -0 "$CLAMD_PID" 2>/dev/null || { cat "$WORK/run/clamd.out" >&2; exit 1; }
	[[ -S $SOCK ]] && clamdscan --config-file="$WORK/clamd.conf" --ping 1 >/dev/null 2>&1 && break
	sleep 0.05
done
clamdscan --config-file="$WORK/clamd.conf" --ping 1 >/dev/null

# ---------------------------------------------------------------- the files
# prints "PATH STAMP-OFFSET" per file
python3 - "$WORK/files" >"$WORK/files.txt" <<'EOF'
import random, struct, sys, zlib
out = sys.argv[1]
STAMP = b'BOLWERK-STAMP:' + b'0' * 16

def seg(m, payload):
    return b'\xff' + bytes([m]) + struct.pack('>H', len(payload) + 2) + payload

def jpeg(size, rnd):
    w, h = {100_000: (640, 480), 1_000_000: (2048, 1536), 10_000_000: (6000, 4000)}[size]
    head = (b'\xff\xd8' + seg(0xE0, b'JFIF\x00\x01\x01\x01\x00\x48\x00\x48\x00\x00')
            + seg(0xFE, STAMP)
            + seg(0xDB, b'\x00' + bytes(rnd.randint(2, 40) for _ in range(64)))
            + seg(0xDB, b'\x01' + bytes(rnd.randint(4, 99) for _ in range(64)))
            + seg(0xC0, b'\x08' + struct.pack('>HH', h, w) + b'\x03\x01\x22\x00\x02\x11\x01\x03\x11\x01')
            # the standard luminance DC table (JPEG Annex K.3)
            + seg(0xC4, b'\x00' + bytes([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0]) + bytes(range(12)))
            + seg(0xDA, b'\x03\x01\x00\x02\x11\x03\x11\x00\x3f\x00'))
    body = bytearray()
    need = size - len(head) - 2
    while len(body) < need:
        chunk = rnd.randbytes(65536).replace(b'\xff', b'\xff\x00')
        body += chunk
    body = body[:need]
    if body[-1] == 0xFF:          # no half-stuffed byte before EOI
        body[-1] = 0x00
    return head + bytes(body) + b'\xff\xd9', 2 + len(seg(0xE0, b'x' * 14)) + 4 + 14

def pdf(size, rnd):
    syll = ['ba', 'de', 'ri', 'on', 'ver', 'st', 'al', 'en', 'ka', 'mo', 'lu', 'ti', 'gra', 'sch', 'ne', 'po', 'ij', 'wa']
    vocab = [''.join(rnd.choice(syll) for _ in range(rnd.randint(1, 4))) for _ in range(3000)]
    cum, t = [], 0.0
    for i in range(len(vocab)):
        t += 1 / (i + 1)
        cum.append(t)
    head = b'%PDF-1.7\n%\xe2\xe3\xcf\xd3\n%' + STAMP + b'\n'
    objs = [b'<< /Type /Catalog /Pages 2 0 R >>', None,
            b'<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>']
    kids = []
    body = bytearray(head)
    offsets = []
    def add(o):
        offsets.append(len(body))
        body.extend(b'%d 0 obj\n' % len(offsets) + o + b'\nendobj\n')
    add(objs[0]); offsets.append(None); add(objs[2])   # object 2 (Pages) is written last
    # room for one more page, the Pages object and the xref table
    while len(body) + 2600 + 30 * (len(offsets) + 2) + 8 * len(kids) < size:
        lines = []
        for y in range(780, 60, -12):
            words = rnd.choices(vocab, cum_weights=cum, k=rnd.randint(9, 14))
            lines.append(b'BT /F1 10 Tf 56 %d Td (%s) Tj ET' % (y, ' '.join(words).encode()))
        z = zlib.compress(b'\n'.join(lines), 6)
        add(b'<< /Length %d /Filter /FlateDecode >>\nstream\n' % len(z) + z + b'\nendstream')
        add(b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Resources << /Font << /F1 3 0 R >> >> /Contents %d 0 R >>' % len(offsets))
        kids.append(len(offsets))
    offsets[1] = len(body)
    body.extend(b'2 0 obj\n<< /Type /Pages /Count %d /Kids [%s] >>\nendobj\n'
                % (len(kids), b' '.join(b'%d 0 R' % k for k in kids)))
    xref = len(body)
    tail = (b'xref\n0 %d\n0000000000 65535 f \n' % (len(offsets) + 1)
            + b''.join(b'%010d 00000 n \n' % o for o in offsets)
            + b'trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n' % (len(offsets) + 1, xref))
    pad = size - len(body) - len(tail)
    assert pad >= 2, (size, len(body), len(tail))
    # what real writers leave between objects: a comment line of padding
    body.extend(b'%' + b' ' * (pad - 2) + b'\n')
    return bytes(body) + tail, len(head) - 1 - 16

for kind, make in (('jpeg', jpeg), ('pdf', pdf)):
    for name, size in (('100k', 100_000), ('1m', 1_000_000), ('10m', 10_000_000)):
        data, at = make(size, random.Random('%s-%d' % (kind, size)))
        assert len(data) == size and data[at - 14:at] == b'BOLWERK-STAMP:', (kind, size)
        path = '%s/%s-%s.%s' % (out, kind, name, 'jpg' if kind == 'jpeg' else 'pdf')
        open(path, 'wb').write(data)
        print(path, at)
EOF
mapfile -t FILES < <(cut -d' ' -f1 "$WORK/files.txt")

stamp() {   # stamp FILE TEXT16 : the 16 bytes after BOLWERK-STAMP:
	local at
	at=$(awk -v f="$1" '$1 == f { print $2 }' "$WORK/files.txt")
	printf '%s' "$2" | dd of="$1" bs=1 seek="$at" conv=notrunc status=none
}
SAMPLES=$WORK/samples.txt   # TOOL FILE BYTES MS
: >"$SAMPLES"
run_bolwerk() {   # run_bolwerk ROUND
	bolwerk_scan "$SOCK" "$PER" "${FILES[@]}" --raw >"$WORK/bolwerk-$1.out"
	grep -v '^raw ' "$WORK/bolwerk-$1.out" | sed 's/^/    /'
	awk '$1 == "raw" { print ($2 == "VERSION" ? "version" : "bolwerk"), $2, $3, $4 }' "$WORK/bolwerk-$1.out" >>"$SAMPLES"
}
run_clamdscan() {   # run_clamdscan ROUND
	local f i t0 t1
	for f in "${FILES[@]}"; do
		for i in $(seq 0 "$PER"); do
			stamp "$f" "$(printf 'cs%02d%012d' "$1" "$i")"
			t0=$EPOCHREALTIME
			clamdscan --config-file="$WORK/clamd.conf" --stream --no-summary "$f" >/dev/null \
				|| { echo "clamdscan $f: not clean (or an error)" >&2; exit 1; }
			t1=$EPOCHREALTIME
			if ((i > 0)); then
				echo "clamdscan $f $(stat -c %s "$f") $(echo "($t1 - $t0) * 1000" | bc -l)" >>"$SAMPLES"
			fi
		done
	done
	for i in $(seq "$PER"); do
		t0=$EPOCHREALTIME
		clamdscan --config-file="$WORK/clamd.conf" --ping 1 >/dev/null
		t1=$EPOCHREALTIME
		echo "ping - 0 $(echo "($t1 - $t0) * 1000" | bc -l)" >>"$SAMPLES"
	done
}

echo "== clamd: $("$CLAMD" --version) ($CLAMD), clamdscan: $(clamdscan -V --config-file="$WORK/clamd.conf")"
echo "== $(nproc) cores, $(uname -r), $(date -u '+%Y-%m-%d %H:%M UTC'), git $(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo '?')"
echo "== $RUNS timed scans per file and tool, in $ROUNDS rounds of $PER (tools alternate); load average: $(cut -d' ' -f1-3 /proc/loadavg)"
for r in $(seq "$ROUNDS"); do
	echo "-- round $r"
	if ((r % 2)); then run_bolwerk "$r"; run_clamdscan "$r"; else run_clamdscan "$r"; run_bolwerk "$r"; fi
done
echo "== clamd log lines with error or warning: $(grep -ciE 'error|warning' "$WORK/run/clamd.log" || true); load average: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$SAMPLES" <<'EOF'
import sys, math, collections, os
s = collections.defaultdict(list)
size = {}
for line in open(sys.argv[1]):
    tool, f, b, ms = line.split()
    s[(tool, os.path.basename(f))].append(float(ms))
    if tool in ('bolwerk', 'clamdscan'):
        size[os.path.basename(f)] = int(b)
def q(v, p):   # nearest rank, as in scan_bench
    v = sorted(v); return v[max(1, math.ceil(len(v) * p / 100)) - 1]
base = q(s[('ping', '-')], 50)
print('\nclamdscan --ping 1 (process start + config + connect + PING): median %.1f ms, p95 %.1f ms, n=%d'
      % (base, q(s[('ping', '-')], 95), len(s[('ping', '-')])))
v = s[('version', 'VERSION')]
print('Bolwerk VERSION round trip (after a clean verdict the upload handler asks it too): median %.2f ms, p95 %.2f ms, n=%d'
      % (q(v, 50), q(v, 95), len(v)))
print('\n| file | bytes | Bolwerk median / p95 ms | Bolwerk MB/s | clamdscan median / p95 ms | clamdscan MB/s '
      '| **ratio** Bolwerk / clamdscan | clamdscan − ping baseline ms | ratio Bolwerk / (clamdscan − baseline) |')
print('|---|---:|---:|---:|---:|---:|---:|---:|---:|')
for f in sorted(size, key=lambda f: (f.split('-')[0], size[f])):
    b, c = s[('bolwerk', f)], s[('clamdscan', f)]
    bm, cm = q(b, 50), q(c, 50)
    print('| %s | %s | %.2f / %.2f | %.1f | %.2f / %.2f | %.1f | **%.2f** | %.2f | %.2f |' % (
        f, format(size[f], ','), bm, q(b, 95), size[f] / 1e3 / bm, cm, q(c, 95), size[f] / 1e3 / cm,
        bm / cm, cm - base, bm / (cm - base) if cm > base else float('nan')))
print('\n(MB = 10^6 bytes; MB/s = size / median; n = %d per tool and file)' % len(b))
EOF
