"""The streamable HTTP app in each auth mode, and serving it with uvicorn."""

from __future__ import annotations

import logging
import sys
from dataclasses import replace
from typing import TYPE_CHECKING

import uvicorn
from mcp.server.auth.settings import AuthSettings
from starlette.applications import Starlette
from starlette.types import ASGIApp

from ..config import EmbeddedOrg, OrgTarget, Settings
from ..connect import NotConfiguredError
from ..sockets import listening_socket
from .bearer import SharedTokenVerifier
from .binding import HttpOptions
from .governance import AuditLog, FlowPolicy, Governance, GovernanceError, RateLimit
from .health import ReadinessCheck, health_routes
from .identity import UserContext
from .shared_describes import shared_describes
from .store import SqliteStore

if TYPE_CHECKING:
    from ..runtime import Running
    from .oauth_app import OAuthServer

logger = logging.getLogger(__name__)


def readiness_checks(running: Running, oauth: OAuthServer | None = None) -> list[tuple[str, ReadinessCheck]]:
    async def flows() -> str | None:
        if running.flows is None or running.flows.is_ready:
            return None
        return "the first flow catalogue is still loading"

    checks: list[tuple[str, ReadinessCheck]] = [("flows", flows)]
    if oauth is not None:
        store = oauth.store

        async def store_answers() -> str | None:
            await store.ping()
            return None

        checks.append(("store", store_answers))
    return checks


def governance(running: Running, settings: Settings, options: HttpOptions, oauth: OAuthServer | None) -> Governance:
    audit = AuditLog(options.audit_log, inputs=options.audit_inputs) if options.audit_log else None
    limit = RateLimit.parse(options.rate_limit) if options.rate_limit else None
    store = oauth.store if oauth is not None else (SqliteStore(":memory:") if limit else None)
    return Governance(
        org=settings.instance_url or "the embedded demo org",
        audit=audit,
        policy=FlowPolicy(settings.include_flows, settings.exclude_flows),
        rate_limit=limit,
        store=store,
        flow_of_tool=lambda: running.flows.flow_of_tool if running.flows is not None else {},
        default_user="shared bearer token" if options.auth == "token" else "anonymous (loopback)",
    )


def build_http_app(
    running: Running, options: HttpOptions, oauth: OAuthServer | None = None, rules: Governance | None = None
) -> Starlette:
    routes = health_routes(readiness_checks(running, oauth))
    server = running.server
    if rules is not None:
        server.middleware.append(rules)
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
    if oauth is None:
        raise ValueError("--auth oauth needs its OAuth server")
    from mcp.server.auth.provider import ProviderTokenVerifier

    server.middleware.append(UserContext())
    auth = oauth.auth_settings()
    app = server.streamable_http_app(
        host=options.host,
        auth=auth,
        token_verifier=ProviderTokenVerifier(oauth.provider),  # type: ignore[arg-type]
        auth_server_provider=oauth.provider,
        custom_starlette_routes=routes + oauth.signin.routes(),
    )
    from .as_metadata import AuthorizationServerMetadata
    from .client_documents import ClientDocumentCheck

    app.add_middleware(AuthorizationServerMetadata, auth=auth, client_credentials=bool(oauth.machines))
    if oauth.provider.documents is not None:
        app.add_middleware(ClientDocumentCheck, documents=oauth.provider.documents)
    if oauth.machines:
        from .client_credentials import ClientCredentialsGrant

        app.add_middleware(ClientCredentialsGrant, provider=oauth.provider, clients=oauth.machines)
    return app


async def serve_http(settings: Settings, org: OrgTarget, options: HttpOptions) -> None:
    from ..runtime import mcp_server

    try:
        sock = listening_socket(options.host, options.port)
    except OSError as exc:
        raise NotConfiguredError(f"cannot listen on {options.host}:{options.port}: {exc}") from None
    options = replace(options, port=int(sock.getsockname()[1]))  # --port 0: the one the system picked
    oauth = None
    rules: Governance | None = None
    if options.auth == "oauth":
        from .oauth_app import OAuthSetupError, open_oauth_server

        if isinstance(org, EmbeddedOrg):
            sock.close()
            raise NotConfiguredError(
                "--auth oauth signs users in at a real org's login page, which the in-process demo org has not: run "
                "`salesforce-flow-mcp org serve` and point SALESFORCE_INSTANCE_URL / SALESFORCE_LOGIN_URL at it"
            )
        try:
            oauth = open_oauth_server(settings, options)
        except (OAuthSetupError, ValueError) as exc:
            sock.close()
            raise NotConfiguredError(str(exc)) from None
    # Replicas on one shared store share each org's describes too; one process keeps its file.
    shared = oauth is not None and not isinstance(oauth.store, SqliteStore)
    describes = shared_describes(oauth.store) if oauth is not None and shared else None
    try:
        async with mcp_server(settings, org, oauth.credentials if oauth else None, describes) as running:
            try:
                rules = governance(running, settings, options, oauth)
            except GovernanceError as exc:
                raise NotConfiguredError(str(exc)) from None
            app = build_http_app(running, options, oauth, rules)
            if options.token_generated:
                # Written straight to stderr, not logged: the log filter would mask it, and the operator needs it.
                sys.stderr.write(
                    "MCP bearer token (send 'Authorization: Bearer <token>'; fix it with --http-token): "
                    f"{options.token}\n"
                )
                sys.stderr.flush()
            config = uvicorn_config(app, options.host, options.port)
            logger.warning("MCP over streamable HTTP at %s (auth: %s)", options.resource_url, options.auth)
            await uvicorn.Server(config).serve(sockets=[sock])
    finally:
        sock.close()
        if oauth is not None:
            await oauth.aclose()
        if rules is not None and rules.audit is not None:
            rules.audit.close()


def uvicorn_config(app: ASGIApp, host: str, port: int) -> uvicorn.Config:
    """uvicorn without its own log handlers (log_config=None): its records reach the root handler, and so the
    masking filter, like every other log line; its default config would print them past the filter."""
    return uvicorn.Config(app, host=host, port=port, log_level="warning", log_config=None)
