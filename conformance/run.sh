#!/usr/bin/env bash
# Conformance: other clients' view of the fake portal.
#
#   conformance/run.sh
#
# 1. ONLYOFFICE's official Python SDK (docspace-api-sdk) drives a fresh fake portal
#    (conformance/sdk_smoke.py).
# 2. schemathesis checks a second fresh fake portal against openapi/docspace-people.yaml
#    (conformance/schemathesis.sh).
#
# Needs the Rust toolchain, python3 (3.11) with venv or pip, and access to PyPI. The Python tools
# go into a virtual environment under target/conformance-venv (CONFORMANCE_VENV to change it),
# reinstalled only when requirements.txt changes. Exits non-zero if anything fails.
set -euo pipefail
cd "$(dirname "$0")/.."
root="$PWD"

python="${PYTHON:-python3}"
venv="${CONFORMANCE_VENV:-$root/target/conformance-venv}"
workdir="${CONFORMANCE_WORKDIR:-$root/target/conformance}"
target_dir="${CARGO_TARGET_DIR:-$root/target}"
export PIP_DISABLE_PIP_VERSION_CHECK=1 PIP_NO_INPUT=1 PYTHONDONTWRITEBYTECODE=1

say() { printf '\n-- %s\n' "$*"; }

pids=()
cleanup() {
    local pid
    for pid in "${pids[@]}"; do
        kill "$pid" 2>/dev/null || true
        wait "$pid" 2>/dev/null || true
    done
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# --- Python tools ------------------------------------------------------------------------------

make_venv() {
    rm -rf "$venv"
    mkdir -p "$(dirname "$venv")"
    if "$python" -m venv "$venv" 2>/dev/null; then
        return
    fi
    # Some distributions ship python3 without ensurepip (Debian's python3-venv): fall back to
    # virtualenv, installed next to the venv with pip.
    echo "python3 -m venv failed; using virtualenv" >&2
    rm -rf "$venv"
    "$python" -m pip install --quiet --retries 5 --timeout 60 --target "$venv.virtualenv" virtualenv
    PYTHONPATH="$venv.virtualenv" "$python" -m virtualenv --quiet "$venv"
}

requirements="$root/conformance/requirements.txt"
stamp="$venv/.requirements"
if [[ ! -x "$venv/bin/python" ]] || ! cmp -s "$requirements" "$stamp"; then
    say "installing the Python tools into ${venv#"$root/"}"
    make_venv
    installed=0
    for attempt in 1 2 3; do
        if "$venv/bin/python" -m pip install --quiet --retries 5 --timeout 60 \
            --requirement "$requirements"; then
            installed=1
            break
        fi
        echo "pip install failed (attempt $attempt of 3)" >&2
        sleep $((attempt * 5))
    done
    [[ $installed == 1 ]] || { echo "could not install conformance/requirements.txt" >&2; exit 1; }
    cp "$requirements" "$stamp"
fi

# --- The fake portal ---------------------------------------------------------------------------

say "building the fake portal"
cargo build --quiet -p docspace-people-fake
fake="$target_dir/debug/docspace-people-fake"

mkdir -p "$workdir"

# Starts a fresh portal on a free port (port 0: the portal binds, then prints its URL) and sets
# `url` once it answers.
start_portal() {
    local name="$1" log="$workdir/$1.log"
    : >"$log"
    "$fake" --port 0 >"$log" 2>&1 </dev/null &
    pids+=("$!")
    local pid="$!"
    url=""
    for _ in $(seq 1 300); do
        url="$(sed -n 's/^Fake portal .* at \(http:[^ ]*\)$/\1/p' "$log")"
        [[ -n "$url" ]] && break
        if ! kill -0 "$pid" 2>/dev/null; then
            echo "the $name portal exited:" >&2
            cat "$log" >&2
            exit 1
        fi
        sleep 0.1
    done
    if [[ -z "$url" ]]; then
        echo "the $name portal did not start within 30 s:" >&2
        cat "$log" >&2
        exit 1
    fi
    # It printed its URL after binding; make sure it answers before handing it over.
    "$venv/bin/python" - "$url" <<'EOF'
import sys, time, urllib.error, urllib.request
for _ in range(100):
    try:
        urllib.request.urlopen(sys.argv[1] + "/api/2.0/people/@self", timeout=2)
    except urllib.error.HTTPError:
        sys.exit(0)  # 401 without credentials: it is serving
    except OSError:
        time.sleep(0.1)
    else:
        sys.exit(0)
sys.exit(f"{sys.argv[1]} does not answer")
EOF
    echo "$name portal at $url (log: ${log#"$root/"})"
}

stop_portal() {
    local pid="${pids[-1]}"
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
    unset 'pids[-1]'
}

status=0

say "official Python SDK (docspace-api-sdk) against the fake portal"
start_portal sdk
"$venv/bin/python" "$root/conformance/sdk_smoke.py" "$url" || status=1
stop_portal

say "schemathesis against the fake portal, with openapi/docspace-people.yaml"
start_portal schemathesis
SCHEMATHESIS="$venv/bin/schemathesis" PYTHON="$venv/bin/python" CONFORMANCE_WORKDIR="$workdir" \
    "$root/conformance/schemathesis.sh" "$url" || status=1
stop_portal

if [[ $status == 0 ]]; then
    say "conformance: passed"
else
    say "conformance: FAILED"
fi
exit "$status"
