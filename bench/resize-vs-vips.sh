#!/usr/bin/env bash
# Resized copies of one photo: Bolwerk's `variants::make` (criterion, crates/variants/benches/
# resize.rs) vs libvips' `vipsthumbnail` making the same files from the same bytes, in one run
# (issue 17).
#
# The bench makes the two photos (a 4000×3000 JPEG and a 2000×1500 PNG) and writes them out;
# then vipsthumbnail makes, for each, what Bolwerk makes: 480, 960 and 1920 wide, JPEG at
# quality 80 (PNG for the PNG) and lossless WebP, metadata stripped. That is six vipsthumbnail
# runs per photo (one file each, as the tool works; the three in the upload's format and the
# three WebP are timed apart), so the photo is decoded six times, with
# libvips' shrink-on-load (a JPEG is decoded at 1/2, 1/4 or 1/8 of its size when the copy is
# that much smaller); the start of a process is measured alone (`vips --version`) and reported
# as a baseline. Both run on core 1 (taskset), libvips with VIPS_CONCURRENCY=1, as Bolwerk's
# copies are made on one thread.
#
# Usage: bench/resize-vs-vips.sh [repetitions=5]
# Needs: libvips-tools (Debian; installed if missing), python3, cargo.
set -euo pipefail
cd "$(dirname "$0")/.."
REPS=${1:-5}
TARGET=${CARGO_TARGET_DIR:-target}

for cmd in vipsthumbnail taskset python3; do
    command -v "$cmd" >/dev/null || { apt-get update -qq && apt-get install -y -qq --no-install-recommends libvips-tools util-linux python3 >/dev/null; break; }
done

RUN=$(mktemp -d /tmp/bolwerk-resize.XXXXXX)
trap 'rm -rf "$RUN"' EXIT

echo "== Bolwerk: cargo bench -p variants --bench resize (core 1)"
VARIANTS_BENCH_DIR=$RUN taskset -c 1 cargo bench -q -p variants --bench resize -- \
    --warm-up-time 1 --measurement-time 5 2>&1 | grep -Ev '^(Benchmarking|Gnuplot|WARNING|$)|Warming|Collecting|Analyzing' || true
criterion() { # "group/id" -> median in ms
    python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["median"]["point_estimate"] / 1e6)' \
        "$TARGET/criterion/$1/new/estimates.json"
}

export VIPS_CONCURRENCY=1
now_ns() { date +%s%N; }
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
: > "$RUN/start.txt"
for _ in $(seq 1 "$REPS"); do
    t0=$(now_ns); taskset -c 1 vips --version >/dev/null; t1=$(now_ns)
    echo "$(( (t1 - t0) / 1000 ))" >> "$RUN/start.txt"
done
START_MS=$(median < "$RUN/start.txt" | awk '{printf "%.1f", $1 / 1000}')
echo "== libvips $(vips --version): one process start (vips --version) median $START_MS ms"

for photo in jpeg:photo.jpg:"jpeg 4000x3000" png:photo.png:"png 2000x1500"; do
    IFS=: read -r kind file id <<< "$photo"
    own=$([ "$kind" = jpeg ] && echo "jpg[Q=80,strip]" || echo "png[strip]")
    mkdir -p "$RUN/out"
    : > "$RUN/own.txt"; : > "$RUN/webp.txt"
    for _ in $(seq 1 "$REPS"); do
        t0=$(now_ns)
        for w in 480 960 1920; do
            taskset -c 1 vipsthumbnail "$RUN/$file" --size "${w}x" -o "$RUN/out/$kind-$w.$own"
        done
        t1=$(now_ns)
        for w in 480 960 1920; do
            taskset -c 1 vipsthumbnail "$RUN/$file" --size "${w}x" -o "$RUN/out/$kind-$w.webp[lossless,strip]"
        done
        t2=$(now_ns)
        echo "$(( (t1 - t0) / 1000 ))" >> "$RUN/own.txt"
        echo "$(( (t2 - t1) / 1000 ))" >> "$RUN/webp.txt"
    done
    O=$(median < "$RUN/own.txt" | awk '{printf "%.1f", $1 / 1000}')
    W=$(median < "$RUN/webp.txt" | awk '{printf "%.1f", $1 / 1000}')
    B=$(criterion "all copies/$id")
    sizes=$(cd "$RUN/out" && for f in "$kind"-*; do printf '%s %s B, ' "$f" "$(stat -c %s "$f")"; done)
    echo "vipsthumbnail $id: ${sizes%, }"
    awk -v id="$id" -v k="$kind" -v b="$B" -v o="$O" -v w="$W" -v s="$START_MS" 'BEGIN {
        printf "%s: bolwerk (all copies) %.0f ms; vipsthumbnail %s copies %.0f ms (%.0f without 3 process starts), lossless WebP copies %.0f ms (%.0f)\n",
            id, b, k, o, o - 3 * s, w, w - 3 * s
        printf "%s: ratio bolwerk / vips: %.2f against its %s copies alone (%.2f without the starts), %.2f against %s + WebP (%.2f)\n",
            id, b / o, k, b / (o - 3 * s), b / (o + w), k, b / (o + w - 6 * s) }'
    rm -rf "$RUN/out"
done
