#!/usr/bin/env bash
# Peak memory of every command of the tool on a big portal (issue "Fewest requests and flat
# memory"): the tool alone, measured with `/usr/bin/time -v` ("Maximum resident set size"),
# against a separate fake portal (release builds, loopback).
#
#   bash bench/commands.sh                # N = 100,000
#   NS="100000 1000000" bash bench/commands.sh
#   ONLY="e-mail dry-run" bash bench/commands.sh   # some of them (report, resume and undo need run)
#
# For each N, on a fresh fake with N generated users (every generated id is a target):
#   dry-run  `status set terminated --from IDS --dry-run --report CSV`
#   run      `status set terminated --from IDS --journal J --report CSV --yes`
#   report   `report J`
#   resume   `resume J --yes` (nothing left to send: it reads the journal and the users)
#   undo     `undo J --yes` (gives back every status the run changed)
#   e-mail   `status set terminated --from EMAILS.csv --dry-run` with every active generated
#            user's address (the file from `users list --format csv`)
# Each command must exit 0 (1 for the e-mail dry run's refusals is not expected either).
# Honours CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

NS="${NS:-100000}"
PORT="${PORT:-18096}"
source "$(dirname "$0")/lib.sh"
OUT="${OUT:-$TARGET/bench-commands}"
mkdir -p "$OUT"

ROWS=()
measure() { # N NAME ARGS...
    local n=$1 name=$2
    shift 2
    if [[ -n "${ONLY:-}" && " $ONLY " != *" $name "* ]]; then return 0; fi
    local start code
    start=$(date +%s.%N)
    set +e
    /usr/bin/time -v -o "$OUT/time-$name-$n.txt" "$CLI" --portal "$URL" --api-key "$API_KEY" "$@" \
        >"$OUT/stdout-$name-$n.txt" 2>"$OUT/stderr-$name-$n.txt"
    code=$?
    set -e
    local wall
    wall=$(awk -v s="$start" -v e="$(date +%s.%N)" 'BEGIN { printf "%.1f", e - s }')
    echo "MEMORY command=$name users=$n exit=$code wall_s=$wall peak_rss_mib=$(peak_mib "$OUT/time-$name-$n.txt")" >&2
    ROWS+=("| $name | $n | $(peak_mib "$OUT/time-$name-$n.txt") | $wall s | $code |")
    if [[ "$code" != 0 ]]; then
        echo "$name failed: see $OUT/*-$name-$n.txt" >&2
        tail -5 "$OUT/stderr-$name-$n.txt" >&2
        exit 1
    fi
}

for n in $NS; do
    ids="$OUT/ids-$n.txt"
    journal="$OUT/journal-$n.jsonl"
    rm -f "$journal" "$OUT"/report-*-"$n".csv
    start_fake "$n" "$ids" "$OUT/fake-$n.log"
    "$CLI" --portal "$URL" --api-key "$API_KEY" users list --status active --format csv \
        | python3 -c 'import csv, sys
out = csv.writer(sys.stdout)
out.writerow(["email"])
for r in csv.DictReader(sys.stdin):
    if r["email"].endswith("@scale.example"):
        out.writerow([r["email"]])' >"$OUT/emails-$n.csv"
    measure "$n" dry-run status set terminated --from "$ids" --dry-run \
        --report "$OUT/report-dry-$n.csv"
    measure "$n" e-mail status set terminated --from "$OUT/emails-$n.csv" --dry-run \
        --report "$OUT/report-email-$n.csv"
    measure "$n" run status set terminated --from "$ids" --journal "$journal" \
        --report "$OUT/report-run-$n.csv" --yes
    measure "$n" report report "$journal"
    measure "$n" resume resume "$journal" --yes
    measure "$n" undo undo "$journal" --yes
    stop_fake
done

echo
echo "| command | users | peak RSS MiB | wall | exit |"
echo "|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"
