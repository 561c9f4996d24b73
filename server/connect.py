"""From settings and an org target to a connected SalesforceClient: a real org through the auth package, or the
embedded org in-process."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import httpx2

from . import defaults
from .auth.credentials import Credentials, StaticCredentials, credentials_from_settings
from .auth.errors import AuthError, TokenEndpointUnavailable
from .auth.masking import register_secret
from .config import EmbeddedOrg, OrgTarget, Settings
from .salesforce.api_versions import choose_api_version
from .salesforce.client import RequestSlots, SalesforceClient
from .salesforce.describe_cache import default_cache_dir

# The in-process demo org is reached through an ASGI transport: this host name never touches the network.
DEMO_INSTANCE_URL = "http://127.0.0.1:0"


class NotConfiguredError(RuntimeError):
    """No org is configured (or its configuration cannot sign in); the message says how to get one."""


logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Connection:
    """A connected client, and how to make clients like it for short bursts of requests (each closed after its
    burst; None for the in-process org, whose transport has no connections to keep)."""

    client: SalesforceClient
    bursts: Callable[[], SalesforceClient] | None


@asynccontextmanager
async def connect(
    settings: Settings, org: OrgTarget, identity: Callable[[Credentials], Credentials] | None = None
) -> AsyncIterator[Connection]:
    """`identity` wraps the configured credentials (the remote server's per-user credentials); not for the embedded
    org. The client speaks the pinned API version, or the newest the org offers (one request, kept for a day)."""
    if isinstance(org, EmbeddedOrg):
        async with _embedded(settings, org) as client:
            yield Connection(client, None)
        return

    for secret in (settings.access_token, settings.refresh_token, settings.client_secret):
        register_secret(secret)  # masked in every result and log line, whoever echoes it
    try:
        credentials = credentials_from_settings(settings)
    except Exception as exc:
        raise NotConfiguredError(str(exc)) from exc
    if identity is not None:
        credentials = identity(credentials)
    reachable = True
    try:
        # The instance URL (which the version cache and the describe cache are keyed on) of some modes, the sf CLI's
        # and a refresh token's without SALESFORCE_INSTANCE_URL, is known once the first token is in.
        await credentials.access_token()
    except TokenEndpointUnavailable as exc:
        # A network blip at start is not a configuration problem: where the org's URL is known without a token, serve
        # as configured and let each call ask for a token again, instead of setup mode until a restart.
        if not _knows_instance_url(credentials):
            await credentials.aclose()
            raise NotConfiguredError(exc.message) from exc
        logger.warning("%s; serving anyway, the next call asks for a token again", exc.message)
        reachable = False
    except AuthError as exc:
        await credentials.aclose()
        raise NotConfiguredError(exc.message) from exc
    version = settings.api_version or defaults.API_VERSION
    client = SalesforceClient(credentials, api_version=version, slots=RequestSlots(settings.max_in_flight))
    try:
        if settings.api_version is None and reachable:
            client.api_version = await choose_api_version(client, _cache_dir(settings))
        bursts = partial(SalesforceClient, client.credentials, api_version=client.api_version, slots=client.slots)
        yield Connection(client, bursts)
    finally:
        await client.aclose()
        await credentials.aclose()


def _knows_instance_url(credentials: Credentials) -> bool:
    try:
        return bool(credentials.instance_url)
    except RuntimeError:  # the modes that learn it from their first token
        return False


@asynccontextmanager
async def _embedded(settings: Settings, org: EmbeddedOrg) -> AsyncIterator[SalesforceClient]:
    from .localorg.app import create_org_app
    from .localorg.store.state import DEMO_ACCESS_TOKEN, OrgState

    version = settings.api_version or defaults.API_VERSION
    state = OrgState.create(":memory:", org.flows_dir, access_token=DEMO_ACCESS_TOKEN, api_version=version)
    if org.actions_file is not None:
        try:
            state.actions.load_json(org.actions_file)
        except (OSError, ValueError) as exc:
            raise NotConfiguredError(f"cannot load the action stubs: {exc}") from exc
    transport: httpx2.AsyncBaseTransport = httpx2.ASGITransport(app=create_org_app(state))
    credentials = StaticCredentials(DEMO_INSTANCE_URL, DEMO_ACCESS_TOKEN)
    slots = RequestSlots(settings.max_in_flight)
    client = SalesforceClient(credentials, api_version=version, transport=transport, slots=slots)
    try:
        if settings.api_version is None:
            client.api_version = await choose_api_version(client, None)
        yield client
    finally:
        await client.aclose()


def _cache_dir(settings: Settings) -> Path | None:
    """Where the chosen API version is kept: the describe cache's folder ("" disables both)."""
    if settings.cache_dir == "":
        return None
    return Path(settings.cache_dir) if settings.cache_dir is not None else default_cache_dir()
