"""`doctor`: checks the configuration, the URLs, the token store, the token (one cheap call to the org), the API
version and the API requests left today, and says what to fix. Secrets are only ever shown masked."""

from __future__ import annotations

import os
import re
import stat
import sys
from dataclasses import dataclass, field
from typing import Any, Literal, TextIO

import anyio.to_thread
import httpx2

from .. import defaults
from ..config import DEFAULT_LOGIN_URL, Settings
from ..salesforce.api_versions import ApiVersionError, check_pinned, newest_offered
from ..salesforce.definition_view import NEWER_VERSION_NOTE, VERSION_QUERY, versions_from_rows
from ..urls import UnsafeURLError, require_safe_url
from .credentials import Credentials, credentials_from_settings
from .errors import AuthError
from .masking import mask_secret, redact
from .token_store import TokenStore

Status = Literal["ok", "info", "warn", "problem"]
_USAGE = re.compile(r"api-usage=(\d+)/(\d+)")
_LOW_REMAINING = 0.1  # warn below 10 % of the daily API requests
_TIMEOUT = httpx2.Timeout(20.0, connect=defaults.CONNECT_TIMEOUT)  # a quick check, not a flow run


@dataclass
class _Report:
    sections: list[tuple[str, list[tuple[Status, str]]]] = field(default_factory=list)

    def section(self, title: str) -> None:
        self.sections.append((title, []))

    def add(self, status: Status, text: str) -> None:
        self.sections[-1][1].append((status, text))

    @property
    def problems(self) -> int:
        return sum(1 for _, lines in self.sections for status, _ in lines if status == "problem")

    def write(self, out: TextIO) -> None:
        for title, lines in self.sections:
            out.write(f"{title}\n")
            for status, text in lines:
                out.write(redact(f"  {status:<8}{text}") + "\n")
        count = self.problems
        out.write("\nNo problems found.\n" if not count else f"\n{count} problem(s) found: see the lines above.\n")
        out.flush()


async def run_doctor(
    settings: Settings,
    *,
    out: TextIO = sys.stderr,
    http_transport: httpx2.AsyncBaseTransport | None = None,
    store: TokenStore | None = None,
) -> int:
    """Check everything sign-in needs and print what to fix. Returns 0 when nothing is wrong, 1 otherwise.

    CLI flags: none of its own; the usual configuration (environment, `--profile NAME`, `--login-url`,
    `--api-version`) selects what is checked. `http_transport` routes every request (tests: the embedded org).
    """
    store = store if store is not None else TokenStore()
    report = _Report()
    _check_settings(settings, report)
    _check_urls(settings, report)
    await _check_store(store, settings, report)
    report.section("Sign-in")
    credentials: Credentials | None = None
    try:
        credentials = credentials_from_settings(settings, http_transport=http_transport, store=store)
        report.add("ok", f"mode: {credentials.mode}")
    except AuthError as exc:
        report.add("problem", exc.message)
    if credentials is not None:
        try:
            await _check_org(credentials, settings, report, http_transport)
        finally:
            await credentials.aclose()
    report.write(out)
    return 0 if report.problems == 0 else 1


def _check_settings(s: Settings, report: _Report) -> None:
    report.section("Configuration")
    plain: list[tuple[str, str | None]] = [
        ("SALESFORCE_INSTANCE_URL", s.instance_url),
        ("SALESFORCE_LOGIN_URL", s.login_url),
        ("SALESFORCE_USERNAME", s.username),
        ("SALESFORCE_JWT_KEY_FILE", s.jwt_key_file),
        ("SALESFORCE_PROFILE", s.profile),
        ("SALESFORCE_TARGET_ORG", s.target_org),
        ("SALESFORCE_API_VERSION", s.api_version),
    ]
    secret: list[tuple[str, str | None]] = [
        ("SALESFORCE_ACCESS_TOKEN", s.access_token),
        ("SALESFORCE_REFRESH_TOKEN", s.refresh_token),
        ("SALESFORCE_CLIENT_ID", s.client_id),
        ("SALESFORCE_CLIENT_SECRET", s.client_secret),
    ]
    for name, value in plain:
        report.add("info", f"{name}: {value if value else 'not set'}")
    for name, value in secret:
        report.add("info", f"{name}: {mask_secret(value)}")
    if s.api_version is None:
        report.add("info", "API version: the newest the org offers (SALESFORCE_API_VERSION pins one)")
    else:
        try:
            check_pinned(s.api_version)
        except ApiVersionError as exc:
            report.add("problem", f"{exc}.")


