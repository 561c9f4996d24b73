"""Serve the embedded org over HTTP with uvicorn (`org serve`)."""

from __future__ import annotations

import logging
import secrets
import socket
from collections.abc import Callable
from pathlib import Path

import anyio
import uvicorn

from .. import defaults
from ..sockets import listening_socket
from .app import create_org_app
from .flows.engine.governor import DEFAULT_LOOP_GUARD
from .oauth.connected_apps import DEFAULT_CLI_CALLBACK, ConnectedApp, connected_apps
from .store.records import ADMIN_USERNAME
from .store.state import OrgState

log = logging.getLogger(__name__)


class _Server(uvicorn.Server):
    """uvicorn's server, telling when its startup is over (it has no event for that)."""

    def __init__(self, config: uvicorn.Config) -> None:
        super().__init__(config)
        self.startup_over = anyio.Event()

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        try:
            await super().startup(sockets=sockets)
        finally:
            self.startup_over.set()


def _url_host(host: str) -> str:
    return f"[{host}]" if ":" in host else host


async def serve_org(
    host: str,
    port: int,
    db_path: str | None,
    flows_dir: Path | None,
    token: str | None,
    ready: Callable[[str, str], None] | None = None,
    *,
    api_version: str = defaults.API_VERSION,
    ssl_certfile: str | None = None,
    ssl_keyfile: str | None = None,
    actions_file: Path | None = None,
    client_credentials: tuple[str, str] | None = None,
    partial_save: bool = False,
    loop_guard: int = DEFAULT_LOOP_GUARD,
) -> None:
    """Run the org until cancelled (or until uvicorn is told to stop by a signal).

    port 0 picks a free port; `ready(base_url, token)` is called once the socket accepts connections. Without a
    token a random one is minted (printing it is the caller's business). A db_path keeps state across restarts.
    With a certificate and key the org speaks https (for clients that insist on it, such as simple-salesforce).
    `actions_file` holds canned outputs for actions the org cannot run (Apex and other external actions).
    `client_credentials` (client id, secret) registers a connected app that answers the client-credentials grant.
    `partial_save` is the org's InvocableActionSettings.isPartialSaveAllowed (off, as in an org that has not turned
    that critical update on); `loop_guard` the executed-element count at which an interview is stopped as endless.
    """
    sock = listening_socket(host, port)
    actual_port = sock.getsockname()[1]
    scheme = "https" if ssl_certfile else "http"
    base_url = f"{scheme}://{_url_host(host)}:{actual_port}"
    access_token = token or f"00D!{secrets.token_urlsafe(32)}"
    state = await anyio.to_thread.run_sync(
        lambda: OrgState.create(
            db_path or ":memory:",
            flows_dir,
            access_token=access_token,
            api_version=api_version,
            base_url=base_url,
            partial_save=partial_save,
            loop_guard=loop_guard,
        )
    )
    if actions_file is not None:
        state.actions.load_json(actions_file)
    if client_credentials is not None:
        # A connected app whose client id and secret get a token with the client-credentials grant, run as the admin.
        client_id, client_secret = client_credentials
        connected_apps(state).register(
            ConnectedApp(
                client_id,
                name="Embedded org client",
                client_secret=client_secret,
                callback_urls=(DEFAULT_CLI_CALLBACK,),
                client_credentials_user=ADMIN_USERNAME,
            )
        )
    config = uvicorn.Config(
        create_org_app(state),
        log_level="warning",
        access_log=False,
        lifespan="off",
        timeout_graceful_shutdown=2,
        ssl_certfile=ssl_certfile,
        ssl_keyfile=ssl_keyfile,
    )
    server = _Server(config)
    stopped = anyio.Event()

    async def run_server() -> None:
        try:
            # Shielded: the server stops through should_exit, so open connections are closed cleanly.
            with anyio.CancelScope(shield=True):
                await server.serve(sockets=[sock])
        finally:
            stopped.set()

    try:
        async with anyio.create_task_group() as tg:
            tg.start_soon(run_server)
            try:
                await server.startup_over.wait()
                if server.started and ready is not None:
                    ready(base_url, access_token)
                await stopped.wait()
            finally:
                server.should_exit = True
    finally:
        sock.close()
        await anyio.to_thread.run_sync(state.close)
        log.info("Embedded org at %s stopped", base_url)
