"""Helpers shared by the org's route modules: the org state, the caller's session, the request's API version,
JSON bodies parsed into Salesforce's JSON_PARSER_ERROR, and Id normalisation."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from ...sfid import is_api_name, is_salesforce_id, to_18
from ..errors import OrgError, not_found
from ..store.sessions import SessionInfo
from ..store.state import OrgState

MAX_BODY_BYTES = 10 * 1024 * 1024
# What a real org of Winter '27 serves: v31.0 up to v68.0 (v21-v30 are retired; docs/salesforce-behaviour.md).
SUPPORTED_VERSIONS = tuple(f"{n}.0" for n in range(31, 69))


def release_name(version: str) -> str:
    """Salesforce's release label of an API version: 50.0 is Winter '21, three releases a year."""
    n = int(float(version)) - 50
    return f"{('Winter', 'Spring', 'Summer')[n % 3]} '{21 + n // 3}"


def org_state(request: Request) -> OrgState:
    state: OrgState = request.app.state.org
    return state


def session(request: Request) -> SessionInfo:
    info: SessionInfo = request.scope["org.session"]
    return info


def api_version(request: Request) -> str:
    return str(request.path_params.get("version", org_state(request).api_version))


Endpoint = Callable[[Request], Awaitable[Response]]


def resource(path: str, **handlers: Endpoint) -> Route:
    """One route per path with a handler per method, so a 405 names every method the resource allows."""

    async def dispatch(request: Request) -> Response:
        handler = handlers.get(request.method) or handlers["GET"]  # HEAD is served by GET
        return await handler(request)

    methods = list(handlers) + (["HEAD"] if "GET" in handlers else [])
    return Route(path, dispatch, methods=methods)


def no_content() -> Response:
    return Response(status_code=204)


async def read_json(request: Request) -> Any:
    """The request body as JSON; Salesforce's JSON_PARSER_ERROR for an empty, oversized or malformed body."""
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise OrgError(413, "REQUEST_ENTITY_TOO_LARGE", f"The request body exceeds {MAX_BODY_BYTES} bytes")
        chunks.append(chunk)
    body = b"".join(chunks)
    if not body.strip():
        raise OrgError(400, "JSON_PARSER_ERROR", "No content to map due to end-of-input")
    try:
        return json.loads(body.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise OrgError(400, "JSON_PARSER_ERROR", "The request body is not UTF-8 encoded JSON") from None
    except json.JSONDecodeError as exc:
        raise OrgError(400, "JSON_PARSER_ERROR", f"{exc.msg} at [line:{exc.lineno}, column:{exc.colno}]") from None


async def read_json_object(request: Request) -> dict[str, Any]:
    body = await read_json(request)
    if not isinstance(body, dict):
        raise OrgError(
            400, "JSON_PARSER_ERROR", f"Cannot deserialize a {type(body).__name__} here: expected a JSON object"
        )
    return body


def record_id(raw: str, key_prefix: str) -> str:
    """An Id from a path as its 18-character form, or 404 NOT_FOUND when it is not an Id of that object."""
    if not is_salesforce_id(raw) or raw[:3] != key_prefix:
        raise not_found(f"Provided external ID field does not exist or is not accessible: {raw}")
    return to_18(raw[:15])


def flow_api_name(raw: str) -> str:
    if not is_api_name(raw):
        raise not_found(f"Invalid action name: {raw}")
    return raw
