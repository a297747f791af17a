#!/usr/bin/env python3
"""Terminate N users with ONLYOFFICE's official Python SDK (`docspace-api-sdk`), timed.

Usage:
  python_sdk_bulk.py --portal URL --api-key sk-... --users N [--chunk-size 100] [--concurrency 1]

The same job as `bench/drivers/src/bin/bulk_bench.rs`:
1. (not timed) list the ids of the first N users matching `--filter` through `GET people/filter`,
   100 per page (split into disjoint filters for the fake's generated users, as the Rust binary). The listing uses plain urllib + json, not the SDK, because it is not what is
   measured and decoding 100,000 users into the SDK's pydantic models only to keep their ids would
   take minutes.
2. (timed) `UserStatusApi.update_user_status(EmployeeStatus.Terminated, UpdateMembersRequestDto(...))`
   for each chunk of `--chunk-size` ids: the SDK's own call, so its request building, HTTP (urllib3)
   and response decoding into `EmployeeFullArrayWrapper` (pydantic v2 models) are all counted.
   `docspace-api-sdk` 3.7.0 has no asynchronous or threaded mode of its own (its generator dropped
   `async_req`), so by default the chunks go one after another (`--concurrency 1`, the SDK as
   shipped). `--concurrency K` runs K threads sharing one `ApiClient` (urllib3's pool is
   thread-safe); that is our threading around the SDK, not the SDK's.
3. print one `RESULT` line like the Rust binary's.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import json
import resource
import sys
import time
import urllib.parse
import urllib.request
import uuid
import warnings

# The SDK's generated models warn about a field named "copy" at import time.
warnings.filterwarnings("ignore", message='Field name "copy"', category=UserWarning)

import docspace_api_sdk  # noqa: E402
from docspace_api_sdk import ApiClient, Configuration  # noqa: E402
from docspace_api_sdk.api.people.user_status_api import UserStatusApi  # noqa: E402
from docspace_api_sdk.models.employee_status import EmployeeStatus  # noqa: E402
from docspace_api_sdk.models.update_members_request_dto import UpdateMembersRequestDto  # noqa: E402


DEFAULT_FILTER = "@scale.example"


def list_ids(portal: str, api_key: str, filter_value: str, n: int) -> list[uuid.UUID]:
    # As in bulk_bench.rs: the fake's generated users are listed through 110 disjoint filters on
    # the last digits of their index, since every page makes a portal sort all matches.
    if filter_value == DEFAULT_FILTER:
        filters = [f".{d}{DEFAULT_FILTER}" for d in range(10)] + [f"{d:02}{DEFAULT_FILTER}" for d in range(100)]
    else:
        filters = [filter_value]
    ids: list[uuid.UUID] = []
    for value in filters:
        start = 0
        while len(ids) < n:
            query = urllib.parse.urlencode({"filterValue": value, "count": 100, "startIndex": start})
            request = urllib.request.Request(
                f"{portal}/api/2.0/people/filter?{query}", headers={"Authorization": f"Bearer {api_key}"}
            )
            with urllib.request.urlopen(request, timeout=60) as response:
                page = json.load(response)
            users = page.get("response") or []
            if not users:
                break
            start += len(users)
            ids.extend(uuid.UUID(u["id"]) for u in users[: n - len(ids)])
    if len(ids) < n:
        sys.exit(f"only {len(ids)} users match {filter_value!r}; start the fake with --users {n}")
    return ids


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--portal", default="http://127.0.0.1:8092")
    parser.add_argument("--api-key", required=True)
    parser.add_argument("--users", type=int, default=10_000)
    parser.add_argument("--filter", default=DEFAULT_FILTER)
    parser.add_argument("--chunk-size", type=int, default=100)
    parser.add_argument("--concurrency", type=int, default=1)
    args = parser.parse_args()
    portal = args.portal.rstrip("/")

    started = time.perf_counter()
    ids = list_ids(portal, args.api_key, args.filter, args.users)
    list_secs = time.perf_counter() - started
    print(
        f"listed {len(ids)} ids in {list_secs:.1f}s; terminating them with docspace-api-sdk "
        f"{docspace_api_sdk.__version__} (chunk {args.chunk_size}, concurrency {args.concurrency})",
        file=sys.stderr,
    )

    config = Configuration(host=portal, access_token=args.api_key)
    config.connection_pool_maxsize = max(args.concurrency, 1)
    client = ApiClient(config)
    api = UserStatusApi(client)
    chunks = [ids[i : i + args.chunk_size] for i in range(0, len(ids), args.chunk_size)]

    def terminate(chunk: list[uuid.UUID]) -> tuple[int, int]:
        wrapper = api.update_user_status(
            EmployeeStatus.Terminated,
            UpdateMembersRequestDto(user_ids=chunk, resend_all=False),
            _request_timeout=60.0,
        )
        users = wrapper.response or []
        return len(chunk), sum(1 for u in users if u.status == EmployeeStatus.Terminated)

    changed = other = failed = requests = 0
    cpu_before = time.process_time()
    started = time.perf_counter()
    if args.concurrency <= 1:
        results = map(terminate, chunks)
        for sent, done in results:
            requests += 1
            changed += done
            other += sent - done
    else:
        with concurrent.futures.ThreadPoolExecutor(max_workers=args.concurrency) as pool:
            for sent, done in pool.map(terminate, chunks):
                requests += 1
                changed += done
                other += sent - done
    secs = time.perf_counter() - started
    cpu = time.process_time() - cpu_before
    peak_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        f"RESULT mode=python-sdk users={len(ids)} chunk={args.chunk_size} concurrency={args.concurrency} "
        f"requests={requests} wall_s={secs:.3f} cpu_s={cpu:.2f} req_per_s={requests / secs:.1f} users_per_s={len(ids) / secs:.0f} "
        f"changed={changed} other={other} failed={failed} list_s={list_secs:.1f} peak_rss_kib={peak_kib}"
    )
    return 0 if changed + other == len(ids) else 1


if __name__ == "__main__":
    sys.exit(main())
