#!/usr/bin/env bash
# A bulk demotion (User to Guest) of 1,000 users through the type-change job on the fake
# portal, whose jobs run one after another as the server's do
# (bench/drivers/src/bin/demotion_bench.rs), at several job concurrencies. Prints one RESULT
# line per run; fails on any discrepancy.
set -euo pipefail
cd "$(dirname "$0")/.."
USERS=${USERS:-1000}
JOB_MS=${JOB_MS:-300}
cargo build --release -q -p docspace-people-bench --bin demotion_bench
for jobs in ${JOBS:-1 2 4}; do
  target/release/demotion_bench --users "$USERS" --job-ms "$JOB_MS" --jobs "$jobs"
done
