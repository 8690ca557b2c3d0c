#!/usr/bin/env bash
# clamd-lab.sh — prototype of the issue-16 virus-scanning tests: Debian's clamd (1.4.x,
# package clamav-daemon) started as a child on a private Unix socket AND a loopback TCP
# port, with a tiny signature database written here, offline (no freshclam):
#   bolwerk.ndb  body signatures: the EICAR test string, a marker string of our own
#   bolwerk.hdb  an MD5 hash signature for one fixed file
#   daily.cud    an UNSIGNED "CVD" container built here (header + tar.gz), so that clamd's
#                VERSION reply carries a signature version/date that a RELOAD changes
# and then speaks the INSTREAM protocol to it (a 40-line Python client written below)
# for every reply the Rust client will have to handle, times start-up, RELOAD and
# throughput vs `clamdscan --stream`.  Findings: bench/clamav/README.md.
#
#   apt-get install -y clamav-daemon clamdscan clamav zip python3
#   bash bench/clamav/clamd-lab.sh            # as root or any user, ~30 s, no network
#   RUN_AS=clamav bash bench/clamav/clamd-lab.sh   # as root: clamd drops to `User clamav`
#   KEEP=1 ...                                 # keep the temp dir (configs, logs)
# Nothing outside a mktemp dir is touched; the two clamd children are stopped on exit.
set -euo pipefail

CLAMD=${CLAMD:-/usr/sbin/clamd}
for b in "$CLAMD" clamdscan sigtool zip python3 gzip; do
	command -v "$b" >/dev/null || { echo "missing $b: apt-get install -y clamav-daemon clamdscan clamav zip python3" >&2; exit 1; }
