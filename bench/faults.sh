#!/usr/bin/env bash
# Bulk changes of 20,000 users under faults on reads and writes, each report checked against
# the fake portal's state (bench/drivers/src/bin/fault_bench.rs). Prints one RESULT line per
# run; the script fails if any run finds a discrepancy between the report and the portal.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-20000}
cargo build --release -q -p docspace-people-bench --bin fault_bench
bin=target/release/fault_bench
mixed=(--fault drop-after@rate=0.3 --fault 500@rate=0.05 --fault 429@rate=0.05)
for version in 3.7 3.6; do
  for change in status type quota; do
    "$bin" --users "$USERS" --version "$version" --change "$change" "${mixed[@]}"
  done
done
# Every write's answer lost, no retries: everything must be found by reading back.
for change in status type; do
  "$bin" --users "$USERS" --version 3.7 --change "$change" --fault drop-after --writes-only \
    --max-attempts 1
done
