"""Test hooks under /__org/ (not part of Salesforce's API; a valid access token is required):

- POST /__org/expire-tokens              every access token issued so far answers 401 from now on
- POST /__org/latency {"ms": 50}         added to every later request (benchmarks)
- POST /__org/flows?name=ApiName         body: a *.flow-meta.xml; deploys a new flow or a new version of it
                                         (?activate=true|false overrides the file's <status>)
- POST /__org/fail {"status": 503, "count": 1, "body": "...", "contentType": "...", "pathPrefix": "/services/data"}
                                         the next `count` matching requests answer with that status and body
- GET  /__org/status                     API usage, latency and pending failures
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import bad_request, json_response
from ..flows.parse.loader import MAX_FLOW_BYTES, FlowLoadError
from ..store.state import FailPlan
from .common import no_content, org_state, read_json_object, resource

MAX_LATENCY_MS = 60_000
MAX_FAILURE_BODY = 1024 * 1024


async def expire_tokens(request: Request) -> Response:
    state = org_state(request)
    await state.call(state.sessions.expire_all_access_tokens)
    return no_content()


async def latency(request: Request) -> Response:
    body = await read_json_object(request)
    ms = body.get("ms")
    if isinstance(ms, bool) or not isinstance(ms, int | float) or not 0 <= ms <= MAX_LATENCY_MS:
        raise bad_request("INVALID_INPUT", f'"ms" must be a number of milliseconds from 0 to {MAX_LATENCY_MS}')
    org_state(request).runtime.latency_ms = float(ms)
    return json_response({"ms": ms})


async def deploy_flow(request: Request) -> Response:
    state = org_state(request)
    name = request.query_params.get("name", "")
    activate_text = request.query_params.get("activate")
    if activate_text not in (None, "true", "false"):
        raise bad_request("INVALID_INPUT", "activate must be true or false")
    activate = None if activate_text is None else activate_text == "true"
    source = await request.body()
    if len(source) > MAX_FLOW_BYTES:
        raise bad_request("INVALID_INPUT", f"A flow file can have at most {MAX_FLOW_BYTES} bytes")
    try:
        version = await state.call(state.deploy_flow_xml, source, name, activate=activate)
    except FlowLoadError as exc:
        raise bad_request("INVALID_INPUT", str(exc)) from None
    return json_response(
        {
            "id": version.id,
            "definitionId": version.definition.id,
            "apiName": version.api_name,
            "versionNumber": version.version_number,
            "status": version.status,
        },
        status=201,
    )


async def fail(request: Request) -> Response:
    body = await read_json_object(request)
    status, count, text = body.get("status", 500), body.get("count", 1), body.get("body", "")
    content_type = body.get("contentType")
    prefix = body.get("pathPrefix", "/services/")
    if not isinstance(status, int) or not 400 <= status <= 599:
        raise bad_request("INVALID_INPUT", '"status" must be an HTTP error status (400-599)')
    if not isinstance(count, int) or not 1 <= count <= 10_000:
        raise bad_request("INVALID_INPUT", '"count" must be a number of requests from 1 to 10000')
    if not isinstance(text, str) or len(text) > MAX_FAILURE_BODY:
        raise bad_request("INVALID_INPUT", f'"body" must be a string of at most {MAX_FAILURE_BODY} characters')
    if not isinstance(prefix, str) or not prefix.startswith("/"):
        raise bad_request("INVALID_INPUT", '"pathPrefix" must be a path starting with /')
    if content_type is None:
        content_type = _guess_content_type(text)
    if not isinstance(content_type, str):
        raise bad_request("INVALID_INPUT", '"contentType" must be a string')
    org_state(request).runtime.failures.append(FailPlan(status, text, content_type, count, prefix))
    return json_response({"status": status, "count": count, "pathPrefix": prefix})


def _guess_content_type(text: str) -> str:
    stripped = text.lstrip()
    if stripped.startswith("<"):
        return "text/html"
    if stripped[:1] in ("[", "{"):
        return "application/json"
    return "text/plain"


async def status(request: Request) -> Response:
    runtime = org_state(request).runtime
    return json_response(
        {
            "apiUsage": runtime.api_usage,
            "latencyMs": runtime.latency_ms,
            "failures": [
                {"status": f.status, "remaining": f.remaining, "pathPrefix": f.path_prefix} for f in runtime.failures
            ],
        }
    )


def routes() -> list[BaseRoute]:
    return [
        resource("/expire-tokens", POST=expire_tokens),
        resource("/latency", POST=latency),
        resource("/flows", POST=deploy_flow),
        resource("/fail", POST=fail),
        resource("/status", GET=status),
    ]
