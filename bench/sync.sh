#!/usr/bin/env bash
# `sync` on a big portal: the requests of planning and applying (sync_bench, in-process), and the
# peak memory of `docspace-people sync plan` against a separate fake portal (release builds,
# loopback), measured with `/usr/bin/time -v` ("Maximum resident set size") of the tool alone.
#
#   bash bench/sync.sh                 # N = 100,000
#   NS="10000 100000" bash bench/sync.sh
#
# The desired state for the memory run is the portal's own `users list --format csv`, every
# active account as a row (so, as many rows as users): the plan then has nothing to change, and
# the tool holds the whole source and the whole portal at once, its worst case.
# Honours CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

NS="${NS:-100000}"
PORT="${PORT:-18095}"
source "$(dirname "$0")/lib.sh"
cargo build --release --quiet -p docspace-people-bench --bin sync_bench
OUT="${OUT:-$TARGET/bench-sync}"
mkdir -p "$OUT"

for n in $NS; do
    echo "== $n users: requests of plan and apply" >&2
    "$TARGET/release/sync_bench" --users "$n"

    echo "== $n users: peak memory of sync plan" >&2
    ids="$OUT/ids-$n.txt"
    start_fake "$n" "$ids" "$OUT/fake-$n.log"
    "$CLI" --portal "$URL" --api-key "$API_KEY" users list --status active --format csv \
        | python3 -c 'import csv, sys
rows = csv.DictReader(sys.stdin)
out = csv.writer(sys.stdout)
out.writerow(["email"])
for r in rows:
    if r["is_ldap"] != "true" and r["is_owner"] != "true":
        out.writerow([r["email"]])' >"$OUT/desired-$n.csv"
    rows=$(($(wc -l <"$OUT/desired-$n.csv") - 1))
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$OUT/time-$n.txt" "$CLI" --portal "$URL" --api-key "$API_KEY" \
        sync plan --desired "$OUT/desired-$n.csv" --out "$OUT/plan-$n.json" \
        >"$OUT/stdout-$n.txt" 2>"$OUT/stderr-$n.txt"
    code=$?
    set -e
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    stop_fake
    maxrss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$OUT/time-$n.txt")
    echo "MEMORY users=$n rows=$rows exit=$code wall_s=$wall peak_rss_mib=$(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }') $(head -1 "$OUT/stdout-$n.txt")"
    [[ "$code" == 0 ]] || { echo "sync plan failed: see $OUT/*-$n.*" >&2; exit 1; }
done
