"""The protocol features over stdio, as hosts run the server (`serve --demo` in a subprocess), in both eras:
confirmation through the elicitation callback, progress, resources, prompts, completions, logging (2025-11-25) and
icons; the long-call bound with the embedded org slowed down."""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterator
from typing import Any

import anyio
import httpx2
import mcp_types as types
import pytest
from mcp import Client, StdioServerParameters

from salesforce_flow_mcp.localorg.routes.common import SUPPORTED_VERSIONS
from tests.support import PROTOCOL_MODES, org_environment, org_serve

pytestmark = [pytest.mark.anyio, pytest.mark.slow]

SERVE_DEMO = [sys.executable, "-m", "salesforce_flow_mcp", "serve", "--demo"]
CONTACT = {"firstName": "Ada", "lastName": "Lovelace", "email": "ada@example.com"}


def server(*flags: str, **env: str) -> StdioServerParameters:
    return StdioServerParameters(command=SERVE_DEMO[0], args=[*SERVE_DEMO[1:], *flags], env={**os.environ, **env})


class User:
    def __init__(self, *answers: str) -> None:
        self.answers = list(answers)
        self.asked: list[str] = []

    async def __call__(self, ctx: Any, params: types.ElicitRequestParams) -> types.ElicitResult:
        self.asked.append(params.message)
        action = self.answers.pop(0)
        if action == "accept":
            return types.ElicitResult(action="accept", content={"confirm": True})
        return types.ElicitResult(action=action)  # type: ignore[arg-type]


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_confirmation_over_stdio(mode: str) -> None:
    user = User("decline", "cancel", "accept")
    async with Client(server(), mode=mode, elicitation_callback=user) as client:
        declined = await client.call_tool("flow_Create_Contact", CONTACT)
        cancelled = await client.call_tool("flow_Create_Contact", CONTACT)
        accepted = await client.call_tool("flow_Create_Contact", CONTACT)
        found = await client.call_tool("query_flows", {"q": "SELECT Id FROM FlowInterview"})
    assert declined.is_error and "declined" in declined.content[0].text  # type: ignore[union-attr]
    assert cancelled.is_error and "cancelled" in cancelled.content[0].text  # type: ignore[union-attr]
    assert not accepted.is_error and accepted.structured_content["contactId"].startswith("003")
    assert not found.is_error, "reads are not asked about"
    assert user.asked == ["Run flow Create_Contact for 1 record on the embedded org?"] * 3


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_resources_prompts_completions_progress_and_icons_over_stdio(mode: str) -> None:
    steps: list[tuple[float, float | None, str | None]] = []

    async def on_progress(progress: float, total: float | None, message: str | None) -> None:
        steps.append((progress, total, message))

    async with Client(server(), mode=mode) as client:
        listed = await client.list_resources()
        assert "salesforce-flow://flows/Route_Support_Case" in {r.uri for r in listed.resources}
        read = await client.read_resource("salesforce-flow://flows/Create_Contact")
        body = json.loads(read.contents[0].text)  # type: ignore[union-attr]
        assert body["metadata"]["creates"] == ["Contact"]
        prompts = {p.name for p in (await client.list_prompts()).prompts}
        assert "run_flow_safely" in prompts
        done = await client.complete(
            types.PromptReference(type="ref/prompt", name="run_flow_safely"), {"name": "flowApiName", "value": "Rou"}
        )
        assert done.completion.values == ["Route_Support_Case"]
        refreshed = await client.call_tool("refresh_flows", {}, progress_callback=on_progress)
        assert not refreshed.is_error and steps, "progress over stdio"
        tools = (await client.list_tools()).tools
        assert all(t.icons for t in tools)


@pytest.fixture(scope="module")
def live_org() -> Iterator[tuple[str, str]]:
    """`org serve` on a free loopback port (the embedded org over real HTTP, with its test hooks)."""
    with org_serve("--token", "stdio-test-token") as (base_url, _process):
        yield base_url, "stdio-test-token"


def against(org: tuple[str, str], *flags: str) -> StdioServerParameters:
    env = org_environment(*org, SALESFORCE_FLOW_MCP_CACHE="")
    return StdioServerParameters(command=SERVE_DEMO[0], args=[*SERVE_DEMO[1:3], "serve", *flags], env=env)


async def hook(org: tuple[str, str], path: str, body: Any) -> None:
    async with httpx2.AsyncClient(base_url=org[0], headers={"Authorization": f"Bearer {org[1]}"}) as http:
        (await http.post(path, json=body)).raise_for_status()


async def org_query(org: tuple[str, str], soql: str) -> dict[str, Any]:
    async with httpx2.AsyncClient(base_url=org[0], headers={"Authorization": f"Bearer {org[1]}"}) as http:
        response = await http.get("/services/data/v59.0/query", params={"q": soql})
        response.raise_for_status()
        result: dict[str, Any] = response.json()
        return result


async def test_logging_over_stdio_in_the_handshake_era(live_org: tuple[str, str]) -> None:
    got: list[types.LoggingMessageNotificationParams] = []
    arrived = anyio.Event()

    async def on_log(params: types.LoggingMessageNotificationParams) -> None:
        got.append(params)
        if "no metadata for flow Create_Contact" in str(params.data):  # other info lines may come first
            arrived.set()

    async with Client(against(live_org), mode="legacy", logging_callback=on_log) as client:
        assert client.server_capabilities.logging is not None
        with pytest.warns(Warning):
            await client.set_logging_level("info")
        await client.list_tools()  # the catalogue is in (its load reads flow metadata from the Tooling API too)
        # The flow's metadata cannot be read this once: the server logs that (at info) and still answers.
        # (the server speaks the newest version the org offers)
        prefix = f"/services/data/v{SUPPORTED_VERSIONS[-1]}/tooling"
        await hook(live_org, "/__org/fail", {"status": 500, "count": 1, "pathPrefix": prefix})
        read = await client.read_resource("salesforce-flow://flows/Create_Contact")
        assert "unreadable" in read.contents[0].text  # type: ignore[union-attr]
        with anyio.fail_after(10):
            await arrived.wait()
    assert any(p.level == "info" and "no metadata for flow Create_Contact" in str(p.data) for p in got)
    assert all("stdio-test-token" not in str(p.data) for p in got)


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_a_slow_flow_over_stdio_answers_still_running_and_runs_once(mode: str, live_org: tuple[str, str]) -> None:
    name = f"Slow{mode.replace('-', '')}"
    async with Client(against(live_org, "--long-call-seconds", "0.5"), mode=mode) as client:
        await client.list_tools()
        await hook(live_org, "/__org/latency", {"ms": 2000})
        try:
            result = await client.call_tool("flow_Create_Contact", {**CONTACT, "lastName": name})
        finally:
            await hook(live_org, "/__org/latency", {"ms": 0})
        text = result.content[0].text  # type: ignore[union-attr]
        assert result.is_error and "still running on the org" in text, text
        (link,) = [c for c in result.content if isinstance(c, types.ResourceLink)]
        with anyio.fail_after(30):
            while True:
                state = json.loads((await client.read_resource(link.uri)).contents[0].text)  # type: ignore[union-attr]
                if state["state"] != "running":
                    break
                await anyio.sleep(0.2)
        assert state["state"] == "finished", state
    found = await org_query(live_org, f"SELECT Id FROM Contact WHERE LastName = '{name}'")
    assert found["totalSize"] == 1, "it ran once"
