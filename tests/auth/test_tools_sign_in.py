"""Sign-in seen through the MCP tools: 100 concurrent calls on an expired token share one refresh, a revoked login
is a tool error that says what to do, and nothing the server writes contains a token."""

from __future__ import annotations

from typing import Any

import anyio
import pytest
from mcp import Client

from salesforce_flow_mcp.auth.token_store import TokenStore
from salesforce_flow_mcp.config import Settings
from salesforce_flow_mcp.runtime import assemble
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from tests.support import text_of

from .helpers import Org, assert_no_secrets, stored_credentials, stored_sign_in

pytestmark = pytest.mark.anyio


async def test_a_hundred_tool_calls_on_an_expired_token_share_one_refresh(
    org: Org, store: TokenStore, captured_logs: pytest.LogCaptureFixture
) -> None:
    login = await stored_sign_in(org, store)
    credentials = stored_credentials(org, store)
    salesforce = SalesforceClient(credentials, transport=org.transport)
    running = assemble(salesforce, Settings(cache_dir="", refresh_interval=0))
    outputs: list[str] = []
    async with anyio.create_task_group() as group, Client(running.server, mode="legacy") as client:
        assert running.flows is not None
        group.start_soon(running.flows.run)
        await running.flows.wait_ready()
        org.state.sessions.expire_all_access_tokens()
        before = org.token_requests
        results: list[Any] = [None] * 100

        async def call(i: int) -> None:
            arguments = {"quantity": i, "unitPrice": 1} if i % 2 else {}
            results[i] = await client.call_tool("flow_Quote_Discount_Calculator" if i % 2 else "list_flows", arguments)

        async with anyio.create_task_group() as calls:
            for i in range(100):
                calls.start_soon(call, i)
        assert all(not r.is_error for r in results), [text_of(r) for r in results if r.is_error][:3]
        assert org.token_requests - before == 1, "one refresh for all 100 calls"
        assert results[7].structured_content["discountedTotal"] == 7
        outputs += [text_of(r) for r in results]

        # The refresh token is revoked (an admin, or `logout` elsewhere): a clear tool error, and the server lives on.
        stored = store.load()
        assert stored is not None and stored.refresh_token
        org.state.sessions.revoke(stored.refresh_token)
        org.state.sessions.expire_all_access_tokens()
        failed = await client.call_tool("list_invocable_flows", {})
        assert failed.is_error and "login" in text_of(failed), text_of(failed)
        outputs.append(text_of(failed))
        assert len((await client.list_tools()).tools) > 10
        group.cancel_scope.cancel()
    await salesforce.aclose()
    await credentials.aclose()
    secrets = [login.access_token, login.refresh_token, stored.access_token, stored.refresh_token]
    assert_no_secrets(outputs + [r.getMessage() for r in captured_logs.records], secrets)
