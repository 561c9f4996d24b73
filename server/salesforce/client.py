"""An async Salesforce REST client on httpx2: bearer auth with refresh-on-401, typed errors, limits, retries, paging."""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Awaitable, Collection
from dataclasses import dataclass
from typing import Any, Protocol

import anyio
import httpx2

from .. import defaults
from .deadline import current_budget
from .errors import (
    AuthenticationFailed,
    SalesforceError,
    SalesforceUnreachable,
    UnexpectedResponse,
    api_error_from_response,
)
from .limits import LimitInfo
from .quoting import excerpt, quoted

logger = logging.getLogger(__name__)

IDEMPOTENT_METHODS = frozenset({"GET", "HEAD"})
DEFAULT_TIMEOUT = httpx2.Timeout(defaults.REQUEST_TIMEOUT, connect=defaults.CONNECT_TIMEOUT)


class CredentialSource(Protocol):
    """Where the client gets its bearer token (the auth package implements this)."""

    @property
    def instance_url(self) -> str: ...

    async def access_token(self) -> str: ...

    async def refresh(self, rejected_token: str) -> str: ...


@dataclass(frozen=True)
class RetryPolicy:
    """GETs retry on 503, timeouts and connection errors; other methods only when the request never left."""

    backoff: tuple[float, ...] = (0.25, 1.0)  # one sleep per retry; len() is the number of retries

    @property
    def retries(self) -> int:
        return len(self.backoff)


@dataclass
class Reply:
    status: int
    body: Any  # parsed JSON, or None for an empty body (204)
    limit_info: LimitInfo | None
    raw: bytes = b""
    content_type: str = ""

    def error(self) -> SalesforceError:
        """What to raise when an accepted status (say a 400) came with a body the operation does not document."""
        if self.status >= 400:
            return api_error_from_response(self.status, self.raw, self.content_type)
        return UnexpectedResponse(self.status, "the answer was not in the shape the API documents")


class RequestSlots:
    """At most `limit` requests in flight to the org at once, shared by every client of one org.

    Salesforce limits the requests of 20 s or longer an org runs at once: 25 in production orgs and sandboxes, 5 in
    Developer Edition and trial orgs; beyond that it answers REQUEST_LIMIT_EXCEEDED to every integration of the org,
    not only to us (Salesforce Developer Limits and Allocations Quick Reference, API Request Limits and Allocations:
    https://developer.salesforce.com/docs/platform/salesforce-app-limits-cheatsheet/guide/salesforce-app-limits-platform-api.html).
    When the org is slow every request becomes long-running, so the bound holds for all of them.
    """

    def __init__(self, limit: int = defaults.MAX_IN_FLIGHT) -> None:
        if limit < 1:
            raise ValueError("at least one request must be allowed in flight")
        self.limit = limit
        self._limiter: anyio.CapacityLimiter | None = None  # made in the event loop, on first use

    @property
    def limiter(self) -> anyio.CapacityLimiter:
        if self._limiter is None:
            self._limiter = anyio.CapacityLimiter(self.limit)
        return self._limiter

    @property
    def in_flight(self) -> int:
        return 0 if self._limiter is None else self._limiter.borrowed_tokens


