#!/usr/bin/env bash
# Bulk throughput: terminate N users on the fake portal (a separate process, release build, over
# loopback) with the wrapper's bulk engine, a raw reqwest loop, and ONLYOFFICE's Python SDK.
#
#   bash bench/bulk.sh                       # N = 10,000 and 100,000; raw and wrapper; SDK at 10,000
#   NS="10000" MODES="raw wrapper" SDK_NS="10000 100000" bash bench/bulk.sh
#   SDK_NS="" bash bench/bulk.sh             # skip the Python SDK
#   REPEAT=5 bash bench/bulk.sh              # runs per (N, mode), modes alternating (default 3)
#   PIN=1 bash bench/bulk.sh                 # portal on core 0, client on core 1
#
# Each run gets a freshly started fake (`--users N`), so every run terminates N active users.
# The client's wall time, requests/s and peak memory come from the binary's RESULT line and from
# `/usr/bin/time -v` ("Maximum resident set size"); the target ids are listed through
# `people/filter` first, outside the timed part. Chunk size 100 and concurrency 4 for both Rust
# modes (CHUNK, CONCURRENCY to change); the SDK runs sequentially (SDK_CONCURRENCY, default 1).
# Honours CARGO_TARGET_DIR (default: the workspace's target/).
set -euo pipefail

cd "$(dirname "$0")/.."
ROOT=$PWD
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
NS="${NS:-10000 100000}"
MODES="${MODES:-raw wrapper}"
SDK_NS="${SDK_NS-10000}"
SDK_CONCURRENCY="${SDK_CONCURRENCY:-1}"
CHUNK="${CHUNK:-100}"
CONCURRENCY="${CONCURRENCY:-4}"
REPEAT="${REPEAT:-3}" # runs per (N, mode), alternating the modes; the SDK runs once per N
# PIN=1: the fake on core 0 and the client on core 1 (taskset), so that the client's CPU time does
# not compete with the portal's, as when the portal is another machine.
PIN_FAKE=(); PIN_CLIENT=()
if [[ -n "${PIN:-}" ]]; then PIN_FAKE=(taskset -c 0); PIN_CLIENT=(taskset -c 1); fi
PORT="${PORT:-18092}"
URL="http://127.0.0.1:$PORT"
API_KEY="sk-fake-owner-5d41402abc4b2a76b9719d911017c592" # the fake's seeded owner key (seed.rs)
OUT="${OUT:-$TARGET/bench-bulk}"
mkdir -p "$OUT"

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (Debian package 'time')" >&2
    apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
fi

echo "== building (release)" >&2
cargo build --release --quiet -p docspace-people-fake --bin docspace-people-fake
cargo build --release --quiet -p docspace-people-bench --bin bulk_bench
FAKE="$TARGET/release/docspace-people-fake"
BENCH="$TARGET/release/bulk_bench"

FAKE_PID=""
stop_fake() {
    if [[ -n "$FAKE_PID" ]]; then
        kill "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
        FAKE_PID=""
    fi
}
trap stop_fake EXIT

start_fake() { # N
    stop_fake
    "${PIN_FAKE[@]}" "$FAKE" --port "$PORT" --users "$1" >"$OUT/fake-$1.log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 600); do
        if grep -q "users seeded" "$OUT/fake-$1.log" 2>/dev/null; then return 0; fi
        if ! kill -0 "$FAKE_PID" 2>/dev/null; then cat "$OUT/fake-$1.log" >&2; return 1; fi
        sleep 0.1
    done
    echo "the fake portal did not start" >&2
    return 1
}

ROWS=()
row() { # mode N RESULT-line time-v-file
    local mode=$1 n=$2 result=$3 timefile=$4
    field() { sed -n "s/.* $1=\([^ ]*\).*/\1/p" <<<"$result"; }
    local maxrss
    maxrss=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$timefile" 2>/dev/null || true)
    [[ -n "$maxrss" ]] || maxrss=$(field peak_rss_kib)
    local cpu
    cpu=$(field cpu_s)
    ROWS+=("| $mode | $n | $(field requests) | $(field wall_s) | $(field req_per_s) | $(field users_per_s) | $(awk -v k="$maxrss" 'BEGIN { printf "%.1f", k / 1024 }') | $cpu | $(field changed) / $(field other) / $(field failed) |")
}

