"""Two `serve` processes, one stored login whose refresh token rotates: the store's lock is held from the read through
the refresh to the write, so only one process spends the refresh token and the other takes the new access token.

Salesforce documents that with refresh token rotation "the connected app issues a new refresh token along with the
access token each time ... The previous refresh token is automatically invalidated"
(https://help.salesforce.com/s/articleView?id=remoteaccess_oauth_refresh_token_flow.htm), and answers a spent one
with 400 invalid_grant; the embedded org does the same for an app configured with rotate_refresh_tokens.
"""

from __future__ import annotations

import multiprocessing
import socket
from pathlib import Path
from typing import Any

import anyio
import anyio.from_thread
import pytest
import uvicorn

from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.localorg.app import create_org_app
from salesforce_flow_mcp.localorg.store.state import OrgState

from .helpers import CountingApp, Org, stored_sign_in

ROUNDS = 6
CALLS_PER_ROUND = 3
FLOWS = "/actions/custom/flow"


def _worker(home: str, barrier: Any, results: Any) -> None:
    """One `serve`-like process: its own credentials over real HTTP; each round, calls that all meet a 401."""
    from salesforce_flow_mcp.auth.credentials import credentials_from_settings
    from salesforce_flow_mcp.config import Settings
    from salesforce_flow_mcp.salesforce.client import SalesforceClient
    from salesforce_flow_mcp.salesforce.errors import SalesforceError

    async def run() -> None:
        credentials = credentials_from_settings(Settings(), store=TokenStore(Path(home)))
        client = SalesforceClient(credentials)
        try:
            await client.get(FLOWS)  # the first token, before the first expiry
            for _ in range(ROUNDS):
                await anyio.to_thread.run_sync(barrier.wait)  # the test expired every access token meanwhile

                async def one() -> None:
                    try:
                        await client.get(FLOWS)
                        results.put("ok")
                    except SalesforceError as exc:
                        results.put(f"failed: {exc}")

                async with anyio.create_task_group() as group:
                    for _ in range(CALLS_PER_ROUND):
                        group.start_soon(one)
                await anyio.to_thread.run_sync(barrier.wait)
        finally:
            await client.aclose()
            await credentials.aclose()

    anyio.run(run)


@pytest.mark.slow
def test_two_processes_share_a_rotating_login_without_a_failed_call(store: TokenStore) -> None:
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(64)
    url = f"http://127.0.0.1:{listener.getsockname()[1]}"
    state = OrgState.create(base_url=url)
    app = CountingApp(create_org_app(state))
    org = Org(state, app, __import__("httpx2").ASGITransport(app=app), url)
    org.apps.configure("PlatformCLI", rotate_refresh_tokens=True)
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(3)
    results = context.Queue()
    with anyio.from_thread.start_blocking_portal() as portal:
        serving = portal.start_task_soon(server.serve, [listener])
        try:
            first = portal.call(stored_sign_in, org, store)
            workers = [context.Process(target=_worker, args=(str(store.home), barrier, results)) for _ in range(2)]
            for process in workers:
                process.start()
            for _ in range(ROUNDS):
                state.sessions.expire_all_access_tokens()
                barrier.wait(timeout=120)  # go
                barrier.wait(timeout=120)  # every call of the round answered
            for process in workers:
                process.join(timeout=120)
                assert process.exitcode == 0
        finally:
            server.should_exit = True
            serving.result(timeout=30)
            listener.close()
    answers = [results.get(timeout=10) for _ in range(2 * ROUNDS * CALLS_PER_ROUND)]
    assert answers == ["ok"] * len(answers), [a for a in answers if a != "ok"][:3]
    stored = store.load()
    assert stored is not None and stored.refresh_token != first.refresh_token, "the token rotated and was kept"
    refreshes = org.token_requests - 1  # the sign-in's code exchange
    assert ROUNDS <= refreshes <= 2 * ROUNDS, f"about one refresh per round, not one per call: {refreshes}"
    state.close()
