#!/usr/bin/env bash
# Selecting the users nobody signed in as for 180 days on a big portal with a year of login
# history: requests and time of the library (inactive_bench, in-process, checked against the
# fake's own answer), and the peak memory of `docspace-people users list --inactive-for 180d`
# against a separate fake portal (release builds, loopback), measured with `/usr/bin/time -v`
# ("Maximum resident set size") of the tool alone.
#
#   bash bench/inactive.sh                # N = 100,000
#   NS="10000 100000" bash bench/inactive.sh
#
# Honours CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

NS="${NS:-100000}"
PORT="${PORT:-18096}"
source "$(dirname "$0")/lib.sh"
cargo build --release --quiet -p docspace-people-bench --bin inactive_bench
OUT="${OUT:-$TARGET/bench-inactive}"
mkdir -p "$OUT"

for n in $NS; do
    echo "== $n users: requests and time of the selection" >&2
    "$TARGET/release/inactive_bench" --users "$n"

    echo "== $n users: peak memory of users list --inactive-for 180d" >&2
    ids="$OUT/ids-$n.txt"
    start_fake "$n" "$ids" "$OUT/fake-$n.log"
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$OUT/time-$n.txt" "$CLI" --portal "$URL" --api-key "$API_KEY" \
        users list --inactive-for 180d --format jsonl >"$OUT/inactive-$n.jsonl" 2>"$OUT/stderr-$n.txt"
    code=$?
    set -e
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    stop_fake
    maxrss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$OUT/time-$n.txt")
    echo "MEMORY users=$n selected=$(wc -l <"$OUT/inactive-$n.jsonl") exit=$code wall_s=$wall peak_rss_mib=$(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }')"
    [[ "$code" == 0 ]] || { echo "users list failed: see $OUT/*-$n.*" >&2; exit 1; }
done