for n in $NS; do
    for rep in $(seq "$REPEAT"); do
        for mode in $MODES; do
            echo "== $mode, N=$n, run $rep/$REPEAT" >&2
            start_fake "$n"
            "${PIN_CLIENT[@]}" /usr/bin/time -v -o "$OUT/time-$mode-$n-$rep.txt" \
                "$BENCH" --portal "$URL" --api-key "$API_KEY" --users "$n" --mode "$mode" \
                --chunk-size "$CHUNK" --concurrency "$CONCURRENCY" | tee "$OUT/result-$mode-$n-$rep.txt"
            stop_fake
            row "$mode" "$n" "$(grep '^RESULT' "$OUT/result-$mode-$n-$rep.txt")" "$OUT/time-$mode-$n-$rep.txt"
        done
    done
done

if [[ -n "$SDK_NS" ]]; then
    VENV="${VENV:-$ROOT/target/bench-venv}"
    SDK_PIN="docspace-api-sdk==3.7.0"
    if [[ -f "$ROOT/conformance/requirements.txt" ]] && grep -qi '^docspace-api-sdk' "$ROOT/conformance/requirements.txt"; then
        SDK_PIN=$(grep -i '^docspace-api-sdk' "$ROOT/conformance/requirements.txt" | head -1)
    fi
    if [[ ! -x "$VENV/bin/python" ]]; then
        python3 -m venv "$VENV"
    fi
    "$VENV/bin/pip" install --quiet "$SDK_PIN"
    for n in $SDK_NS; do
        echo "== python-sdk ($SDK_PIN), N=$n" >&2
        start_fake "$n"
        "${PIN_CLIENT[@]}" /usr/bin/time -v -o "$OUT/time-python-sdk-$n.txt" \
            "$VENV/bin/python" bench/python_sdk_bulk.py --portal "$URL" --api-key "$API_KEY" \
            --users "$n" --chunk-size "$CHUNK" --concurrency "$SDK_CONCURRENCY" | tee "$OUT/result-python-sdk-$n.txt"
        stop_fake
        row "python-sdk (concurrency $SDK_CONCURRENCY)" "$n" "$(grep '^RESULT' "$OUT/result-python-sdk-$n.txt")" "$OUT/time-python-sdk-$n.txt"
    done
fi

echo
echo "chunk $CHUNK, concurrency $CONCURRENCY (Rust); fake portal release build, separate process, loopback; $(nproc) cores${PIN:+; portal pinned to core 0, client to core 1}"
echo
echo "client CPU s = user + system CPU time of the client during the timed part (from /proc/self/stat or time.process_time)"
echo
echo "| client | N | requests | wall s | requests/s | users/s | client peak RSS MiB | client CPU s | changed / other / failed |"
echo "|---|---|---|---|---|---|---|---|---|"
printf '%s\n' "${ROWS[@]}"

# The wrapper against the raw loop, per N: medians of users per second (every request the run
# needs counted), the median of each run's ratio to the raw run beside it, and requests per user.
echo
python3 - "$OUT" "$REPEAT" $NS <<'PY'
import re, statistics, sys
out, repeat, ns = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
def result(mode, n, rep):
    try:
        text = open(f"{out}/result-{mode}-{n}-{rep}.txt").read()
    except OSError:
        return None
    m = re.search(r"requests=(\d+).*users_per_s=(\d+)", text)
    return (int(m.group(1)), int(m.group(2))) if m else None
print("| N | raw users/s (median) | wrapper users/s (median) | ratio of medians | median of pairwise ratios (range) | requests per user raw / wrapper |")
print("|---|---|---|---|---|---|")
for n in ns:
    pairs = [(result("raw", n, r), result("wrapper", n, r)) for r in range(1, repeat + 1)]
    pairs = [(a, b) for a, b in pairs if a and b]
    if not pairs:
        continue
    raw = statistics.median(a[1] for a, _ in pairs)
    wrapper = statistics.median(b[1] for _, b in pairs)
    ratios = [b[1] / a[1] for a, b in pairs]
    print(f"| {int(n):,} | {raw:,.0f} | {wrapper:,.0f} | {wrapper / raw:.2f}x | "
          f"{statistics.median(ratios):.2f}x ({min(ratios):.2f}-{max(ratios):.2f}) | "
          f"{pairs[0][0][0] / int(n):.4f} / {pairs[0][1][0] / int(n):.4f} |")
PY
