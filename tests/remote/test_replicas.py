"""Two replicas of `serve --auth oauth` on one real redis-server (issue: scale out on Redis): a person signs in
through one and calls through the other, and concurrent calls on expired Salesforce sessions, spread over both
replicas, make one refresh per person (the refresh lock lives in Redis).

Both replicas have the same public URL (what a load balancer gives them), so a token is for the same resource
(RFC 8707) whichever replica checks it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import anyio
import pytest
from cryptography.fernet import Fernet

from .browser import MemoryStorage, oauth_client
from .live_org import LiveOrg, live_org
from .procs import Served, bearer_client, free_port, serve_http
from .redis_server import redis_server
from .test_oauth import oauth_env

pytestmark = [pytest.mark.anyio, pytest.mark.slow]
CAROL, DAN = "carol@team.example", "dan@team.example"


@dataclass
class Replicas:
    org: LiveOrg
    one: Served
    two: Served


@pytest.fixture(scope="module")
def replicas(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Replicas]:
    tmp = tmp_path_factory.mktemp("replicas")
    key = Fernet.generate_key().decode()
    with redis_server(tmp) as redis_url, live_org() as org:
        org.add_user(CAROL, "Carol")
        org.add_user(DAN, "Dan")
        port_one, port_two = free_port(), free_port()
        public = f"http://127.0.0.1:{port_one}"
        org.register_team_app(f"{public}/oauth/salesforce/callback")
        env = oauth_env(org, tmp / "unused.db", key)
        args = ["--auth", "oauth", "--public-url", public, "--store", redis_url]
        with (
            serve_http(args, tmp, env, port=port_one) as one,
            serve_http(args, tmp, env, port=port_two) as two,
        ):
            yield Replicas(org, one, two)


async def sign_in(replicas: Replicas, username: str) -> str:
    storage = MemoryStorage()
    async with oauth_client(replicas.one.url, username, "legacy", storage) as client:
        assert not (await client.call_tool("flow_Who_Am_I", {})).is_error
    assert storage.tokens is not None
    return storage.tokens.access_token


@pytest.mark.parametrize("mode", ["legacy", "2026-07-28"])
async def test_sign_in_through_one_replica_and_call_through_the_other(replicas: Replicas, mode: str) -> None:
    token = await sign_in(replicas, CAROL)
    async with bearer_client(replicas.two.url, token, mode) as client:
        result = await client.call_tool("flow_Who_Am_I", {})
    assert not result.is_error and result.structured_content["username"] == CAROL


async def test_expired_sessions_refresh_once_per_person_across_replicas(replicas: Replicas) -> None:
    tokens = {CAROL: await sign_in(replicas, CAROL), DAN: await sign_in(replicas, DAN)}
    with replicas.org.state.lock:
        replicas.org.state.sessions.expire_all_access_tokens()
    before = replicas.org.token_requests
    seen: list[tuple[str, str]] = []

    async def calls(username: str, served: Served) -> None:
        async with bearer_client(served.url, tokens[username], "2026-07-28") as client:

            async def one() -> None:
                result = await client.call_tool("flow_Who_Am_I", {})
                assert not result.is_error, result
                seen.append((username, str(result.structured_content["username"])))

            async with anyio.create_task_group() as group:
                for _ in range(12):
                    group.start_soon(one)

    async with anyio.create_task_group() as group:
        for username in (CAROL, DAN):
            for served in (replicas.one, replicas.two):
                group.start_soon(calls, username, served)
    assert len(seen) == 48 and all(asked == ran for asked, ran in seen)
    # The org's token endpoint: one refresh per person, not one per replica or per call. The catalogue identity
    # (client credentials) keeps its own token, which the expiry also ended; it renews only when it is next used.
    assert replicas.org.token_requests - before == 2