done
WORK=$(mktemp -d /tmp/clamd-lab.XXXXXX)
cleanup() {
	local p
	for p in "$WORK"/run/*.child; do
		[[ -f $p ]] || continue
		kill "$(cat "$p")" 2>/dev/null || true
		wait "$(cat "$p")" 2>/dev/null || true
	done
	[[ -n "${KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"
}
trap cleanup EXIT
cd "$WORK"
mkdir -p db run tmp files
T0=$(date +%s.%N)
since() { printf '%5.1fs' "$(echo "$(date +%s.%N) - $T0" | bc)"; }
say() { printf '\n[%s] === %s\n' "$(since)" "$*"; }

USERLINE=""
if [[ -n "${RUN_AS:-}" ]]; then
	# clamd binds its socket and opens the DB AFTER dropping to User: the dirs must be theirs.
	[[ $EUID -eq 0 ]] || { echo "RUN_AS needs root" >&2; exit 1; }
	chmod 755 "$WORK"
	chown -R "$RUN_AS" run tmp
	USERLINE="User $RUN_AS"
fi

# ---------------------------------------------------------------- the protocol client
cat >clamc.py <<'EOF'
import socket, struct, sys, time
def conn(addr, timeout=30):
    if addr.startswith('/'):
        s = socket.socket(socket.AF_UNIX); s.settimeout(timeout); s.connect(addr)
    else:
        h, p = addr.rsplit(':', 1); s = socket.create_connection((h, int(p)), timeout)
    return s
def readall(s):
    buf = b''
    while True:
        try: d = s.recv(65536)
        except ConnectionResetError: return buf + b'<connection reset>'
        if not d: return buf
        buf += d
def command(addr, c):
    s = conn(addr); s.sendall(b'z' + c.encode() + b'\0'); r = readall(s); s.close(); return r
def instream(addr, data, chunk=64 * 1024):
    # zINSTREAM\0, then <u32 big-endian length><bytes>..., then <u32 0>; reply "stream: ...\0"
    s = conn(addr); s.sendall(b'zINSTREAM\0'); err = ''
    try:
        for i in range(0, len(data), chunk):
            c = data[i:i + chunk]; s.sendall(struct.pack('>I', len(c)) + c)
        s.sendall(struct.pack('>I', 0))
    except OSError as e:
        err = ' [send failed after %d bytes: %s]' % (i, e.__class__.__name__)
    r = readall(s); s.close(); return r, err
op, addr = sys.argv[1], sys.argv[2]
if op == 'cmd':
    print(repr(command(addr, sys.argv[3]))[1:])
elif op == 'scan':
    for f in sys.argv[3:]:
        t = time.perf_counter(); r, err = instream(addr, open(f, 'rb').read())
        print('%-22s -> %s%s  (%.1f ms)' % (f.split('/')[-1], repr(r)[1:], err, (time.perf_counter() - t) * 1e3))
elif op == 'bench':   # bench ADDR FILE... : total seconds for INSTREAM of every file
    t = time.perf_counter()
    for f in sys.argv[3:]:
        r, err = instream(addr, open(f, 'rb').read()); assert r == b'stream: OK\0', (r, err)
    print('%.4f' % (time.perf_counter() - t))
elif op == 'wait-version':   # poll VERSION until it differs from argv[3]; print ms and new value
    t = time.perf_counter(); old = sys.argv[3].encode()
    while True:
        try: v = command(addr, 'VERSION')
        except OSError: v = b''
        if v and v != old: break
        if time.perf_counter() - t > 60: v = b'(timeout)'; break
        time.sleep(0.005)
    print('%.0f ms -> %s' % ((time.perf_counter() - t) * 1e3, repr(v)[1:]))
elif op == 'wait-pong':   # wait-pong ADDR SPAWN-EPOCH
    t = float(sys.argv[3]); n = 0
    while True:
        n += 1
        try:
            if command(addr, 'PING') == b'PONG\0': break
        except OSError: pass
        if time.time() - t > 60: sys.exit('no PONG after 60 s')
        time.sleep(0.005)
    print('%.0f ms (PONG on try %d)' % ((time.time() - t) * 1e3, n))
EOF
C() { python3 "$WORK/clamc.py" "$@"; }

# ---------------------------------------------------------------- signatures, offline
hex() { printf '%s' "$1" | od -An -v -tx1 | tr -d ' \n'; }
EICAR='X5O!P%@AP[4\PZX54(P^)7CC)7}$EICAR-STANDARD-ANTIVIRUS-TEST-FILE!$H+H*'
MARKER='BOLWERK-AV-TEST-MARKER-7f3a'
LATER='BOLWERK-AV-TEST-LATER-9c21'         # matched only by the signature added for RELOAD
printf '%s' "$EICAR" >files/eicar.com     # the 68-byte official test file
printf 'Bolwerk fixed test file: not a virus, detected by hash only.\n' >files/fixed.txt
# .ndb: Name:TargetType:Offset:HexSignature   (TargetType 0 = any file, Offset * = anywhere)
cat >db/bolwerk.ndb <<EOF
Bolwerk.Test.EICAR:0:*:$(hex "$EICAR")
Bolwerk.Test.Marker:0:*:$(hex "$MARKER")
EOF
# .hdb: MD5:Size:Name  (sigtool --md5 FILE prints exactly this line)
sigtool --md5 files/fixed.txt | sed 's/:fixed.txt$/:Bolwerk.Test.Hash/' >db/bolwerk.hdb
cat db/bolwerk.ndb db/bolwerk.hdb

# daily.cud: what freshclam would leave as daily.cvd, but unsigned (sigtool --build --unsigned
# makes the same).  clamd sets its "db version" from any file called daily.* of CVD kind.
mkcud() {   # mkcud VERSION OUT FILE...
	python3 - "$@" <<'EOF'
import tarfile, io, gzip, hashlib, sys, time, os
ver, out, files = int(sys.argv[1]), sys.argv[2], sys.argv[3:]
now = int(time.time()); date = time.strftime('%d %b %Y %H-%M +0000', time.gmtime(now))
nsigs = sum(1 for f in files for l in open(f) if l.strip())
head = 'ClamAV-VDB:%s:%d:%d:90' % (date, ver, nsigs)        # build date:version:sigs:flevel
info = '%s:X:X:bolwerk:%d\n' % (head, now) + ''.join('%s:%d:%s\n' % (os.path.basename(f),
    os.path.getsize(f), hashlib.sha256(open(f, 'rb').read()).hexdigest()) for f in files)
bio = io.BytesIO()
with tarfile.open(fileobj=bio, mode='w', format=tarfile.USTAR_FORMAT) as tf:
    for name, data in [('daily.info', info.encode())] + [(os.path.basename(f), open(f, 'rb').read()) for f in files]:
        ti = tarfile.TarInfo(name); ti.size = len(data); tf.addfile(ti, io.BytesIO(data))
body = gzip.compress(bio.getvalue())
hdr = ('%s:%s:X:bolwerk:%d' % (head, hashlib.md5(body).hexdigest(), now)).encode().ljust(512, b' ')
tmp = out + '.tmp'; open(tmp, 'wb').write(hdr + body); os.rename(tmp, out)
EOF
}

# ---------------------------------------------------------------- test files
printf 'Hello, this is a clean text file.\n' >files/clean.txt
: >files/empty.bin
printf 'some text %s more text\n' "$MARKER" >files/marker.txt
printf 'uploaded today, signature only tomorrow: %s\n' "$LATER" >files/later.txt
(cd files && zip -q eicar.zip eicar.com && gzip -kc eicar.com >eicar.gz && tar czf eicar.tgz eicar.com \
	&& zip -q eicar-in-zip.zip eicar.zip && zip -q fixed.zip fixed.txt \
	&& zip -q -P secret eicar-encrypted.zip eicar.com)
# bomb.zip: 120 MB of zeros then EICAR, deflated to ~120 KB (inner file > MaxFileSize 100M)
# zip64.zip: EICAR alone, written the way a streaming writer does it (zip64 local header,
#   sizes 0xFFFFFFFF): valid (unzip -t passes) but ClamAV 1.4.6 does not follow it
python3 - "$EICAR" files/bomb.zip files/zip64.zip <<'EOF'
import zipfile, sys
eicar = sys.argv[1].encode()
with zipfile.ZipFile(sys.argv[2], 'w', zipfile.ZIP_DEFLATED) as z:
    z.writestr('big.bin', bytes(120 << 20) + eicar)
with zipfile.ZipFile(sys.argv[3], 'w', zipfile.ZIP_DEFLATED) as z:
    with z.open('eicar.com', 'w', force_zip64=True) as f: f.write(eicar)
EOF
# PDFs, each opening an action at /OpenAction: plain /JavaScript, the name hex-escaped
# (/J#61vaScript), the action inside a Flate-compressed object stream (PDF 1.5); and a clean one
mkpdf() {   # mkpdf FILE MODE   (MODE: plain | escaped | objstm | clean)
	python3 - "$1" "$2" <<'EOF'
import sys, zlib
mode = sys.argv[2]
name = b'J#61vaScript' if mode == 'escaped' else b'JavaScript'
act = b'<< /Type /Action /S /' + name + b' /JS (app.alert\\(1\\);) >>'
objs = [b'<< /Type /Catalog /Pages 2 0 R%s >>' % (b'' if mode == 'clean' else b' /OpenAction 4 0 R'),
        b'<< /Type /Pages /Kids [3 0 R] /Count 1 >>',
        b'<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>']
if mode == 'objstm':
    z = zlib.compress(b'4 0 ' + act)
    objs += [None, b'<< /Type /ObjStm /N 1 /First 4 /Filter /FlateDecode /Length %d >>\nstream\n' % len(z) + z + b'\nendstream']
elif mode != 'clean':
    objs += [act]
out = b'%PDF-1.5\n'
for i, o in enumerate(objs, 1):
    if o is not None: out += b'%d 0 obj\n' % i + o + b'\nendobj\n'
out += b'trailer\n<< /Size %d /Root 1 0 R >>\n%%%%EOF\n' % (len(objs) + 1)
open(sys.argv[1], 'wb').write(out)
EOF
}
for m in plain escaped objstm clean; do mkpdf "files/pdf-$m.pdf" "$m"; done
printf 'A text that merely mentions /JavaScript and /OpenAction.\n' >files/mentions-js.txt
# sizes around the strict instance's StreamMaxLength (12M = 12582912 bytes)
head -c 12582912 /dev/urandom >files/exactly-12M.bin
head -c 12582913 /dev/urandom >files/12M-plus-1.bin
head -c 13000000 /dev/urandom >files/13M.bin
head -c 40000000 /dev/urandom >files/40M.bin

# ---------------------------------------------------------------- two clamd instances
# "defaults": only what a private instance needs; "strict": what Bolwerk should ship.
pick_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])'; }
write_conf() {   # write_conf NAME PORT EXTRA-LINES
	cat >"$1.conf" <<EOF
DatabaseDirectory $WORK/db
LocalSocket $WORK/run/$1.sock
LocalSocketMode 660
TCPSocket $2
TCPAddr 127.0.0.1
Foreground yes
LogFile $WORK/run/$1.log
LogTime yes
PidFile $WORK/run/$1.pid
TemporaryDirectory $WORK/tmp
$USERLINE
$3
EOF
}
PD=$(pick_port); PS=$(pick_port)
write_conf defaults "$PD" ""
write_conf strict "$PS" "StreamMaxLength 12M
MaxFileSize 100M
MaxScanSize 100M
MaxRecursion 10
MaxFiles 1000
MaxScanTime 30000
AlertExceedsMax yes
AlertEncryptedArchive yes
SelfCheck 0
ConcurrentDatabaseReload yes"
UD=$WORK/run/defaults.sock; US=$WORK/run/strict.sock; TS=127.0.0.1:$PS

start() {   # start NAME ; clamd stays a child of this shell; run/NAME.ready = ms from spawn to PONG
	local s; s=$(date +%s.%N)
	"$CLAMD" -c "$WORK/$1.conf" >"$WORK/run/$1.out" 2>&1 &
	echo $! >"$WORK/run/$1.child"
	C wait-pong "$WORK/run/$1.sock" "$s" >"$WORK/run/$1.ready" || { tail "$WORK/run/$1.out"; exit 1; }
}
say "clamd $("$CLAMD" --version) start-up with the tiny DB (spawn -> PONG)"
start defaults; start strict
echo "defaults: $(cat run/defaults.ready)   strict: $(cat run/strict.ready)"
echo "strict runs as: $(ps -o user= -p "$(cat run/strict.child)")"

say "PING / VERSION / VERSIONCOMMANDS / unknown command (Unix socket and TCP)"
C cmd "$US" PING; C cmd "$TS" PING
V0=$(C cmd "$US" VERSION); echo "VERSION (only .ndb/.hdb, no daily.*): $V0"
C cmd "$US" VERSIONCOMMANDS
C cmd "$US" FROBNICATE

say "INSTREAM on the defaults instance (StreamMaxLength 100M, MaxFileSize 100M, no AlertExceedsMax)"
C scan "$UD" files/{clean.txt,empty.bin,eicar.com,marker.txt,fixed.txt,eicar.zip,eicar.gz,eicar.tgz,eicar-in-zip.zip,fixed.zip,eicar-encrypted.zip,bomb.zip,zip64.zip,13M.bin}
say "the strict instance (StreamMaxLength 12M, MaxFileSize = MaxScanSize = 100M, AlertExceedsMax, AlertEncryptedArchive), over TCP"
C scan "$TS" files/{clean.txt,eicar.com,eicar-in-zip.zip,eicar-encrypted.zip,bomb.zip,zip64.zip,exactly-12M.bin,12M-plus-1.bin,13M.bin,40M.bin}
C scan "$US" files/40M.bin
echo "clamd's log lines for these:"; grep -E 'instream|size limit|ERROR' run/strict.log | sed 's/^/  /' | tail -12
echo "after the oversize stream: PING -> $(C cmd "$TS" PING)"

say "RELOAD: (1) plain .ndb change (2) first daily.cud v100 (3) daily.cud v101 with a new signature"
C scan "$US" files/later.txt
echo "Bolwerk.Test.Later:0:*:$(hex "$LATER")" >>db/bolwerk.ndb
echo "RELOAD -> $(C cmd "$US" RELOAD)"
sleep 1; echo "VERSION after reloading a changed .ndb: $(C cmd "$US" VERSION) (unchanged)"; C scan "$US" files/later.txt
sed -i '/Bolwerk.Test.Later/d' db/bolwerk.ndb
printf 'Bolwerk.Test.Placeholder:0:*:%s\n' "$(hex 'BOLWERK-PLACEHOLDER-NEVER-SEEN')" >daily.ndb
mkcud 100 db/daily.cud daily.ndb; sigtool --info=db/daily.cud | sed 's/^/  /'
echo "RELOAD -> $(C cmd "$US" RELOAD); VERSION: $(C wait-version "$US" "$V0")"
V1=$(C cmd "$US" VERSION)
C scan "$US" files/later.txt
echo "Bolwerk.Test.Later:0:*:$(hex "$LATER")" >>daily.ndb
mkcud 101 db/daily.cud daily.ndb
echo "RELOAD -> $(C cmd "$US" RELOAD); VERSION: $(C wait-version "$US" "$V1")"
C scan "$US" files/later.txt
echo "defaults instance (not reloaded) still: $(C cmd "$UD" VERSION)"
say "a broken daily.cud on RELOAD"
printf 'ClamAV-VDB:garbage' >db/daily.cud
echo "RELOAD -> $(C cmd "$US" RELOAD)"; sleep 1.5
echo "PING -> $(C cmd "$US" PING 2>&1 || true)  VERSION -> $(C cmd "$US" VERSION 2>&1 || true)"
grep -iE 'error|reload' run/strict.log | tail -5 | sed 's/^/  /'
mkcud 101 db/daily.cud daily.ndb

say "PDF active content: nothing by default; then logical signatures (.ldb) of our own"
C scan "$UD" files/pdf-{plain,escaped,objstm,clean}.pdf files/mentions-js.txt
# Target:10 = the PDF file itself; Container:CL_TYPE_PDF,Target:0 = streams ClamAV decoded out of a PDF
for tok in JavaScript OpenAction Launch EmbeddedFile; do
	echo "Bolwerk.PDF.$tok;Engine:51-255,Target:10;0;$(hex "/$tok")"
	echo "Bolwerk.PDF.$tok.InStream;Engine:51-255,Container:CL_TYPE_PDF,Target:0;0;$(hex "/$tok")"
done >db/bolwerk-pdf.ldb
echo "RELOAD defaults -> $(C cmd "$UD" RELOAD)"; C wait-version "$UD" "$V0"
C scan "$UD" files/pdf-{plain,escaped,objstm,clean}.pdf files/mentions-js.txt

say "throughput: INSTREAM (this client, Unix socket and TCP) vs clamdscan --stream (distinct random files: clamd caches clean hashes)"
cat >clamdscan.conf <<EOF
LocalSocket $UD
EOF
printf '%-6s %4s %12s %12s %14s %9s\n' size runs 'unix MB/s' 'tcp MB/s' 'clamdscan MB/s' 'ms/file'
for spec in 100K:102400:20 1M:1048576:10 10M:10485760:5; do
	IFS=: read -r name bytes runs <<<"$spec"
	for k in u t c; do
		mkdir -p "bench/$name-$k"
		for i in $(seq "$runs"); do head -c "$bytes" /dev/urandom >"bench/$name-$k/$i"; done
	done
	tu=$(C bench "$UD" bench/"$name"-u/*)
	tt=$(C bench "127.0.0.1:$PD" bench/"$name"-t/*)
	s=$(date +%s.%N)
	for f in bench/"$name"-c/*; do clamdscan --config-file=clamdscan.conf --stream --no-summary "$f" >/dev/null; done
	tc=$(echo "$(date +%s.%N) - $s" | bc)
	mb=$(echo "$bytes * $runs / 1048576" | bc -l)
	printf '%-6s %4d %12.0f %12.0f %14.0f %9.1f\n' "$name" "$runs" "$(echo "$mb / $tu" | bc -l)" \
		"$(echo "$mb / $tt" | bc -l)" "$(echo "$mb / $tc" | bc -l)" "$(echo "$tu * 1000 / $runs" | bc -l)"
done
echo "(ms/file = INSTREAM over the Unix socket, per file)"

say "clamd gone: what a client sees"
kill "$(cat run/defaults.child)"; wait "$(cat run/defaults.child)" || true
python3 - "$UD" "127.0.0.1:$PD" <<'EOF' || true
import socket, sys
for a in sys.argv[1:]:
    try:
        if a.startswith('/'): s = socket.socket(socket.AF_UNIX); s.connect(a)
        else: socket.create_connection(a.rsplit(':', 1), 2)
    except OSError as e: print('%-40s %s' % (a[-40:], e.__class__.__name__ + ': ' + e.strerror))
EOF
clamdscan --config-file=clamdscan.conf --stream --no-summary files/clean.txt 2>&1 | head -2 || true
say "done"
