#!/usr/bin/env bash
# Runs schemathesis against a running fake portal with our spec, authenticated as the owner.
#
#   conformance/schemathesis.sh BASE_URL
#
# Environment: DOCSPACE_API_KEY (default: the fake portal's owner key), SCHEMATHESIS (the
# executable, default `schemathesis` on PATH), PYTHON (default python3), SCHEMATHESIS_MAX_EXAMPLES
# (default 50), SCHEMATHESIS_SEED (default 20240601), CONFORMANCE_WORKDIR (default target/conformance).
#
# Give it a fresh portal: the run changes users (status, type, quota), and its results depend on
# the state it starts from. conformance/run.sh starts one for it.
#
# Checks: no 5xx (not_a_server_error); every status code, content type, response header and
# response body as the spec documents it. Every operation in the spec is tested, none excluded.
# All phases run (examples, coverage, fuzzing, stateful) in positive and negative mode.
# Deterministic: one worker, a fixed seed and no example database, so two runs against fresh
# portals send the same requests.
set -euo pipefail

here="$(cd "$(dirname "$0")" && pwd)"
spec="$here/../openapi/docspace-people.yaml"
base_url="${1:?usage: schemathesis.sh BASE_URL}"
# The fake portal's seeded owner key (crates/docspace-people-fake/src/seed.rs, OWNER_API_KEY).
export DOCSPACE_API_KEY="${DOCSPACE_API_KEY:-sk-fake-owner-5d41402abc4b2a76b9719d911017c592}"

# schemathesis writes its state (.hypothesis, .schemathesis) into the current directory: keep it
# out of the source tree.
workdir="${CONFORMANCE_WORKDIR:-$here/../target/conformance}/schemathesis"
rm -rf "$workdir"
mkdir -p "$workdir"
cp "$here/schemathesis.toml" "$workdir/schemathesis.toml"
"${PYTHON:-python3}" "$here/portal_data.py" "$base_url" "$workdir"
cd "$workdir"

exec "${SCHEMATHESIS:-schemathesis}" --config-file "$workdir/schemathesis.toml" \
    run "$spec" --no-color \
    --url "$base_url" \
    --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
    --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-50}" \
    --seed "${SCHEMATHESIS_SEED:-20240601}" \
    --workers 1 \
    --generation-database none \
    --request-timeout 10 \
    --output-truncate false \
    --report junit,ndjson --report-dir "$workdir/report"
