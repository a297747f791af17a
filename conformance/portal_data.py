#!/usr/bin/env python3
"""Write schemathesis dictionaries of the fake portal's real data (ids, names, emails, groups).

Usage: portal_data.py BASE_URL OUTDIR   (DOCSPACE_API_KEY: a key that may list users)

schemathesis.toml binds request fields to these files with a probability, so a share of the
generated requests name real users and groups (and reach the permission rules, the 200 answers
and the stateful chains) while the rest stays random. Standard library only.
"""

from __future__ import annotations

import json
import os
import sys
import urllib.request
from pathlib import Path

# The placeholder user the server returns for unknown ids (crates/docspace-people-fake, LOST_USER_ID).
LOST_USER_ID = "4a515a15-d4d6-4b8e-828e-e0586f18f3a3"


def fetch_users(base_url: str, key: str) -> list[dict]:
    users: list[dict] = []
    while True:
        url = f"{base_url}/api/2.0/people/filter?count=100&startIndex={len(users)}"
        request = urllib.request.Request(url, headers={"Authorization": f"Bearer {key}"})
        with urllib.request.urlopen(request, timeout=30) as response:
            page = json.load(response)
        users.extend(page["response"])
        if not page["response"] or len(users) >= page.get("total", 0):
            return users


def write(path: Path, values: list[str]) -> None:
    unique = list(dict.fromkeys(v for v in values if v))
    if not unique:
        raise SystemExit(f"no values for {path.name}")
    # libFuzzer dictionary format: one quoted entry a line.
    path.write_text("".join(json.dumps(v, ensure_ascii=False) + "\n" for v in unique), encoding="utf-8")


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    base_url, outdir = sys.argv[1].rstrip("/"), Path(sys.argv[2])
    outdir.mkdir(parents=True, exist_ok=True)
    users = fetch_users(base_url, os.environ["DOCSPACE_API_KEY"])
    ids = [u["id"] for u in users]
    write(outdir / "user-ids.dict", ids + [LOST_USER_ID])
    write(outdir / "user-refs.dict", ids + [u.get("userName", "") for u in users])
    write(outdir / "emails.dict", [u.get("email", "") for u in users])
    write(outdir / "group-ids.dict", [g["id"] for u in users for g in u.get("groups", [])])
    write(outdir / "search.dict", [u.get("lastName", "") for u in users] + ["example.com"])
    print(f"portal data: {len(users)} users written to {outdir}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
