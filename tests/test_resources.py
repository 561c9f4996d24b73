"""Flows as resources through the official mcp client, in both protocol eras: the list (paged, pinned as a snapshot),
the templates, reading a flow (its describe and its metadata summary), list_changed and updated notifications.

To accept an intended change of the list: UPDATE_SNAPSHOTS=1 pytest tests/test_resources.py
"""

from __future__ import annotations

import json
import os
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from salesforce_flow_mcp.mcp_features import resources as flow_resources
from tests.support import PROTOCOL_MODES, REPO, Stack, org_stack
from tests.test_flow_tools import DEMO_FLOW_TOOLS

pytestmark = pytest.mark.anyio

SNAPSHOT = REPO / "tests" / "snapshots" / "resources_list.json"
DEMO_FLOWS = sorted(tool.removeprefix("flow_") for tool in DEMO_FLOW_TOOLS)  # one resource per invocable flow


def contents(result: types.ReadResourceResult) -> Any:
    (item,) = result.contents
    assert isinstance(item, types.TextResourceContents) and item.mime_type == "application/json"
    return json.loads(item.text)


async def server_capabilities(stack: Stack, mode: str) -> types.ServerCapabilities:
    """What the server offers: from the handshake (2025-11-25) or server/discover (2026-07-28; a client pinned to
    that version skips discovery, so the test asks)."""
    if mode == "legacy":
        return stack.mcp.server_capabilities
    discovered = await stack.mcp.session.send_request(types.DiscoverRequest(), types.DiscoverResult)
    return discovered.capabilities


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_resources_list_matches_snapshot(mode: str) -> None:
    async with org_stack(mode) as stack:
        listed = await stack.mcp.list_resources()
        wire = [r.model_dump(by_alias=True, exclude_none=True, mode="json") for r in listed.resources]
        templates = await stack.mcp.list_resource_templates()
        wire_templates = [
            t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in templates.resource_templates
        ]
        snapshot = {"resources": wire, "resourceTemplates": wire_templates}
        if os.environ.get("UPDATE_SNAPSHOTS") == "1" and mode == "legacy":
            SNAPSHOT.write_text(json.dumps(snapshot, indent=2, sort_keys=True) + "\n")
        assert json.loads(json.dumps(snapshot, sort_keys=True)) == json.loads(SNAPSHOT.read_text())
        assert [r.name for r in listed.resources] == DEMO_FLOWS
        capabilities = (await server_capabilities(stack, mode)).resources
        assert capabilities is not None and capabilities.list_changed and capabilities.subscribe


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_reading_a_flow_gives_its_describe_and_what_it_touches(mode: str) -> None:
    async with org_stack(mode) as stack:
        before = await stack.usage()
        body = contents(await stack.mcp.read_resource("salesforce-flow://flows/Create_Contact"))
        assert await stack.usage() - before == 2, "the describe and one Tooling query for the metadata"
        assert body["apiName"] == "Create_Contact" and body["tool"] == "flow_Create_Contact"
        assert {p["name"] for p in body["describe"]["inputs"]} >= {"firstName", "lastName"}
        summary = body["metadata"]
        assert summary["creates"] == ["Contact"] and summary["elements"]["recordCreates"] == 1
        assert summary["processType"] == "AutoLaunchedFlow"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_the_describe_tool_links_to_the_flow_resource(mode: str) -> None:
    async with org_stack(mode) as stack:
        result = await stack.call("get_invocable_flow_metadata", {"flowApiName": "Route_Support_Case"})
        assert not result.is_error
        links = [c for c in result.content if isinstance(c, types.ResourceLink)]
        assert [link.uri for link in links] == ["salesforce-flow://flows/Route_Support_Case"]


async def test_in_the_seed_dialect_a_flow_has_its_describe_and_no_metadata() -> None:
    async with org_stack("legacy", "seed") as stack:
        body = contents(await stack.mcp.read_resource("salesforce-flow://flows/Route_Support_Case"))
        assert body["describe"]["inputs"] and body["metadata"] is None


