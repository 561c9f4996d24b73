"""POST /composite/batch: up to 25 subrequests, run one after the other through the same app in-process."""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute
from starlette.types import Message

from ..errors import bad_request, json_response
from ..middleware import SUBREQUEST, UNCOUNTED
from .common import read_json_object, resource

MAX_SUBREQUESTS = 25
_METHODS = frozenset({"GET", "POST", "PATCH", "PUT", "DELETE", "HEAD"})
_URL_RE = re.compile(r"^(?:/services/data/)?(v\d+\.\d)(/[^?#]*)(?:\?([^#]*))?$")
HALTED = [{"errorCode": "BATCH_PROCESSING_HALTED", "message": "Batch processing halted per request"}]


def subrequest_list(body: dict[str, Any], key: str, too_many: str) -> list[Any]:
    """`body[key]`, a non-empty array of at most MAX_SUBREQUESTS subrequests (both composite resources' limit);
    `too_many` is the message for a longer one, formatted with `limit` and `count`."""
    subrequests = body.get(key)
    if not isinstance(subrequests, list) or not subrequests:
        raise bad_request("JSON_PARSER_ERROR", f"{key} must be a non-empty array of subrequests")
    if len(subrequests) > MAX_SUBREQUESTS:
        raise bad_request("LIMIT_EXCEEDED", too_many.format(limit=MAX_SUBREQUESTS, count=len(subrequests)))
    return subrequests


def method_and_url(
    sub: Any, label: str, error_code: str, methods: frozenset[str], url_pattern: re.Pattern[str], bad_url: str
) -> tuple[str, re.Match[str]]:
    """A subrequest's method (upper case) and its url matched against the resource's pattern, or a 400 with
    `error_code`; `bad_url` is the message for a url that does not match, formatted with `url`."""
    method = sub.get("method") if isinstance(sub, dict) else None
    url = sub.get("url") if isinstance(sub, dict) else None
    if not isinstance(method, str) or method.upper() not in methods:
        raise bad_request(error_code, f"{label}: invalid method {method!r}")
    match = url_pattern.match(url) if isinstance(url, str) else None
    if match is None:
        raise bad_request(error_code, f"{label}: " + bad_url.format(url=repr(url)))
    return method.upper(), match


def _subrequests(body: dict[str, Any]) -> list[tuple[str, str, str, bytes]]:
    """(method, path, query, body) per subrequest; a malformed batch is refused before anything runs."""
    batch = subrequest_list(
        body, "batchRequests", "A batch can contain at most {limit} subrequests; this one has {count}."
    )
    parsed: list[tuple[str, str, str, bytes]] = []
    for i, sub in enumerate(batch):
        method, match = method_and_url(
            sub,
            f"Subrequest {i}",
            "INVALID_BATCH_REQUEST",
            _METHODS,
            _URL_RE,
            "invalid url {url} (expected e.g. v59.0/actions/custom/flow)",
        )
        version, rest, query = match.groups()
        if rest.startswith("/composite"):
            raise bad_request("INVALID_BATCH_REQUEST", f"Subrequest {i}: a batch cannot contain composite requests")
        rich = sub.get("richInput")
        payload = json.dumps(rich).encode("utf-8") if rich is not None else b""
        parsed.append((method, f"/services/data/{version}{unquote(rest)}", query or "", payload))
    return parsed


async def dispatch(
    request: Request, method: str, path: str, query: str, payload: bytes, *, counted: bool = True
) -> tuple[int, Any]:
    """Run one subrequest through the app in-process; `counted`: it counts against the API limits on its own."""
    headers = [(k, v) for k, v in request.scope["headers"] if k in (b"authorization", b"sforce-query-options")]
    headers.append((b"content-type", b"application/json"))
    headers.append((b"content-length", str(len(payload)).encode()))
    scope = {
        **{
            k: v
            for k, v in request.scope.items()
            if k in ("type", "asgi", "http_version", "scheme", "client", "server")
        },
        "method": method,
        "path": path,
        "raw_path": path.encode("utf-8"),
        "query_string": query.encode("latin-1", "replace"),
        "root_path": "",
        "headers": headers,
        SUBREQUEST: True,
        UNCOUNTED: not counted,
        "org.session": request.scope["org.session"],
    }
    sent = False
    status = 500
    chunks: list[bytes] = []

    async def receive() -> Message:
        nonlocal sent
        if sent:
            return {"type": "http.disconnect"}
        sent = True
        return {"type": "http.request", "body": payload, "more_body": False}

    async def send(message: Message) -> None:
        nonlocal status
        if message["type"] == "http.response.start":
            status = int(message["status"])
        elif message["type"] == "http.response.body":
            chunks.append(message.get("body", b""))

    await request.app(scope, receive, send)
    body = b"".join(chunks)
    if not body:
        return status, None
    try:
        return status, json.loads(body)
    except ValueError:
        return status, body.decode("utf-8", "replace")


async def batch(request: Request) -> Response:
    body = await read_json_object(request)
    subrequests = _subrequests(body)
    halt = body.get("haltOnError") is True
    results: list[dict[str, Any]] = []
    halted = False
    for method, path, query, payload in subrequests:
        if halted:
            results.append({"statusCode": 412, "result": HALTED})
            continue
        status, result = await dispatch(request, method, path, query, payload)
        results.append({"statusCode": status, "result": result})
        halted = halt and status >= 400
    return json_response({"hasErrors": any(r["statusCode"] >= 400 for r in results), "results": results})


def routes() -> list[BaseRoute]:
    return [resource("/composite/batch", POST=batch)]
