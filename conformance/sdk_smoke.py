#!/usr/bin/env python3
"""Drive the fake DocSpace portal with ONLYOFFICE's official Python SDK (`docspace-api-sdk`).

Usage: sdk_smoke.py BASE_URL   (or DOCSPACE_URL in the environment)

Each step calls the SDK's own operation and checks that the answer decodes into the SDK's
models and says what the real server would say. One line per call, then `N passed, M failed`;
the exit status is non-zero when any call failed.

Calls made (SDK class.method -> wire operation):
  AuthenticationApi.authenticate_me          POST /api/2.0/authentication
  ProfilesApi.get_self_profile               GET  /api/2.0/people/@self
  SearchApi.search_users_by_extended_filter  GET  /api/2.0/people/filter
  UserStatusApi.update_user_status           PUT  /api/2.0/people/status/{status}
  UserTypeApi.update_user_type               PUT  /api/2.0/people/type/{type}
  QuotaApi.update_user_quota                 PUT  /api/2.0/people/userquota

SDK deviations this script relies on or works around (docspace-api-sdk 3.7.0):
  * Dates. ONLYOFFICE's spec models `ApiDateTime` as an object `{utcTime, timeZoneOffset}`; the
    server sends a string (`2021-03-09T17:52:55.0000000+08:00`). The SDK's `ApiDateTime.from_dict`
    was patched by hand to wrap a string as `{"utcTime": <string>}`, so user objects decode; the
    offset ends up inside `utc_time` (a timezone-aware datetime) and `time_zone_offset` stays None.
    We check, on @self, that the wire has a string and that the decoded instant is the one sent.
    `AuthenticationTokenDto.expires` is a plain datetime in the SDK, so the token's date decodes.
  * Quota. The SDK types `UpdateMembersQuotaRequestDto.quota` as oneOf(int, str); a bare int is
    refused by pydantic, so we wrap it in `UpdateMembersQuotaRequestDtoQuota(int)`, which sends a
    JSON integer, the only form server 3.7 takes.
  * Filter. `EmployeeFullArrayWrapper` has no `total`, so the page total is dropped on decode.
  * Auth. The SDK has no "sign in and keep the token" helper: we call `authenticate_me` and put
    the token into `Configuration.access_token`, which the SDK sends as `Authorization: Bearer`.
"""

from __future__ import annotations

import datetime as dt
import json
import os
import sys
import traceback
import uuid
import warnings
from typing import Callable

# The SDK's generated models warn about a field named "copy" at import time; not our concern.
warnings.filterwarnings("ignore", message='Field name "copy"', category=UserWarning)

import docspace_api_sdk  # noqa: E402
from docspace_api_sdk import ApiClient, Configuration  # noqa: E402
from docspace_api_sdk.api.authentication.authentication_api import AuthenticationApi  # noqa: E402
from docspace_api_sdk.api.people.profiles_api import ProfilesApi  # noqa: E402
from docspace_api_sdk.api.people.quota_api import QuotaApi  # noqa: E402
from docspace_api_sdk.api.people.search_api import SearchApi  # noqa: E402
from docspace_api_sdk.api.people.user_status_api import UserStatusApi  # noqa: E402
from docspace_api_sdk.api.people.user_type_api import UserTypeApi  # noqa: E402
from docspace_api_sdk.models.api_date_time import ApiDateTime  # noqa: E402
from docspace_api_sdk.models.auth_requests_dto import AuthRequestsDto  # noqa: E402
from docspace_api_sdk.models.authentication_token_dto import AuthenticationTokenDto  # noqa: E402
from docspace_api_sdk.models.authentication_token_wrapper import AuthenticationTokenWrapper  # noqa: E402
from docspace_api_sdk.models.employee_full_array_wrapper import EmployeeFullArrayWrapper  # noqa: E402
from docspace_api_sdk.models.employee_full_dto import EmployeeFullDto  # noqa: E402
from docspace_api_sdk.models.employee_full_wrapper import EmployeeFullWrapper  # noqa: E402
from docspace_api_sdk.models.employee_status import EmployeeStatus  # noqa: E402
from docspace_api_sdk.models.employee_type import EmployeeType  # noqa: E402
from docspace_api_sdk.models.update_members_quota_request_dto import UpdateMembersQuotaRequestDto  # noqa: E402
from docspace_api_sdk.models.update_members_quota_request_dto_quota import (  # noqa: E402
    UpdateMembersQuotaRequestDtoQuota,
)
from docspace_api_sdk.models.update_members_request_dto import UpdateMembersRequestDto  # noqa: E402

