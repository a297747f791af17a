#!/usr/bin/env bash
# The cold build and the test run of the whole workspace, as a newcomer meets them:
# `cargo build --workspace --all-targets` in a fresh target directory, then `cargo test
# --workspace` (the README's test command) on that build.
#
#   bash bench/test_times.sh
#
# The target directory is a new temporary one, removed afterwards; nothing else is disturbed.
set -euo pipefail
cd "$(dirname "$0")/.."
target="$(mktemp -d)"
trap 'rm -rf "$target"' EXIT
export CARGO_TARGET_DIR="$target"
now() { date +%s.%N; }
secs() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.0f", b - a }'; }
echo "== $(rustc --version); $(nproc) cores; commit $(git rev-parse --short HEAD)"
start=$(now)
cargo build --locked --quiet --workspace --all-targets
built=$(now)
cargo test --locked --quiet --workspace > "$target/test.log" 2>&1 || { cat "$target/test.log"; exit 1; }
tested=$(now)
tests=$(grep -Eo '[0-9]+ passed' "$target/test.log" | awk '{ n += $1 } END { print n }')
echo "| cold build (--all-targets) | test run | tests passed |"
echo "|---|---|---|"
echo "| $(secs "$start" "$built") s | $(secs "$built" "$tested") s | $tests |"
