"""From settings to a connected SalesforceClient: a real org through the auth package, or the embedded demo org."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from functools import partial
from pathlib import Path

import httpx2

from .auth.credentials import Credentials, StaticCredentials, credentials_from_settings
from .auth.masking import register_secret
from .config import Settings
from .salesforce.client import RequestSlots, SalesforceClient

# The in-process demo org is reached through an ASGI transport: this host name never touches the network.
DEMO_INSTANCE_URL = "http://127.0.0.1:0"


def burst_client_factory(client: SalesforceClient, *, demo: bool = False) -> Callable[[], SalesforceClient] | None:
    """Clients like `client` (same credentials, API version and HTTP setup) for short bursts of requests, each closed
    after its burst; None for the in-process demo org, whose transport has no connections to keep."""
    if demo:
        return None
    return partial(SalesforceClient, client.credentials, api_version=client.api_version, slots=client.slots)


class NotConfiguredError(RuntimeError):
    """No org is configured; the message says how to get one."""


@asynccontextmanager
async def salesforce_client(
    settings: Settings,
    *,
    demo: bool = False,
    flows_dir: Path | None = None,
    identity: Callable[[Credentials], Credentials] | None = None,
) -> AsyncIterator[SalesforceClient]:
    """`identity` wraps the configured credentials (the remote server's per-user credentials); not with `demo`."""
    if demo:
        from .localorg.app import create_org_app
        from .localorg.store.state import DEMO_ACCESS_TOKEN, OrgState

        state = OrgState.create(":memory:", flows_dir, access_token=DEMO_ACCESS_TOKEN, api_version=settings.api_version)
        if settings.demo_actions:
            try:
                state.actions.load_json(Path(settings.demo_actions))
            except (OSError, ValueError) as exc:
                raise NotConfiguredError(f"cannot load the action stubs: {exc}") from exc
        transport: httpx2.AsyncBaseTransport = httpx2.ASGITransport(app=create_org_app(state))
        demo_credentials = StaticCredentials(DEMO_INSTANCE_URL, DEMO_ACCESS_TOKEN)
        client = SalesforceClient(
            demo_credentials,
            api_version=settings.api_version,
            transport=transport,
            slots=RequestSlots(settings.max_in_flight),
        )
        try:
            yield client
        finally:
            await client.aclose()
        return

    for secret in (settings.access_token, settings.refresh_token, settings.client_secret):
        register_secret(secret)  # masked in every result and log line, whoever echoes it
    try:
        credentials = credentials_from_settings(settings)
    except Exception as exc:
        raise NotConfiguredError(str(exc)) from exc
    if identity is not None:
        credentials = identity(credentials)
    client = SalesforceClient(credentials, api_version=settings.api_version, slots=RequestSlots(settings.max_in_flight))
    try:
        yield client
    finally:
        await client.aclose()
        await credentials.aclose()