# The fake portal's seeded owner (crates/docspace-people-fake/src/seed.rs).
OWNER_EMAIL = "owner@example.com"
OWNER_PASSWORD = "Owner-Passw0rd!"

TIMEOUT = 30.0


class Check(Exception):
    """A response that decoded but does not say what the server should say."""


def expect(condition: bool, message: str) -> None:
    if not condition:
        raise Check(message)


def expect_type(value: object, cls: type, what: str) -> None:
    expect(isinstance(value, cls), f"{what} decoded as {type(value).__name__}, not {cls.__name__}")


def check_users(users: object, what: str) -> list[EmployeeFullDto]:
    expect_type(users, list, what)
    for user in users:  # type: ignore[union-attr]
        expect_type(user, EmployeeFullDto, f"{what} item")
        expect_type(user.id, uuid.UUID, f"{what} item id")
        if user.registration_date is not None:
            check_date(user.registration_date, f"{user.user_name}.registrationDate")
    return users  # type: ignore[return-value]


def check_date(value: object, what: str) -> None:
    # See the module docstring: the SDK wraps the wire string into ApiDateTime.utc_time.
    expect_type(value, ApiDateTime, what)
    expect_type(value.utc_time, dt.datetime, f"{what}.utcTime")  # type: ignore[attr-defined]
    expect(value.utc_time.tzinfo is not None, f"{what} lost its offset")  # type: ignore[attr-defined]


def wire_date(text: str) -> dt.datetime:
    """Parses the server's date string (seven fractional digits) to microseconds."""
    head, dot, rest = text.partition(".")
    if not dot:
        return dt.datetime.fromisoformat(text)
    digits = len(rest) - len(rest.lstrip("0123456789"))
    return dt.datetime.fromisoformat(f"{head}.{rest[:min(digits, 6)]}{rest[digits:]}")


def quota_request(user_id: uuid.UUID, quota: int) -> UpdateMembersQuotaRequestDto:
    # The SDK models `quota` as oneOf(int, str) (UpdateMembersQuotaRequestDtoQuota), because old
    # servers took a string like "5 GB". Server 3.7 wants a JSON integer, so wrap an int: the
    # wrapper serialises its actual instance as is (`"quota": 5368709120`).
    return UpdateMembersQuotaRequestDto(user_ids=[user_id], quota=UpdateMembersQuotaRequestDtoQuota(quota))