@pytest.mark.parametrize(
    ("uri", "says"),
    [
        ("salesforce-flow://flows/No_Such_Flow", "did not describe it"),
        ("salesforce-flow://flows/x'%20OR%20Name!=''", "an API name has letters"),
        ("salesforce-flow://calls/nope", "no such call"),
        ("https://example.com/", "resources are salesforce-flow://flows/{ApiName}"),
    ],
)
async def test_a_bad_uri_is_a_clear_error_and_the_server_keeps_serving(uri: str, says: str) -> None:
    async with org_stack("legacy") as stack:
        with pytest.raises(MCPError, match="Resource not found") as raised:
            await stack.mcp.read_resource(uri)
        assert says in str(raised.value)
        assert (await stack.mcp.list_resources()).resources


@pytest.mark.parametrize(("mode", "code"), [("legacy", -32002), ("2026-07-28", types.INVALID_PARAMS)])
async def test_an_unknown_resource_has_the_code_of_the_era(mode: str, code: int) -> None:
    """2025-11-25 (server/resources, Error Handling) answers an unknown resource with -32002; 2026-07-28 retired that
    code (SEP-2164: resource not found is -32602 invalid params; the conformance suite's sep-2164-resource-not-found
    check). The URI rides in the error's data in both."""
    async with org_stack(mode) as stack:
        with pytest.raises(MCPError, match="Resource not found") as raised:
            await stack.mcp.read_resource("salesforce-flow://calls/nope")
        assert raised.value.error.code == code
        assert raised.value.error.data == {"uri": "salesforce-flow://calls/nope"}


async def test_the_list_pages(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(flow_resources, "PAGE_SIZE", 4)
    async with org_stack("legacy") as stack:
        first = await stack.mcp.list_resources()
        assert len(first.resources) == 4 and first.next_cursor == "4"
        second = await stack.mcp.list_resources(cursor=first.next_cursor)
        assert [r.name for r in first.resources + second.resources] == DEMO_FLOWS and second.next_cursor is None
        with pytest.raises(MCPError, match="Invalid cursor"):
            await stack.mcp.list_resources(cursor="not-a-cursor")


TINY_FLOW = """<?xml version="1.0" encoding="UTF-8"?>
<Flow xmlns="http://soap.sforce.com/2006/04/metadata">
    <apiVersion>59.0</apiVersion>
    <label>{label}</label>
    <processType>AutoLaunchedFlow</processType>
    <status>Active</status>
    <start><locationX>0</locationX><locationY>0</locationY></start>
    <variables><name>note</name><dataType>String</dataType><isInput>true</isInput><isOutput>false</isOutput></variables>
</Flow>
"""


async def deploy(stack: Stack, name: str, label: str) -> None:
    response = await stack.org.post("/__org/flows", params={"name": name}, content=TINY_FLOW.format(label=label))
    assert response.status_code == 201, response.text


@pytest.mark.filterwarnings("ignore:resources/subscribe is removed")
async def test_legacy_clients_hear_list_changed_and_updated_for_subscribed_flows() -> None:
    heard: list[str] = []

    async def on_message(message: Any) -> None:
        root = getattr(message, "root", message)
        if isinstance(root, types.ServerNotification | types.Notification) or hasattr(root, "method"):
            heard.append(str(getattr(root, "method", "")))

    async with org_stack("legacy", client_options={"message_handler": on_message}) as stack:
        await deploy(stack, "Tiny_Note", "Tiny note")
        await stack.call("refresh_flows")
        assert "notifications/resources/list_changed" in heard
        await stack.mcp.subscribe_resource("salesforce-flow://flows/Tiny_Note")
        heard.clear()
        await deploy(stack, "Tiny_Note", "Tiny note")  # a new version, same interface
        await stack.call("refresh_flows")
        assert "notifications/resources/updated" in heard
        assert "notifications/resources/list_changed" not in heard


async def test_modern_clients_hear_changes_on_subscriptions_listen() -> None:
    async with org_stack("2026-07-28") as stack:
        uri = "salesforce-flow://flows/Tiny_Note"
        async with stack.mcp.listen(resources_list_changed=True, resource_subscriptions=[uri]) as events:
            await deploy(stack, "Tiny_Note", "Tiny note")
            await stack.call("refresh_flows")
            with anyio.fail_after(10):
                first = await events.__anext__()
            await deploy(stack, "Tiny_Note", "Tiny note")
            await stack.call("refresh_flows")
            with anyio.fail_after(10):
                second = await events.__anext__()
        assert type(first).__name__ == "ResourcesListChanged"
        assert type(second).__name__ == "ResourceUpdated" and second.uri == uri
