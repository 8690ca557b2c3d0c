#!/usr/bin/env bash
# Coverage-guided fuzzing (libFuzzer through cargo-fuzz) of the parsers that meet outside
# input. Each target runs for the given seconds, starting from the seed corpus in
# fuzz/seeds/<target> (committed) and the growing corpus in fuzz/corpus/<target> (not
# committed). A crash leaves its input in fuzz/artifacts/<target>/ and makes this script fail.
#
# Usage: bench/fuzz.sh [seconds per target=300] [target...]
# Needs: cargo-fuzz (installed if missing). The toolchain here is stable; cargo-fuzz needs
# nightly features, so RUSTC_BOOTSTRAP=1 is set for its builds only. No sanitizer: the code is
# safe Rust, and what is looked for is panics, overflows (debug assertions on) and hangs.
set -euo pipefail
cd "$(dirname "$0")/../fuzz"
SECS=${1:-300}
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(inspect blocklist)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked
export RUSTC_BOOTSTRAP=1
for t in "${TARGETS[@]}"; do
    mkdir -p "corpus/$t" "seeds/$t"
    echo "==> $t for ${SECS}s"
    cargo fuzz run --sanitizer none --debug-assertions "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$SECS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 2>&1 |
        grep -E '^(#[0-9]+.*(DONE|pulse)|stat::|==|INFO: (Loaded|seed))|SUMMARY|panicked|Test unit written' || true
    if ls "artifacts/$t"/* >/dev/null 2>&1; then
        echo "!! $t: crash inputs in fuzz/artifacts/$t" >&2
        exit 1
    fi
done