def main() -> int:
    base_url = (sys.argv[1] if len(sys.argv) > 1 else os.environ.get("DOCSPACE_URL", "")).rstrip("/")
    if not base_url:
        print("usage: sdk_smoke.py BASE_URL", file=sys.stderr)
        return 2
    print(f"docspace-api-sdk {docspace_api_sdk.__version__} against {base_url}")

    config = Configuration(host=base_url)
    client = ApiClient(config)
    state: dict[str, object] = {}
    passed = failed = 0

    def step(name: str, call: Callable[[], str]) -> None:
        nonlocal passed, failed
        try:
            detail = call()
        except Exception as error:  # noqa: BLE001 - every failure is reported the same way
            failed += 1
            print(f"FAIL {name}: {type(error).__name__}: {error}")
            if os.environ.get("SDK_SMOKE_TRACEBACK"):
                traceback.print_exc()
        else:
            passed += 1
            print(f"ok   {name}: {detail}")

    def sign_in() -> str:
        wrapper = AuthenticationApi(client).authenticate_me(
            AuthRequestsDto(user_name=OWNER_EMAIL, password=OWNER_PASSWORD),
            _request_timeout=TIMEOUT,
        )
        expect_type(wrapper, AuthenticationTokenWrapper, "sign-in envelope")
        token = wrapper.response
        expect_type(token, AuthenticationTokenDto, "sign-in response")
        expect(bool(token.token), "no token")
        expect_type(token.expires, dt.datetime, "expires")
        expect(token.expires.tzinfo is not None, "expires has no offset")
        expect(token.expires > dt.datetime.now(dt.timezone.utc), f"token already expired: {token.expires}")
        config.access_token = token.token
        return f"token {token.token[:8]}..., expires {token.expires.isoformat()}"

    def get_self() -> str:
        wrapper = ProfilesApi(client).get_self_profile(_request_timeout=TIMEOUT)
        expect_type(wrapper, EmployeeFullWrapper, "@self envelope")
        me = wrapper.response
        expect_type(me, EmployeeFullDto, "@self response")
        expect(me.email == OWNER_EMAIL, f"signed in as {me.email}, not the owner")
        expect(me.is_owner is True, "the owner is not isOwner")
        expect(me.status == EmployeeStatus.Active, f"owner status {me.status!r}")
        expect(me.theme is not None, "@self has no theme")
        check_date(me.registration_date, "registrationDate")
        # The same call without decoding: the wire has a string, and the SDK kept its instant.
        raw = ProfilesApi(client).get_self_profile_without_preload_content(_request_timeout=TIMEOUT)
        expect(raw.status == 200, f"raw @self: HTTP {raw.status}")
        wire = json.loads(raw.data)["response"]["registrationDate"]
        expect(isinstance(wire, str), f"registrationDate on the wire is {type(wire).__name__}, not a string")
        expect(me.registration_date.utc_time == wire_date(wire), f"{wire} decoded as {me.registration_date.utc_time}")
        state["self"] = me.id
        return f"{me.display_name} <{me.email}>, theme {me.theme.value}, status {me.status.name}"

    def filter_users() -> str:
        search = SearchApi(client)
        wrapper = search.search_users_by_extended_filter(
            employee_status=EmployeeStatus.Active, count=100, start_index=0, _request_timeout=TIMEOUT
        )
        expect_type(wrapper, EmployeeFullArrayWrapper, "filter envelope")
        users = check_users(wrapper.response, "filter")
        expect(len(users) > 0, "no active users")
        expect(all(u.status == EmployeeStatus.Active for u in users), "filter returned non-active users")
        # The SDK's EmployeeFullArrayWrapper has no `total` field: pydantic drops it on decode.

        def plain(user: EmployeeFullDto) -> bool:
            return not (user.is_owner or user.is_admin or user.is_ldap or user.id == state["self"])

        # Targets for the writes: two plain users (status, quota) and a guest (type).
        collaborators = [u for u in users if plain(u) and u.is_collaborator]
        guests = [u for u in users if plain(u) and u.is_visitor]
        expect(len(collaborators) >= 2, "fewer than two active plain users to change")
        expect(len(guests) >= 1, "no active guest to promote")
        state["status_target"] = collaborators[0]
        state["quota_target"] = collaborators[1]
        state["type_target"] = guests[0]

        # A text search, as the people list's search box does it.
        needle = collaborators[0].last_name
        found = search.search_users_by_extended_filter(filter_value=needle, count=10, _request_timeout=TIMEOUT)
        hits = check_users(found.response, "filterValue")
        expect(any(u.id == collaborators[0].id for u in hits), f"filterValue={needle!r} missed the user")
        return f"{len(users)} active users (count {wrapper.count}); filterValue={needle!r}: {len(hits)} hit(s)"

    def change_status() -> str:
        target: EmployeeFullDto = state["status_target"]  # type: ignore[assignment]
        wrapper = UserStatusApi(client).update_user_status(
            EmployeeStatus.Terminated,
            UpdateMembersRequestDto(user_ids=[target.id], resend_all=False),
            _request_timeout=TIMEOUT,
        )
        expect_type(wrapper, EmployeeFullArrayWrapper, "status envelope")
        users = check_users(wrapper.response, "status")
        expect([u.id for u in users] == [target.id], "response is not the requested user")
        expect(users[0].status == EmployeeStatus.Terminated, f"status {users[0].status!r}")
        # A status change dates nothing (only a profile update that disables sets `terminated`):
        # the SDK must read the answer without it.
        expect(users[0].terminated is None, f"terminated {users[0].terminated!r} after a status change")
        # And back, so the portal ends as it started.
        back = UserStatusApi(client).update_user_status(
            EmployeeStatus.Active, UpdateMembersRequestDto(user_ids=[target.id]), _request_timeout=TIMEOUT
        )
        restored = check_users(back.response, "status back")
        expect(restored[0].status == EmployeeStatus.Active, f"re-activated as {restored[0].status!r}")
        return f"{target.user_name} Terminated (no `terminated` date, as the server) and Active again"

    def change_type() -> str:
        target: EmployeeFullDto = state["type_target"]  # type: ignore[assignment]
        wrapper = UserTypeApi(client).update_user_type(
            EmployeeType.USER,
            UpdateMembersRequestDto(user_ids=[target.id]),
            _request_timeout=TIMEOUT,
        )
        expect_type(wrapper, EmployeeFullArrayWrapper, "type envelope")
        users = check_users(wrapper.response, "type")
        expect([u.id for u in users] == [target.id], "response is not the requested user")
        expect(users[0].is_visitor is False and users[0].is_collaborator is True, "guest was not promoted to User")
        return f"{target.user_name} Guest -> User"

    def change_quota() -> str:
        target: EmployeeFullDto = state["quota_target"]  # type: ignore[assignment]
        quota = 5 * 1024**3
        api = QuotaApi(client)
        wrapper = api.update_user_quota(quota_request(target.id, quota), _request_timeout=TIMEOUT)
        expect_type(wrapper, EmployeeFullArrayWrapper, "quota envelope")
        users = check_users(wrapper.response, "quota")
        expect([u.id for u in users] == [target.id], "response is not the requested user")
        expect(users[0].quota_limit == quota, f"quotaLimit {users[0].quota_limit}")
        expect(users[0].is_custom_quota is True, "isCustomQuota not set")
        lifted = api.update_user_quota(quota_request(target.id, -1), _request_timeout=TIMEOUT)
        unlimited = check_users(lifted.response, "quota -1")
        expect(unlimited[0].quota_limit == -1, f"quotaLimit after -1: {unlimited[0].quota_limit}")
        return f"{target.user_name} quota {quota} then -1 (no limit)"

    step("authentication_api.authenticate_me", sign_in)
    if config.access_token is None:
        print("cannot continue without a token")
        print(f"{passed} passed, {failed + 5} failed")
        return 1
    step("profiles_api.get_self_profile", get_self)
    step("search_api.search_users_by_extended_filter", filter_users)
    for name, call in [
        ("user_status_api.update_user_status", change_status),
        ("user_type_api.update_user_type", change_type),
        ("quota_api.update_user_quota", change_quota),
    ]:
        if "status_target" in state:
            step(name, call)
        else:
            failed += 1
            print(f"FAIL {name}: skipped, the filter step found no targets")

    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt:
        sys.exit(130)
    except Exception:  # noqa: BLE001 - a crash outside the steps is one more failure
        traceback.print_exc()
        print("0 passed, 1 failed")
        sys.exit(1)
