"""The streamable HTTP app in each auth mode, and serving it with uvicorn."""

from __future__ import annotations

import logging
import sys
from typing import TYPE_CHECKING

import uvicorn
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette

from .bearer import SharedTokenVerifier
from .binding import HttpOptions
from .health import ReadinessCheck, health_routes

if TYPE_CHECKING:
    from ..runtime import Running

logger = logging.getLogger(__name__)


def readiness_checks(running: Running) -> list[tuple[str, ReadinessCheck]]:
    async def flows() -> str | None:
        if running.flows is None or running.flows.is_ready:
            return None
        return "the first flow catalogue is still loading"

    return [("flows", flows)]


def build_http_app(running: Running, options: HttpOptions) -> Starlette:
    routes = health_routes(readiness_checks(running))
    server = running.server
    if options.auth == "none":
        return server.streamable_http_app(host=options.host, custom_starlette_routes=routes)
    if options.auth == "token":
        if options.token is None:
            raise ValueError("--auth token needs a token")
        # The SDK's bearer middleware needs AuthSettings; with no resource_server_url nothing advertises the issuer.
        settings = AuthSettings(issuer_url=options.base_url, resource_server_url=None)  # type: ignore[arg-type]
        return server.streamable_http_app(
            host=options.host,
            auth=settings,
            token_verifier=SharedTokenVerifier(options.token),
            custom_starlette_routes=routes,
        )
    raise NotImplementedError(f"--auth {options.auth} is not available yet")


async def serve_http(running: Running, options: HttpOptions) -> None:
    app = build_http_app(running, options)
    if options.token_generated:
        # Written straight to stderr, not logged: the log filter would mask it, and the operator needs to see it.
        sys.stderr.write(
            f"MCP bearer token (send 'Authorization: Bearer <token>'; fix it with --http-token): {options.token}\n"
        )
        sys.stderr.flush()
    config = uvicorn.Config(app, host=options.host, port=options.port, log_level="warning")
    logger.warning("MCP over streamable HTTP at %s (auth: %s)", options.resource_url, options.auth)
    await uvicorn.Server(config).serve()
