#!/usr/bin/env bash
# knot-lab.sh — prototype of the issue-15 DNS tests: ONE knotd (Debian, 3.2.x) in a
# network namespace of its own, serving a test root ".", a TLD "test." and customer
# zones, all signed with Knot's automatic DNSSEC; delv validates each zone from the
# test root's trust anchor; TSIG dynamic updates (knsupdate) are tried with the right
# and a wrong key.  Run as root: bash bench/dns/knot-lab.sh   (takes ~20 s)
# Nothing outside the namespace bw-dns-$$ and a mktemp dir is touched; both go on exit.
set -euo pipefail

if [[ "${1:-}" != inner ]]; then
	[[ $EUID -eq 0 ]] || { echo "run as root" >&2; exit 1; }
	NS=bw-dns-$$
	WORK=$(mktemp -d /tmp/knot-lab.XXXXXX)
	cleanup() {
		if [[ -f $WORK/knotd.pid ]]; then kill "$(cat "$WORK/knotd.pid")" 2>/dev/null || true; sleep 0.3; fi
		ip netns del "$NS" 2>/dev/null || true
		[[ -n "${KEEP:-}" ]] && echo "kept $WORK" || rm -rf "$WORK"
	}
	trap cleanup EXIT
	ip netns add "$NS"
	ip -n "$NS" link set lo up
	ip netns exec "$NS" bash "$0" inner "$WORK"
	exit $?
fi

# ---------------------------------------------------------------- inside the namespace
D=$2
A=127.0.0.1
T0=$(date +%s.%N)
since() { printf '%5.1fs' "$(echo "$(date +%s.%N) - $T0" | bc)"; }
say() { printf '\n[%s] === %s\n' "$(since)" "$*"; }
mkdir -p "$D/zones" "$D/db" "$D/run" "$D/tmp"
C=$D/knot.conf
KC=(knotc -c "$C" -s "$D/run/knot.sock")
KM=(keymgr -c "$C")

# TSIG keys: the one Knot knows, and a wrong one with the SAME name (different secret).
keymgr -t bolwerk-key hmac-sha256 >"$D/bolwerk.tsig"   # "key:\n  - id: ...\n    algorithm: ...\n    secret: ..."
SECRET=$(awk '/secret:/ {print $2}' "$D/bolwerk.tsig")
WRONG=$(keymgr -t bolwerk-key hmac-sha256 | awk '/secret:/ {print $2}')

cat >"$C" <<EOF
server:
    rundir: "$D/run"
    listen: $A@53
    pidfile: "$D/knotd.pid"
log:
  - target: "$D/knotd.log"
    any: info
database:
    storage: "$D/db"
$(cat "$D/bolwerk.tsig")
acl:
  - id: bolwerk-update
    key: bolwerk-key
    action: update
policy:
  - id: auto                       # KSK + ZSK, ECDSA P-256, NSEC, no rollovers
    algorithm: ecdsap256sha256
    ksk-size: 256
    zsk-size: 256
  - id: short                      # signatures valid 12 s after now (+ 90 min backdated inception)
    algorithm: ecdsap256sha256
    rrsig-lifetime: 12s
    rrsig-refresh: 2s              # must be >= propagation-delay + zone-max-ttl, else 'load' fails
    rrsig-pre-refresh: 0
    propagation-delay: 0
    dnskey-ttl: 1
    zone-max-ttl: 1
template:
  - id: default
    storage: "$D/zones"
    dnssec-signing: on
    dnssec-policy: auto
    zonefile-sync: -1              # never write the signed zone back over the operator's file
    zonefile-load: whole
    journal-content: none
    semantic-checks: off
zone:
  - domain: .
    file: root.zone
  - domain: test.
    file: test.zone
  - domain: good.test.
    file: good.test.zone
    acl: bolwerk-update
  - domain: nods.test.
    file: nods.test.zone
  - domain: wrongds.test.
    file: wrongds.test.zone
  - domain: expired.test.
    file: expired.test.zone
    dnssec-policy: short
  - domain: unsigned.test.
    file: unsigned.test.zone
    dnssec-signing: off
EOF