def _check_urls(s: Settings, report: _Report) -> None:
    report.section("URLs")
    for name, url in (("SALESFORCE_LOGIN_URL", s.login_url), ("SALESFORCE_INSTANCE_URL", s.instance_url)):
        if not url:
            continue
        try:
            require_safe_url(url, name)
            report.add("ok", f"{name} {url}")
        except UnsafeURLError as exc:
            report.add("problem", f"{exc}. Fix: use https://... (http only for 127.0.0.1/localhost).")
    if s.login_url == DEFAULT_LOGIN_URL and not s.instance_url:
        report.add("info", "login URL is production; use `login --login-url sandbox` for a sandbox.")


async def _check_store(store: TokenStore, s: Settings, report: _Report) -> None:
    report.section("Token store")

    def inspect() -> tuple[list[str], str | None, list[str]]:
        profiles = store.profiles()
        loose = []
        for name in profiles if os.name == "posix" else ():  # Windows: the profile folder's ACL protects it
            mode = stat.S_IMODE(store.path_for(name).stat().st_mode)
            if mode & 0o077:
                loose.append(f"{store.path_for(name)} (mode {mode:04o})")
        return profiles, store.default_profile(), loose

    try:
        profiles, default, loose = await anyio.to_thread.run_sync(inspect)
    except (OSError, AuthError) as exc:
        report.add("problem", f"cannot read the token store {store.home}: {exc}")
        return
    if not profiles:
        report.add("info", f"{store.home}: no stored logins (`salesforce-flow-mcp login` adds one)")
    else:
        names = ", ".join(f"{p}{' (default)' if p == default else ''}" for p in profiles)
        report.add("ok", f"{store.home}: {names}")
    for path in loose:
        report.add("problem", f"{path} is readable by other users. Fix: chmod 600 {path.split(' (')[0]}")
    if s.profile and s.profile not in profiles:
        fix = f"Fix: `salesforce-flow-mcp login --profile {s.profile}`."
        report.add("problem", f"SALESFORCE_PROFILE={s.profile} is not a stored login. {fix}")


async def _check_org(
    credentials: Credentials, s: Settings, report: _Report, transport: httpx2.AsyncBaseTransport | None
) -> None:
    report.section("Org")
    try:
        token = await credentials.access_token()
    except AuthError as exc:
        report.add("problem", exc.message)
        return
    instance = credentials.instance_url
    report.add("ok", f"instance URL {instance}")
    identity = getattr(credentials, "identity", None)  # which org and user, where the mode knows (sf CLI logins)
    if isinstance(identity, str):
        report.add("ok", identity)
    async with httpx2.AsyncClient(transport=transport, timeout=_TIMEOUT, follow_redirects=False) as http:
        try:
            version = await _check_versions(http, instance, s.api_version, report)
            accepted = await _check_token_and_limits(http, credentials, token, instance, version, report)
            if accepted is not None:
                await _check_flows(http, accepted, instance, version, report)
        except httpx2.HTTPError as exc:
            report.add("problem", f"cannot reach {instance} ({type(exc).__name__}). Fix: check the URL and network.")


async def _check_versions(http: httpx2.AsyncClient, instance: str, version: str | None, report: _Report) -> str:
    """The version the server will speak: the pinned one, or the newest offered (never below 59.0)."""
    response = await http.get(f"{instance}/services/data", headers={"Accept": "application/json"})
    versions = _versions(response)
    if versions is None:
        report.add("problem", f"GET /services/data answered HTTP {response.status_code}, not a version list.")
        return version or defaults.API_VERSION
    if version is None:
        newest = newest_offered(response.json()) or defaults.API_VERSION
        chosen = newest if float(newest) >= float(defaults.API_VERSION) else defaults.API_VERSION
        report.add("ok", f"API version {chosen}: the newest the org offers")
        return chosen
    if version in versions:
        report.add("ok", f"API version {version} is available (newest: {versions[-1]})")
    else:
        newest = versions[-1] if versions else "none"
        fix = f"Fix: SALESFORCE_API_VERSION={newest}, or leave it unset to use the newest"
        report.add("problem", f"API version {version} is not offered (newest: {newest}). {fix}")
    return version


