"""POST /tooling/composite: up to 25 Tooling API subrequests in one call that counts once against the API limits.

As the Tooling API documents it (Improve Performance with the Composite Resource, v40+): subrequests over Tooling
sObject resources (vXX.X/tooling/sobjects/) and the Tooling query resource (at most five queries); a body of
`allOrNone` and `compositeRequest: [{method, url, referenceId, body?}]`; an answer of `compositeResponse: [{body,
httpHeaders, httpStatusCode, referenceId}]`; with allOrNone, a failed subrequest makes every other one answer 400.
https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_resources_composite_composite.htm
Not served here: references between subrequests (`@{referenceId.field}`) and allOrNone over writes (this org cannot
roll a write back): both are refused with a 400 that says so.
"""

from __future__ import annotations

import json
import re
from typing import Any
from urllib.parse import unquote

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import bad_request, json_response
from .common import read_json_object, resource
from .composite import dispatch, method_and_url, subrequest_list

MAX_QUERIES = 5
_URL_RE = re.compile(r"^/services/data/(v\d+\.\d)/tooling/(sobjects|query)(/[^?#]*)?(?:\?([^#]*))?$")
_METHODS = frozenset({"GET", "POST", "PATCH", "DELETE"})
ROLLED_BACK = [
    {
        "errorCode": "PROCESSING_HALTED",
        "message": "The transaction was rolled back since another operation in the same transaction failed.",
    }
]


def _parse(body: dict[str, Any]) -> list[tuple[str, str, str, str, bytes]]:
    """(referenceId, method, path, query, body) per subrequest; a malformed request is refused before any runs."""
    subrequests = subrequest_list(
        body, "compositeRequest", "A composite request can contain at most {limit} subrequests, not {count}."
    )
    parsed: list[tuple[str, str, str, str, bytes]] = []
    queries = 0
    for i, sub in enumerate(subrequests):
        if not isinstance(sub, dict):
            raise bad_request("INVALID_INPUT", f"Subrequest {i} is not an object")
        reference = sub.get("referenceId")
        if not isinstance(reference, str) or not reference:
            raise bad_request("INVALID_INPUT", f"Subrequest {i} needs a referenceId")
        method, match = method_and_url(
            sub,
            f"Subrequest {reference}",
            "INVALID_INPUT",
            _METHODS,
            _URL_RE,
            "url {url} is not a Tooling sObject or query resource (e.g. /services/data/v59.0/tooling/sobjects/Flow/"
            "301...)",
        )
        if "@{" in str(sub["url"]) or "@{" in json.dumps(sub.get("body")):
            raise bad_request("INVALID_INPUT", f"Subrequest {reference}: references are not served by the embedded org")
        version, kind, rest, query = match.groups()
        queries += kind == "query"
        payload = json.dumps(sub["body"]).encode("utf-8") if sub.get("body") is not None else b""
        parsed.append(
            (
                reference,
                method,
                f"/services/data/{version}/tooling/{kind}{unquote(rest or '')}",
                query or "",
                payload,
            )
        )
    if queries > MAX_QUERIES:
        raise bad_request(
            "LIMIT_EXCEEDED", f"A composite request can contain at most {MAX_QUERIES} queries, not {queries}."
        )
    if body.get("allOrNone") is True and any(method != "GET" for _, method, _, _, _ in parsed):
        raise bad_request(
            "INVALID_INPUT", "allOrNone with writes is not served by the embedded org (it cannot roll back)"
        )
    return parsed


async def composite(request: Request) -> Response:
    body = await read_json_object(request)
    answers: list[dict[str, Any]] = []
    for reference, method, path, query, payload in _parse(body):
        status, result = await dispatch(request, method, path, query, payload, counted=False)
        answers.append({"body": result, "httpHeaders": {}, "httpStatusCode": status, "referenceId": reference})
    if body.get("allOrNone") is True and any(a["httpStatusCode"] >= 400 for a in answers):
        for answer in answers:
            if answer["httpStatusCode"] < 400:
                answer.update(body=ROLLED_BACK, httpStatusCode=400)
    return json_response({"compositeResponse": answers})


def routes() -> list[BaseRoute]:
    return [resource("/tooling/composite", POST=composite)]
