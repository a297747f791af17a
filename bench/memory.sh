#!/usr/bin/env bash
# Peak memory of the command-line tool on a big run: `status set terminated` for every generated
# user of a fake portal (a separate process, release build, over loopback), with a journal and
# a CSV report, measured with `/usr/bin/time -v` ("Maximum resident set size") of the tool alone.
#
#   bash bench/memory.sh                  # N = 100,000 and 1,000,000
#   NS="100000" bash bench/memory.sh
#
# Each N gets a freshly started fake (`--users N --ids-file`), whose generated ids are the
# input file (one per line). The run's report and journal are then checked: one report row and
# one journal outcome per user, each `changed` or `already_in_target` (the fake seeds about 5% of
# its generated users terminated), and exit code 0.
# Honours CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

NS="${NS:-100000 1000000}"
PORT="${PORT:-18094}"
source "$(dirname "$0")/lib.sh"
OUT="${OUT:-$TARGET/bench-memory}"
mkdir -p "$OUT"

ROWS=()
for n in $NS; do
    ids="$OUT/ids-$n.txt"
    rm -f "$ids" "$OUT/journal-$n.jsonl" "$OUT/report-$n.csv"
    start_fake "$n" "$ids" "$OUT/fake-$n.log"
    echo "== $n users: status set terminated" >&2
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$OUT/time-$n.txt" "$CLI" --portal "$URL" --api-key "$API_KEY" \
        status set terminated --from "$ids" --journal "$OUT/journal-$n.jsonl" \
        --report "$OUT/report-$n.csv" --yes >"$OUT/stdout-$n.txt" 2>"$OUT/stderr-$n.txt"
    code=$?
    set -e
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    stop_fake
    maxrss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$OUT/time-$n.txt")
    rows=$(($(wc -l <"$OUT/report-$n.csv") - 1))
    changed=$(grep -c ',changed,' "$OUT/report-$n.csv" || true)
    already=$(grep -c ',already_in_target,' "$OUT/report-$n.csv" || true)
    journaled=$(grep -c '"kind":"user"' "$OUT/journal-$n.jsonl" || true)
    summary=$(head -1 "$OUT/stdout-$n.txt")
    ROWS+=("| $n | $(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }') | $wall s | $code | $rows | $changed | $already | $journaled | $summary |")
    if [[ "$code" != 0 || "$rows" != "$n" || $((changed + already)) != "$n" || "$journaled" != "$n" ]]; then
        echo "the run of $n users did not change every user: see $OUT/*-$n.*" >&2
        exit 1
    fi
done

echo
echo "| users | peak RSS MiB | wall | exit | report rows | changed | already | journal outcomes | summary |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
