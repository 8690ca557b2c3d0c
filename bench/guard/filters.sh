#!/usr/bin/env bash
# The guard's filters against Debian's fail2ban-regex, on the same generated logs, in the
# same run: lines per second and the ratio. Needs fail2ban (apt-get install fail2ban).
#
#     bench/guard/filters.sh [LINES]      (default 1000000)
set -euo pipefail
cd "$(dirname "$0")/../.."
lines="${1:-1000000}"
dir=$(mktemp -d /tmp/bw-filters.XXXX)
trap 'rm -rf "$dir"' EXIT
command -v fail2ban-regex >/dev/null || { echo "needs fail2ban-regex (apt-get install fail2ban)" >&2; exit 1; }
cargo build --release -p guard --example filter_speed -q
ours=target/release/examples/filter_speed
printf '%-8s %10s %14s %14s %8s\n' service lines "bolwerk l/s" "fail2ban l/s" ratio
for pair in dovecot:dovecot.conf "postfix:postfix.conf[mode=auth]" sshd:sshd.conf; do
    service=${pair%%:*}; f2b=${pair#*:}
    log="$dir/$service.log"
    python3 bench/guard/corpus.py --service "$service" --lines "$lines" --attack-share 0.05 "$log" 2>/dev/null
    ours_rate=$("$ours" "$service" "$log" | sed -E 's/.* ([0-9]+) lines\/s/\1/')
    start=$(date +%s.%N)
    fail2ban-regex "$log" "/etc/fail2ban/filter.d/$f2b" >/dev/null
    end=$(date +%s.%N)
    f2b_rate=$(python3 -c "print(round($lines / ($end - $start)))")
    ratio=$(python3 -c "print(f'{$ours_rate / $f2b_rate:.0f}x')")
    printf '%-8s %10s %14s %14s %8s\n' "$service" "$lines" "$ours_rate" "$f2b_rate" "$ratio"
done
