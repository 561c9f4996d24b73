"""The embedded org on a real socket in a thread of the test process, so a test can both sign people in through
its login page over HTTP and reach into its state (add users, count token requests)."""

from __future__ import annotations

import contextlib
import json
import threading
import time
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import uvicorn
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.oauth.connected_apps import ConnectedApp, connected_apps
from salesforce_flow_mcp.localorg.store.state import OrgState

from .procs import free_port

FLOWS = Path(__file__).parent / "flows"
TEAM_APP = "TeamApp"
TEAM_SECRET = "team-app-secret-0123456789"
INTEGRATION_USER = "integration@embedded-org.localhost"


class Counting:
    """Counts requests per (method, path), and keeps every token the token endpoint hands out."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app
        self.counts: Counter[tuple[str, str]] = Counter()
        self.issued: list[str] = []

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        self.counts[(scope["method"], scope["path"])] += 1
        if scope["path"] != "/services/oauth2/token":
            await self.app(scope, receive, send)
            return

        async def keep(message: Message) -> None:
            if message["type"] == "http.response.body" and message.get("body"):
                with contextlib.suppress(ValueError):
                    body = json.loads(message["body"])
                    self.issued += [body[k] for k in ("access_token", "refresh_token") if isinstance(body.get(k), str)]
            await send(message)

        await self.app(scope, receive, keep)


@dataclass
class LiveOrg:
    state: OrgState
    base_url: str
    app: Counting

    def add_user(self, username: str, last_name: str) -> str:
        with self.state.lock:
            return self.state.records.insert(
                "User",
                {
                    "Username": username,
                    "LastName": last_name,
                    "Email": username,
                    "Alias": last_name[:8],
                    "IsActive": True,
                },
            )

    def register_team_app(self, callback_url: str, *, rotate: bool = False) -> None:
        """The team's External Client App: auth code + PKCE for people, client credentials for the server."""
        connected_apps(self.state).register(
            ConnectedApp(
                TEAM_APP,
                name="Team MCP server",
                client_secret=TEAM_SECRET,
                callback_urls=(callback_url,),
                rotate_refresh_tokens=rotate,
                client_credentials_user=INTEGRATION_USER,
            )
        )

    def register_app(self, client_id: str, secret: str, run_as: str) -> None:
        """Another app, used only for the client-credentials flow (a machine client's own Salesforce identity)."""
        connected_apps(self.state).register(
            ConnectedApp(client_id, client_secret=secret, client_credentials_user=run_as)
        )

    @property
    def token_requests(self) -> int:
        return self.app.counts[("POST", "/services/oauth2/token")]


@contextmanager
def live_org(flows: Path = FLOWS) -> Iterator[LiveOrg]:
    port = free_port()
    base_url = f"http://127.0.0.1:{port}"
    state = OrgState.create(":memory:", flows, base_url=base_url)
    org = LiveOrg(state, base_url, Counting(create_org_app(state)))
    org.add_user(INTEGRATION_USER, "Integration")
    server = uvicorn.Server(uvicorn.Config(org.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, name="embedded-org", daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            raise AssertionError("the embedded org did not start")
        time.sleep(0.05)
    try:
        yield org
    finally:
        server.should_exit = True
        thread.join(timeout=30)
        state.close()
