# What the benchmark scripts that run the tool against a separate fake portal share; sourced,
# not run. Sets ROOT, TARGET (CARGO_TARGET_DIR, default the workspace's target/), URL (from
# PORT), API_KEY, FAKE and CLI; installs GNU time when missing; builds the fake and the tool
# (release); `start_fake N IDS LOG` starts a fake with N generated users and waits for it to
# write their ids to IDS; `stop_fake` stops it (also on exit); `peak_mib FILE` reads the
# "Maximum resident set size" of a `/usr/bin/time -v` output in MiB.

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
TARGET="${CARGO_TARGET_DIR:-$ROOT/target}"
export CARGO_TARGET_DIR="$TARGET"
URL="http://127.0.0.1:$PORT"
API_KEY="sk-fake-owner-5d41402abc4b2a76b9719d911017c592" # the fake's seeded owner key (seed.rs)

if [[ ! -x /usr/bin/time ]]; then
    echo "installing GNU time (Debian package 'time')" >&2
    apt-get install -y -q time >/dev/null || { apt-get update -q >/dev/null && apt-get install -y -q time >/dev/null; }
fi

echo "== building (release)" >&2
cargo build --release --quiet -p docspace-people-fake --bin docspace-people-fake
cargo build --release --quiet -p docspace-people-cli --bin docspace-people
FAKE="$TARGET/release/docspace-people-fake"
CLI="$TARGET/release/docspace-people"

FAKE_PID=""
stop_fake() {
    if [[ -n "$FAKE_PID" ]]; then
        kill "$FAKE_PID" 2>/dev/null || true
        wait "$FAKE_PID" 2>/dev/null || true
        FAKE_PID=""
    fi
}
trap stop_fake EXIT

start_fake() {
    local n=$1 ids=$2 log=$3
    rm -f "$ids"
    "$FAKE" --port "$PORT" --users "$n" --ids-file "$ids" >"$log" 2>&1 &
    FAKE_PID=$!
    for _ in $(seq 1200); do [[ -s "$ids" ]] && break; sleep 0.1; done
    [[ -s "$ids" ]] || { echo "the fake did not write $ids" >&2; exit 1; }
}

peak_mib() {
    local kib
    kib=$(sed -n 's/.*Maximum resident set size (kbytes): \([0-9]*\).*/\1/p' "$1")
    awk -v k="$kib" 'BEGIN { printf "%.1f", k / 1024 }'
}