soa() { echo "\$TTL 60
@ SOA ns.test. hostmaster.test. $1 60 60 3600 60"; }
for z in good nods wrongds expired unsigned; do
	{ soa 1; echo "@ NS ns.test.
@ A 192.0.2.10
www A 192.0.2.10
operator TXT \"added by the operator by hand\""; } >"$D/zones/$z.test.zone"
done
write_test() { # $1 = serial, $2.. = DS lines to include
	local s=$1; shift
	{ soa "$s"; echo "@ NS ns.test.
ns A $A"; for z in good nods wrongds expired unsigned; do echo "$z NS ns.test."; done
	  printf '%s\n' "$@"; } >"$D/zones/test.zone"
}
write_root() {
	local s=$1; shift
	{ soa "$s"; echo "@ NS ns.test.
test. NS ns.test.
ns.test. A $A"; printf '%s\n' "$@"; } >"$D/zones/root.zone"
}
write_test 1
write_root 1

say "starting knotd $(knotd --version | awk '{print $NF}') in netns $(ip netns identify $$ 2>/dev/null || echo '?')"
knotd -c "$C" -d
for _ in $(seq 50); do "${KC[@]}" status >/dev/null 2>&1 && break; sleep 0.1; done
wait_signed() { # zone: wait until DNSKEY is served with an RRSIG
	for _ in $(seq 100); do
		kdig @$A +dnssec +norec "$1" DNSKEY 2>/dev/null | grep -q 'RRSIG.*DNSKEY' && return 0; sleep 0.1
	done; echo "!! $1 not signed"; return 1
}
for z in good.test nods.test wrongds.test expired.test test .; do wait_signed "$z"; done
say "all signed zones serve signed DNSKEYs"

# DS records: keymgr <zone> ds prints the DS of the KSK(s) (SHA-256 and SHA-384).
ds() { "${KM[@]}" "$1" ds | awk '$5 == 2'; }   # "good.test. DS 2480 13 2 <hex>": SHA-256 only
DS_GOOD=$(ds good.test.); DS_EXP=$(ds expired.test.); DS_TEST=$(ds test.)
# wrongds.test.: a DS for a KSK that exists nowhere in the zone
( cd "$D/tmp" && dnssec-keygen -q -a ECDSAP256SHA256 -f KSK wrongds.test >/dev/null )
DS_WRONG=$(dnssec-dsfromkey -2 "$D"/tmp/Kwrongds.test.*.key)
echo "$DS_GOOD"; echo "$DS_EXP"; echo "$DS_WRONG   (key not in the zone)"; echo "$DS_TEST"
write_test 2 "$DS_GOOD" "$DS_EXP" "$DS_WRONG"
write_root 2 "$DS_TEST"
"${KC[@]}" zone-reload test. >/dev/null; "${KC[@]}" zone-reload . >/dev/null
for _ in $(seq 100); do
	kdig @$A +short good.test DS | grep -q . && kdig @$A +short test DS | grep -q . && break; sleep 0.1
done
# Trust anchor for the validator: the KSK of "." as a delv/BIND trust-anchors block.
KSK_ROOT=$(kdig @$A +short . DNSKEY | awk '$1 == 257')
printf 'trust-anchors {\n  . static-key %s %s %s "%s";\n};\n' \
	$(echo "$KSK_ROOT" | awk '{k=""; for(i=4;i<=NF;i++) k=k $i; print $1, $2, $3, k}') >"$D/anchor.conf"
say "trust anchor (from kdig . DNSKEY, flags 257):"; cat "$D/anchor.conf"

# expired.test.: stop Knot's re-signing (zone-freeze queues every event, the
# DNSSEC refresh included) and let the 10 s signatures run out.
"${KC[@]}" zone-freeze expired.test. >/dev/null
EXP_AT=$(kdig @$A +dnssec +norec expired.test A | awk '$4 == "RRSIG" {print $9; exit}')
say "expired.test. frozen; its A RRSIG expires $EXP_AT (UTC), now $(date -u +%Y%m%d%H%M%S)"

verdict() { # $1 = name; prints delv's verdict line(s)
	local out; out=$(delv @$A -a "$D/anchor.conf" +root=. "$1" A +nottl +nocrypto 2>&1 || true)
	printf '%-22s ' "$1"
	echo "$out" | grep -E '^;|resolution failed|validation' | tr '\n' ' ' | sed 's/  */ /g'; echo
}
say "delv verdicts (before expiry)"
for n in www.good.test www.nods.test www.wrongds.test www.expired.test www.unsigned.test; do verdict $n; done

say "TSIG dynamic update on good.test. (knsupdate -y hmac-sha256:bolwerk-key:…)"
upd() { # $1 = secret, rest = update lines
	local s=$1; shift
	{ echo "server $A 53"; echo "zone good.test."; printf '%s\n' "$@"; echo send; echo answer; } |
		knsupdate -y "hmac-sha256:${KEYNAME:-bolwerk-key}:$s" 2>&1 || echo "  (knsupdate exit $?)"
}
show() { local r; r=$(kdig @$A +norec +noall +answer "$@" | grep -v RRSIG || true); echo "${r:-(no $* record)}" | sed 's/^/    /'; }
upd "$SECRET" "update add _bolwerk.good.test. 60 TXT \"v=1 first\"" "update add web.good.test. 60 A 192.0.2.20" | sed 's/^/  /'
show _bolwerk.good.test TXT; show web.good.test A
upd "$SECRET" "update delete _bolwerk.good.test. TXT" "update add _bolwerk.good.test. 60 TXT \"v=1 second\"" \
	"update delete web.good.test. A" "update add web.good.test. 60 A 192.0.2.21" | sed 's/^/  /'
show _bolwerk.good.test TXT; show web.good.test A
say "delv right after the update (is the new record signed at once?)"
verdict web.good.test
delv @$A -a "$D/anchor.conf" +root=. _bolwerk.good.test TXT +nottl +nocrypto 2>&1 | sed 's/^/    /'
upd "$SECRET" "update delete _bolwerk.good.test. TXT" "update delete web.good.test. A" | sed 's/^/  /'
echo "  after delete:"; show _bolwerk.good.test TXT; show web.good.test A
echo "  operator's record still there:"; show operator.good.test TXT

say "update with a WRONG secret for the same key name"
upd "$WRONG" "update add evil.good.test. 60 A 203.0.113.66" | sed 's/^/  /'
show evil.good.test A
say "update with an unknown key name (right secret, name other-key)"
KEYNAME=other-key upd "$SECRET" "update add evil.good.test. 60 A 203.0.113.66" | sed 's/^/  /'
say "update of a zone without an update ACL (nods.test.) with the right key"
{ echo "server $A 53"; echo "zone nods.test."; echo "update add x.nods.test. 60 A 192.0.2.9"; echo send; } |
	{ knsupdate -y "hmac-sha256:bolwerk-key:$SECRET" 2>&1 || echo "(knsupdate exit $?)"; } | sed 's/^/  /'
say "unsigned update (no TSIG)"
{ echo "server $A 53"; echo "zone good.test."; echo "update add x.good.test. 60 A 192.0.2.9"; echo send; } |
	{ knsupdate 2>&1 || echo "(knsupdate exit $?)"; } | sed 's/^/  /'
say "kdig with the wrong TSIG (a query)"
{ kdig @$A -y "hmac-sha256:bolwerk-key:$WRONG" good.test SOA 2>&1 || true; } | grep -E 'status|ERROR|WARNING' | sed 's/^/  /'

now=$(date -u +%Y%m%d%H%M%S)
if [[ $now < $EXP_AT ]]; then
	wait_s=$(( $(date -u -d "${EXP_AT:0:8} ${EXP_AT:8:2}:${EXP_AT:10:2}:${EXP_AT:12:2}" +%s) - $(date +%s) + 1 ))
	say "waiting ${wait_s}s for expired.test.'s signatures to run out"; sleep "$wait_s"
fi
say "delv verdicts (after expiry)"
for n in www.good.test www.nods.test www.wrongds.test www.expired.test www.unsigned.test; do verdict $n; done
say "zone-thaw expired.test.: Knot re-signs at once"
"${KC[@]}" zone-thaw expired.test. >/dev/null
for _ in $(seq 50); do
	verdict www.expired.test | grep -q 'fully validated' && break; sleep 0.2
done
verdict www.expired.test
say "knotd log (warnings/errors)"
{ grep -Ei 'warning|error|refused|denied|TSIG|DDNS|freeze|thaw' "$D/knotd.log" || echo "(none)"; } | sed 's/^/  /' | tail -20
"${KC[@]}" stop >/dev/null
say "done"
