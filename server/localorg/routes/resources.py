"""GET /services/data (versions), /services/data/vXX.X (resources) and /limits."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import json_response
from ..store.state import API_LIMIT
from .common import SUPPORTED_VERSIONS, api_version, org_state, release_name, resource

_RESOURCES = ("actions", "composite", "limits", "query", "sobjects", "tooling")
# Other daily limits Salesforce lists, at a Developer Edition's size; none of them is consumed here.
_STATIC_LIMITS = {
    "DailyAsyncApexExecutions": 250000,
    "DailyBulkApiBatches": 15000,
    "DailyWorkflowEmails": 15,
    "DataStorageMB": 5,
    "FileStorageMB": 20,
    "HourlyTimeBasedWorkflow": 50,
    "SingleEmail": 15,
}


async def versions(request: Request) -> Response:
    return json_response(
        [{"label": release_name(v), "url": f"/services/data/v{v}", "version": v} for v in SUPPORTED_VERSIONS]
    )


async def resources(request: Request) -> Response:
    version = api_version(request)
    return json_response({name: f"/services/data/v{version}/{name}" for name in _RESOURCES})


async def limits(request: Request) -> Response:
    used = org_state(request).runtime.api_usage
    body = {"DailyApiRequests": {"Max": API_LIMIT, "Remaining": max(API_LIMIT - used, 0)}}
    body.update({name: {"Max": cap, "Remaining": cap} for name, cap in _STATIC_LIMITS.items()})
    return json_response(body)


def top_routes() -> list[BaseRoute]:
    """Routes outside the versioned mount."""
    return [
        resource("/services/data", GET=versions),
        resource("/services/data/", GET=versions),
        resource("/services/data/v{version}", GET=resources),
    ]


def routes() -> list[BaseRoute]:
    return [resource("/limits", GET=limits)]