class SalesforceClient:
    def __init__(
        self,
        credentials: CredentialSource,
        *,
        api_version: str = defaults.API_VERSION,
        transport: httpx2.AsyncBaseTransport | None = None,
        timeout: httpx2.Timeout = DEFAULT_TIMEOUT,
        retry: RetryPolicy | None = None,
        max_query_records: int = defaults.MAX_QUERY_RECORDS,
        slots: RequestSlots | None = None,
    ) -> None:
        self.credentials = credentials
        self.slots = slots or RequestSlots()
        self.api_version = api_version.removeprefix("v")
        self.retry = retry or RetryPolicy()
        self.max_query_records = max_query_records
        self.last_limit_info: LimitInfo | None = None
        self._http = httpx2.AsyncClient(transport=transport, timeout=timeout, follow_redirects=False)

    @property
    def data_path(self) -> str:
        return f"/services/data/v{self.api_version}"

    def url_for(self, path: str) -> str:
        """`/sobjects/...` is relative to the versioned data path; `/services/...` paths are taken as they are."""
        if not path.startswith("/services/"):
            path = self.data_path + path
        return self.credentials.instance_url + path

    async def aclose(self) -> None:
        await self._http.aclose()

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: dict[str, str] | None = None,
        json_body: Any = None,
        accept_statuses: Collection[int] = (),
    ) -> Reply:
        """Send one request; raise a SalesforceError (errors.py) unless the status is 2xx or in `accept_statuses`."""
        method = method.upper()
        # The token first: some sign-in modes learn the instance URL from the token response. Like a refresh, a
        # first sign-in is never cut off by a call's deadline (a stored login may rotate its refresh token on the
        # way); the token endpoint's own timeout bounds it.
        with anyio.CancelScope(shield=True):
            token = await self._credential(self.credentials.access_token())
        url = self.url_for(path)
        refreshed = False
        attempt = 0
        while True:
            try:
                response = await self._send(method, url, token, params, json_body)
            except (httpx2.ConnectError, httpx2.ConnectTimeout) as exc:
                # The request never reached Salesforce: safe to retry whatever the method.
                if attempt < self.retry.retries:
                    await self._backoff(attempt, method, url, exc)
                    attempt += 1
                    continue
                raise _unreachable(url, exc, may_have_run=False) from exc
            except httpx2.TransportError as exc:
                # Timed out or dropped mid-request: a POST may have run; only idempotent methods retry.
                if method in IDEMPOTENT_METHODS and attempt < self.retry.retries:
                    await self._backoff(attempt, method, url, exc)
                    attempt += 1
                    continue
                raise _unreachable(url, exc, may_have_run=method not in IDEMPOTENT_METHODS) from exc

            self.last_limit_info = LimitInfo.parse(response.headers.get("Sforce-Limit-Info")) or self.last_limit_info
            status = response.status_code
            if status == 401 and not refreshed and _is_invalid_session(response.content):
                # Salesforce sends no expiry: a rejected session is the signal to refresh, once, then retry. The
                # refresh is never cut off by a call's deadline: a rotated refresh token would be lost with it.
                with anyio.CancelScope(shield=True):
                    token = await self._credential(self.credentials.refresh(token))
                refreshed = True
                continue
            if status == 503 and method in IDEMPOTENT_METHODS and attempt < self.retry.retries:
                await self._backoff(attempt, method, url, None)
                attempt += 1
                continue
            content_type = response.headers.get("content-type", "")
            if 200 <= status < 300 or status in accept_statuses:
                return Reply(status, _parse_body(response), self.last_limit_info, response.content, content_type)
            raise api_error_from_response(status, response.content, content_type)

    @staticmethod
    async def _credential(pending: Awaitable[str]) -> str:
        """Auth failures become AuthenticationFailed; their messages are written to be shown (no secrets)."""
        try:
            return await pending
        except SalesforceError:
            raise
        except Exception as exc:
            raise AuthenticationFailed(str(exc) or type(exc).__name__) from exc

    async def _send(
        self, method: str, url: str, token: str, params: dict[str, str] | None, json_body: Any
    ) -> httpx2.Response:
        headers = {"Authorization": f"Bearer {token}", "Accept": "application/json"}
        content = None
        if json_body is not None:
            headers["Content-Type"] = "application/json"
            content = json.dumps(json_body).encode()
        budget = current_budget()
        changes = budget is not None and method not in IDEMPOTENT_METHODS
        async with self.slots.limiter:
            logger.debug("%s %s", method, url.split("?", 1)[0])
            if changes and budget is not None:
                budget.note_write(method, url.removeprefix(self.credentials.instance_url))
            try:
                return await self._http.request(method, url, params=params, content=content, headers=headers)
            except (httpx2.ConnectError, httpx2.ConnectTimeout):
                if changes and budget is not None:
                    budget.writes_sent.pop()  # it never left
                raise

    async def _backoff(self, attempt: int, method: str, url: str, exc: Exception | None) -> None:
        delay = self.retry.backoff[attempt]
        reason = type(exc).__name__ if exc else "503 Service Unavailable"
        logger.warning("%s %s failed (%s); retrying in %.2fs", method, url.split("?", 1)[0], reason, delay)
        await anyio.sleep(delay)

    async def get(self, path: str, params: dict[str, str] | None = None) -> Any:
        return (await self.request("GET", path, params=params)).body

    def _locator_path(self, url: Any, *, tooling: bool) -> str:
        """`nextRecordsUrl` is followed only as a query locator of the API and version the query went to.

        The REST API answers the next batch at /services/data/vXX.X/query/<locator>, the Tooling API at
        .../tooling/query/<locator> (REST API Developer Guide, Execute a SOQL Query); anything else the org hands
        back (another resource, an absolute URL, another version) is refused, not fetched.
        """
        match = _QUERY_LOCATOR.fullmatch(url) if isinstance(url, str) else None
        if (
            match is None
            or not isinstance(url, str)
            or match["version"] != self.api_version
            or bool(match["tooling"]) != tooling
        ):
            api = "Tooling " if tooling else ""
            expected = f"{self.data_path}/{'tooling/' if tooling else ''}query/<locator>"
            raise UnexpectedResponse(
                200,
                f"the org's nextRecordsUrl {quoted(url)} is not a query locator of this {api}query ({expected}); "
                "the next page was not fetched",
            )
        return url

    async def query(self, soql: str, *, tooling: bool = False, max_records: int | None = None) -> dict[str, Any]:
        """Run a SOQL query and follow `nextRecordsUrl` until done or `max_records` records are in hand.

        When the cap stops paging, the result says so: `done` stays false and `nextRecordsUrl` is kept.
        """
        cap = self.max_query_records if max_records is None else max_records
        result = await self.get("/tooling/query" if tooling else "/query", {"q": soql})
        if not isinstance(result, dict):
            raise UnexpectedResponse(200, "the query answer was not a JSON object")
        records: list[Any] = list(result.get("records") or [])
        page = result
        while not page.get("done", True) and page.get("nextRecordsUrl") and len(records) < cap:
            page = await self.get(self._locator_path(page["nextRecordsUrl"], tooling=tooling))
            if not isinstance(page, dict):
                raise UnexpectedResponse(200, "a page of the query answer was not a JSON object")
            records.extend(page.get("records") or [])
        merged = {**result, "records": records[:cap] if len(records) > cap else records}
        merged["done"] = bool(page.get("done", True)) and len(records) <= cap
        if merged["done"]:
            merged.pop("nextRecordsUrl", None)
        elif page.get("nextRecordsUrl"):
            merged["nextRecordsUrl"] = page["nextRecordsUrl"]
        return merged


