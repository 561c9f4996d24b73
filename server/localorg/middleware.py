"""The org's outer ASGI layer: API usage counting and the Sforce-Limit-Info header, injected failures and latency
(test hooks), bearer-token checks, API version checks, and a Salesforce-shaped 500 for anything unhandled."""

from __future__ import annotations

import logging
import re
import secrets

import anyio
from starlette.datastructures import Headers, MutableHeaders
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import INVALID_SESSION, OrgError, error_response
from .routes.common import SUPPORTED_VERSIONS
from .store.state import API_LIMIT, OrgState

log = logging.getLogger(__name__)

_VERSIONED = re.compile(r"^/services/data/v([^/]+)(?:/|$)")
_VERSIONS = frozenset(SUPPORTED_VERSIONS)
# Versions 7.0 through 30.0 are retired: REST answers 410 GONE (API End-of-Life Policy); the body is not documented.
_RETIRED_VERSIONS = frozenset(f"{n}.0" for n in range(7, 31))
HOOK_PREFIX = "/__org/"
SUBREQUEST = "org.subrequest"  # scope key: a composite subrequest, checked once with its batch (counted alone)
UNCOUNTED = "org.uncounted"  # scope key: a subrequest of a Tooling composite request, which counts once as a whole


class OrgMiddleware:
    def __init__(self, app: ASGIApp, state: OrgState) -> None:
        self.app = app
        self.state = state

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        path: str = scope["path"]
        runtime = self.state.runtime
        is_hook = path.startswith(HOOK_PREFIX)
        is_api = path == "/services/data" or path.startswith("/services/data/")
        top_level = not scope.get(SUBREQUEST)
        if is_api and not scope.get(UNCOUNTED):
            # Every composite subrequest counts against the API limits (REST API guide, Composite Batch); whether
            # the batch request counts as well is not documented: counted, so usage figures are an upper bound.
            runtime.api_usage += 1
        started = False

        async def send_with_limits(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if is_api:
                    headers = MutableHeaders(scope=message)
                    headers["Sforce-Limit-Info"] = f"api-usage={runtime.api_usage}/{API_LIMIT}"
            await send(message)

        try:
            if not is_hook and top_level:
                plan = runtime.take_failure(path)
                if plan is not None:
                    response = Response(plan.body, status_code=plan.status, media_type=plan.content_type)
                    await response(scope, receive, send_with_limits)
                    return
                if runtime.latency_ms > 0:
                    await anyio.sleep(runtime.latency_ms / 1000)
            error = self._check(scope, path, is_api, is_hook)
            if error is not None:
                await error_response(error.status, error.error_code, error.message)(scope, receive, send_with_limits)
                return
            await self.app(scope, receive, send_with_limits)
        except Exception:
            error_id = f"{secrets.randbelow(10**9)}-{secrets.randbelow(10**5)}"
            log.exception("Unhandled error in the embedded org (ErrorId %s) for %s %s", error_id, scope["method"], path)
            if started:
                raise
            await error_response(
                500,
                "UNKNOWN_EXCEPTION",
                f"An unexpected error occurred. Please include this ErrorId if you contact support: {error_id}",
            )(scope, receive, send_with_limits)

    def _check(self, scope: Scope, path: str, is_api: bool, is_hook: bool) -> OrgError | None:
        """Auth for the API (except the public versions list) and the test hooks, then the API version."""
        if not (is_hook or (is_api and path.rstrip("/") != "/services/data")):
            return None
        if "org.session" not in scope:
            auth = Headers(scope=scope).get("authorization", "")
            scheme, _, token = auth.partition(" ")
            info = self.state.sessions.validate(token.strip()) if scheme.lower() in ("bearer", "oauth") else None
            if info is None:
                return INVALID_SESSION
            scope["org.session"] = info
        match = _VERSIONED.match(path)
        if is_api and match is not None and match.group(1) in _RETIRED_VERSIONS:
            return OrgError(410, "GONE", f"API version {match.group(1)} is retired; use one that /services/data lists")
        if is_api and match is not None and match.group(1) not in _VERSIONS:
            return OrgError(404, "NOT_FOUND", "The requested resource does not exist")
        return None
