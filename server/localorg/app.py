"""The embedded org as an ASGI app: Salesforce's REST routes for flows (both dialects), OAuth, and test hooks."""

from __future__ import annotations

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Mount

from .errors import OrgError, error_response
from .middleware import OrgMiddleware
from .oauth.endpoints import oauth_routes
from .routes import actions as routes_actions
from .routes import composite as routes_composite
from .routes import hooks as routes_hooks
from .routes import interviews as routes_interviews
from .routes import query as routes_query
from .routes import resources as routes_resources
from .routes import seed_flows as routes_seed_flows
from .routes import sobjects as routes_sobjects
from .routes import tooling as routes_tooling
from .routes import tooling_composite as routes_tooling_composite
from .routes.query import QueryPager
from .store.state import OrgState


async def _org_error(_request: Request, exc: Exception) -> Response:
    assert isinstance(exc, OrgError)
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
        *routes_resources.routes(),
        *routes_actions.routes(),
        *routes_seed_flows.routes(),  # before the generic record routes: /sobjects/Flow, POST /sobjects/FlowInterview
        *routes_interviews.routes(),
        *routes_tooling.routes(),
        *routes_query.routes(),
        *routes_composite.routes(),
        *routes_tooling_composite.routes(),
        *routes_sobjects.routes(),
    ]
    app = Starlette(
        routes=[
            *routes_resources.top_routes(),
            Mount("/services/data/v{version}", routes=api),
            *oauth_routes(state),
            Mount("/__org", routes=routes_hooks.routes()),
        ],
        middleware=[Middleware(OrgMiddleware, state=state)],
        exception_handlers={OrgError: _org_error, HTTPException: _http_error},
    )
    app.state.org = state
    app.state.pager = QueryPager()
    return app
