"""The embedded org as an ASGI app: Salesforce's REST routes for flows (both dialects), OAuth, and test hooks."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from . import (
    routes_actions,
    routes_composite,
    routes_flows,
    routes_hooks,
    routes_interviews,
    routes_misc,
    routes_query,
    routes_sobjects,
    routes_tooling,
)
from .app_middleware import OrgMiddleware
from .errors import SalesforceError, error_response
from .oauth import oauth_routes
from .routes_query import QueryPager
from .state import OrgState


async def _salesforce_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, SalesforceError)
    return error_response(exc.status, exc.error_code, exc.message, exc.fields)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Starlette's own 404/405 in Salesforce's shape."""
    assert isinstance(exc, HTTPException)
    if exc.status_code == 404:
        return error_response(404, "NOT_FOUND", "The requested resource does not exist")
    if exc.status_code == 405:
        allowed = (exc.headers or {}).get("Allow", "").replace(" ", "")
        message = f"HTTP Method '{request.method}' not allowed. Allowed are {allowed}"
        return error_response(405, "METHOD_NOT_ALLOWED", message, headers={"Allow": allowed})
    return error_response(exc.status_code, "UNKNOWN_EXCEPTION", str(exc.detail))


def create_org_app(state: OrgState) -> Starlette:
    api = [
        *routes_misc.routes(),
        *routes_actions.routes(),
        *routes_flows.routes(),  # before the generic record routes: /sobjects/Flow, POST /sobjects/FlowInterview
        *routes_interviews.routes(),
        *routes_tooling.routes(),
        *routes_query.routes(),
        *routes_composite.routes(),
        *routes_sobjects.routes(),
    ]
    app = Starlette(
        routes=[
            *routes_misc.top_routes(),
            Mount("/services/data/v{version}", routes=api),
            *oauth_routes(state),
            Mount("/__org", routes=routes_hooks.routes()),
        ],
        middleware=[Middleware(OrgMiddleware, state=state)],
        exception_handlers={SalesforceError: _salesforce_error, HTTPException: _http_error},
    )
    app.state.org = state
    app.state.pager = QueryPager()
    return app
