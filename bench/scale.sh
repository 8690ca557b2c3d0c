#!/usr/bin/env bash
# The defence engine under a churn of client addresses (issue 13, item 6): 10 k, 1 M and
# 10 M distinct clients (half IPv4, half IPv6 /64s), each through admit + inspect (and a 404
# for every tenth), one count per process so each has its own peak memory; once at 10,000 new
# clients a second and once with all of them inside the budgets' memory. Prints Markdown rows
# for BENCHMARKS.md. Then the criterion bench of one admission with 10 k, 1 M and 10 M seen.
#
#   bash bench/scale.sh            # both, about five minutes
#   SKIP_CRITERION=1 bash bench/scale.sh
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p shield --example scale
bin=target/release/examples/scale
first=1
for rate in 10000 100000000; do
    for n in 10000 1000000 10000000; do
        if [ $first = 1 ]; then RATE=$rate $bin $n; first=0; else RATE=$rate $bin $n | tail -n 1; fi
    done
done
if [ -z "${SKIP_CRITERION:-}" ]; then
    cargo bench -q -p shield --bench defense 2>&1 | grep -E "^defense admit|time:"
fi