# /services/data/v59.0/query/01gRO0000016PIAYA2-500 (locator: a cursor id, a dash, the offset of the next batch).
_QUERY_LOCATOR = re.compile(r"/services/data/v(?P<version>\d+\.\d+)/(?P<tooling>tooling/)?query/[A-Za-z0-9]+-\d+")


def _is_invalid_session(body: bytes) -> bool:
    try:
        parsed = json.loads(body)
    except ValueError:
        return False
    entries = parsed if isinstance(parsed, list) else [parsed]
    return any(isinstance(e, dict) and e.get("errorCode") == "INVALID_SESSION_ID" for e in entries)


# A \uD800-\uDFFF escape in the JSON text: json.loads joins valid pairs and keeps a lone half as is.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _without_lone_surrogates(value: Any) -> Any:
    """Lone surrogates replaced by U+FFFD: they are not text, and no UTF-8 writer (the stdio transport) takes them."""
    if isinstance(value, str):
        return _LONE_SURROGATE.sub("\ufffd", value)
    if isinstance(value, list):
        return [_without_lone_surrogates(item) for item in value]
    if isinstance(value, dict):
        return {_without_lone_surrogates(k): _without_lone_surrogates(v) for k, v in value.items()}
    return value


def _parse_body(response: httpx2.Response) -> Any:
    if not response.content.strip():
        return None
    try:
        body = response.json()
        return _without_lone_surrogates(body) if _SURROGATE_ESCAPE.search(response.content) else body
    except ValueError as exc:
        status = response.status_code
        if status >= 400:
            raise api_error_from_response(status, response.content, response.headers.get("content-type", "")) from exc
        shown = excerpt(" ".join(response.text.split()))
        raise UnexpectedResponse(
            status, f"Salesforce answered HTTP {status} with a body that is not JSON: {shown}"
        ) from exc


def _unreachable(url: str, exc: Exception, *, may_have_run: bool) -> SalesforceUnreachable:
    base = url.split("/services/", 1)[0]
    detail = str(exc) or type(exc).__name__
    return SalesforceUnreachable(
        f"could not reach Salesforce at {base} ({type(exc).__name__}: {detail}); check SALESFORCE_INSTANCE_URL "
        "and the network",
        may_have_run=may_have_run,
    )
