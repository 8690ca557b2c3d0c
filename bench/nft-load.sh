#!/usr/bin/env bash
# Loads N random non-overlapping prefixes (default 1,000,000: 90 % IPv4 /24../32, 10 % IPv6
# /32../64) into the guard's nftables table through guard::nft::Firewall, then reloads them once
# (the generation swap), then syncs 10,000 bans with the blocklist in place. Prints wall time,
# nft's peak RSS (GNU time around each nft run) and the kernel's Slab growth.
# Everything happens in a network namespace this script makes and deletes; the host's own
# ruleset is never touched. Needs root, iproute2, nftables and GNU time (installed if missing).
#
# Usage: bench/nft-load.sh [N] [--text]     (--text: the same shards as `nft -f` text, to compare)
# The example is built in release into $CARGO_TARGET_DIR (default target/).
set -euo pipefail
cd "$(dirname "$0")/.."
command -v nft >/dev/null || { apt-get update -qq && apt-get install -y -qq nftables >/dev/null; }
[ -x /usr/bin/time ] || { apt-get update -qq && apt-get install -y -qq time >/dev/null; }
NS="bw-bench-$$"
ip netns add "$NS"
trap 'ip netns del "$NS" 2>/dev/null || true' EXIT
nice -n 19 cargo build --release -p guard --example nft_load -j1 -q
BIN="${CARGO_TARGET_DIR:-target}/release/examples/nft_load"
echo "nftables $(nft --version | awk '{print $2}'), kernel $(uname -r), $(nproc) cores"
"$BIN" "$NS" "$@"