def _versions(response: httpx2.Response) -> list[str] | None:
    if response.status_code != 200:
        return None
    try:
        body = response.json()
    except ValueError:
        return None
    if not isinstance(body, list):
        return None
    found = [str(item["version"]) for item in body if isinstance(item, dict) and "version" in item]
    return sorted(found, key=lambda v: tuple(int(p) for p in v.split(".") if p.isdigit()))


async def _check_token_and_limits(
    http: httpx2.AsyncClient, credentials: Credentials, token: str, instance: str, version: str, report: _Report
) -> str | None:
    """The token the org accepted (renewed if it had expired), or None when it was refused."""
    url = f"{instance}/services/data/v{version}/limits"
    response = await _get(http, url, token)
    if response.status_code == 401:
        try:
            token = await credentials.refresh(token)
        except AuthError as exc:
            report.add("problem", f"the org rejected the token and it could not be renewed: {exc.message}")
            return None
        report.add("info", "the token had expired and was renewed")
        response = await _get(http, url, token)
    if response.status_code == 401:
        report.add("problem", "the org rejects the token. Fix: `salesforce-flow-mcp login` (or set a new token).")
        return None
    asked = f"GET {url.removeprefix(instance)}"
    if response.status_code >= 500:
        report.add("problem", f"{asked} answered HTTP {response.status_code}; try again later.")
        return None
    # Salesforce checks the session before anything else: any answer but 401 means the token was accepted.
    report.add("ok", f"token accepted ({asked} -> HTTP {response.status_code})")
    remaining = _daily_requests(response)
    if remaining is None:
        report.add("info", "API requests left today: unknown (no limits in the answer)")
        return token
    left, limit = remaining
    status: Status = "warn" if limit and left < limit * _LOW_REMAINING else "ok"
    report.add(status, f"API requests left today: {left} of {limit}")
    return token


async def _check_flows(http: httpx2.AsyncClient, token: str, instance: str, version: str, report: _Report) -> None:
    """Which flows have an active version, and which of them have a newer one (what runs depends on the user)."""
    report.section("Flows")
    url = f"{instance}/services/data/v{version}/query"
    response = await http.get(
        url, params={"q": VERSION_QUERY}, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"}
    )
    try:
        body: Any = response.json() if response.status_code == 200 else None
    except ValueError:
        body = None
    if not isinstance(body, dict):
        report.add("warn", f"FlowDefinitionView could not be read (HTTP {response.status_code}): flow status unknown")
        return
    versions = versions_from_rows(body.get("records"))
    newer = sorted(name for name, found in versions.items() if found.newer_than_active)
    more = "" if body.get("done", True) else " (more than one page: the first page counted)"
    report.add("ok", f"{len(versions)} flows have an active version{more}")
    if newer:
        shown = ", ".join(newer[:10]) + (f" and {len(newer) - 10} more" if len(newer) > 10 else "")
        report.add(
            "warn", f"{len(newer)} of them have a newer version than the active one: {shown}. {NEWER_VERSION_NOTE}"
        )


async def _get(http: httpx2.AsyncClient, url: str, token: str) -> httpx2.Response:
    return await http.get(url, headers={"Authorization": f"Bearer {token}", "Accept": "application/json"})


def _daily_requests(response: httpx2.Response) -> tuple[int, int] | None:
    try:
        body: Any = response.json()
    except ValueError:
        body = None
    daily = body.get("DailyApiRequests") if isinstance(body, dict) else None
    if isinstance(daily, dict) and isinstance(daily.get("Remaining"), int) and isinstance(daily.get("Max"), int):
        return daily["Remaining"], daily["Max"]
    match = _USAGE.search(response.headers.get("Sforce-Limit-Info", ""))
    if match:
        used, limit = int(match[1]), int(match[2])
        return max(limit - used, 0), limit
    return None
