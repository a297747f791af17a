#!/usr/bin/env bash
# Build-time figures: `cargo xtask regen` (warm) and the clean build of the wrapper crate.
#
#   bash bench/build_times.sh            # everything (the from-scratch builds take minutes)
#   RUNS=10 bash bench/build_times.sh    # more regen runs
#   SKIP_SCRATCH=1 bash bench/build_times.sh
#
# Honours CARGO_TARGET_DIR (default: the workspace's target/). The from-scratch builds use fresh
# temporary target directories, removed afterwards, so nothing in the normal one is disturbed.
# Uses hyperfine for regen when installed (apt-get install hyperfine), else a timed loop.
# Prints a Markdown table at the end.
set -euo pipefail

cd "$(dirname "$0")/.."
RUNS="${RUNS:-5}"
TARGET="${CARGO_TARGET_DIR:-$PWD/target}"
export CARGO_TARGET_DIR="$TARGET"
RESULTS=()

now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.1f", b - a }'; }

echo "== toolchain: $(rustc --version); $(nproc) cores; target dir $TARGET"

# 1. cargo xtask regen, warm: the xtask binary is built first, then each run regenerates the
#    code from the spec (progenitor + prettyplease) and compares it with the checked-in file.
cargo build --quiet -p xtask
cargo xtask regen >/dev/null
if command -v hyperfine >/dev/null; then
    hyperfine --warmup 1 --runs "$RUNS" --export-json /tmp/regen-hyperfine.json 'cargo xtask regen'
    regen=$(python3 -c 'import json; r = json.load(open("/tmp/regen-hyperfine.json"))["results"][0]; print("%.2f s mean ± %.2f (min %.2f, %d runs, hyperfine)" % (r["mean"], r["stddev"], r["min"], len(r["times"])))')
else
    times=()
    for _ in $(seq "$RUNS"); do
        t0=$(now); cargo xtask regen >/dev/null; t1=$(now)
        times+=("$(awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.3f", b - a }')")
    done
    regen=$(printf '%s\n' "${times[@]}" | sort -n | awk '{ a[NR] = $1; s += $1 } END { printf "%.2f s mean (min %.2f, median %.2f, %d runs)", s / NR, a[1], a[int((NR + 1) / 2)], NR }')
fi
RESULTS+=("| \`cargo xtask regen\` (warm) | $regen |")

# 2. The wrapper crate alone, its dependencies already built (cargo clean -p removes only the
#    crate's own artifacts).
for profile in release debug; do
    flag=(); [[ $profile == release ]] && flag=(--release)
    cargo build --quiet "${flag[@]}" -p docspace-people
    cargo clean --quiet "${flag[@]}" -p docspace-people
    t0=$(now); cargo build --quiet "${flag[@]}" -p docspace-people; t1=$(now)
    RESULTS+=("| docspace-people alone, deps cached, $profile | $(secs "$t0" "$t1") s |")
done

# 3. From scratch: the crate with all its dependencies (docspace-people-gen, reqwest, rustls with
#    aws-lc-rs, tokio, chrono, serde, ...), in a new target directory each time.
if [[ -z "${SKIP_SCRATCH:-}" ]]; then
    cargo fetch --quiet
    for profile in release debug; do
        flag=(); [[ $profile == release ]] && flag=(--release)
        scratch=$(mktemp -d "${TMPDIR:-/tmp}/docspace-build-XXXXXX")
        t0=$(now); CARGO_TARGET_DIR="$scratch" cargo build --quiet "${flag[@]}" -p docspace-people; t1=$(now)
        rm -rf "$scratch"
        RESULTS+=("| docspace-people from scratch (all deps), $profile | $(secs "$t0" "$t1") s |")
    done
fi

echo
echo "| build | time |"
echo "|---|---|"
printf '%s\n' "${RESULTS[@]}"
