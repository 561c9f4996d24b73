"""Logging (2025-11-25 only: logging/setLevel and log notifications, masked like stderr; 2026-07-28 deprecates it),
and icons and server metadata, through the official mcp client."""

from __future__ import annotations

import logging
from typing import Any

import anyio
import mcp_types as types
import pytest
from mcp.shared.exceptions import MCPError

from salesforce_flow_mcp import __version__
from salesforce_flow_mcp.mcp_features.icons import ADMIN_ICON, FLOW_ICON
from tests.support import PROTOCOL_MODES, org_stack

pytestmark = pytest.mark.anyio

TOKEN = (
    "00D5g000004XYZa!AQcAQH0dMHZfz972Szmpkb58urFRkgeBGsxL_QJWwYMfAbUeeG7c1E6LYUfiDUkWe6H34r1AAwOR8B8fLEz6n04NPGRrq0FM"
)


class Logs:
    def __init__(self) -> None:
        self.got: list[types.LoggingMessageNotificationParams] = []
        self.arrived = anyio.Event()

    async def __call__(self, params: types.LoggingMessageNotificationParams) -> None:
        self.got.append(params)
        self.arrived.set()


async def test_legacy_clients_get_our_logs_at_their_level_with_tokens_masked() -> None:
    logs = Logs()
    async with org_stack("legacy", client_options={"logging_callback": logs}) as stack:
        assert stack.mcp.server_capabilities.logging is not None
        here = logging.getLogger("salesforce_flow_mcp.tests")
        here.warning("before setLevel: not sent")
        with pytest.warns(Warning):  # the SDK marks logging deprecated (2026-07-28)
            await stack.mcp.set_logging_level("info")
        here.debug("below the level: not sent")
        here.info("refreshed with Bearer %s", TOKEN)
        logging.getLogger("mcp.server").warning("the SDK's own records are not forwarded")
        with anyio.fail_after(5):
            await logs.arrived.wait()
        await stack.mcp.list_prompts()  # a round trip: anything sent before it has arrived
    texts = [str(p.data) for p in logs.got]
    assert texts == ["refreshed with Bearer ***"], texts
    assert logs.got[0].level == "info" and logs.got[0].logger == "salesforce_flow_mcp.tests"
    assert all(TOKEN not in t and TOKEN[:20] not in t for t in texts)


async def test_modern_clients_are_offered_no_logging_and_get_no_log_messages() -> None:
    logs = Logs()
    async with org_stack("2026-07-28", client_options={"logging_callback": logs, "log_level": "debug"}) as stack:
        discovered = await stack.mcp.session.send_request(types.DiscoverRequest(), types.DiscoverResult)
        assert discovered.capabilities.logging is None and discovered.capabilities.tools is not None
        logging.getLogger("salesforce_flow_mcp.tests").warning("stderr only in this era")
        assert not (await stack.call("list_invocable_flows")).is_error
        with pytest.raises(MCPError, match="Method not found"), pytest.warns(Warning):  # removed in this era
            await stack.mcp.set_logging_level("debug")
    assert logs.got == []


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_tools_carry_icons_flow_or_admin(mode: str) -> None:
    async with org_stack(mode) as stack:
        tools = {t.name: t for t in (await stack.mcp.list_tools()).tools}
        for name, tool in tools.items():
            expected = (
                FLOW_ICON
                if name.startswith("flow_")
                or name
                in {"invoke_flow", "create_flow_interview", "list_invocable_flows", "get_invocable_flow_metadata"}
                else ADMIN_ICON
            )
            assert tool.icons == [expected], name
        assert FLOW_ICON != ADMIN_ICON
        assert all(i.src.startswith("data:image/svg+xml,") for i in (FLOW_ICON, ADMIN_ICON)), "nothing to fetch"


@pytest.mark.parametrize("mode", PROTOCOL_MODES)
async def test_server_metadata_has_icon_and_version(mode: str) -> None:
    async with org_stack(mode) as stack:
        if mode == "legacy":
            info: Any = stack.mcp.server_info
        else:
            discovered = await stack.mcp.session.send_request(types.DiscoverRequest(), types.DiscoverResult)
            info = types.Implementation.model_validate(discovered.meta["io.modelcontextprotocol/serverInfo"])
        assert info.name == "salesforce-flow-mcp" and info.version == __version__ and info.title
        assert info.website_url is None, "the project publishes no website: announce none rather than a made-up one"
        assert info.icons and info.icons[0].mime_type == "image/svg+xml"


async def test_log_levels_are_restored_when_the_connection_ends() -> None:
    package = logging.getLogger("salesforce_flow_mcp")
    before = package.level
    async with org_stack("legacy", client_options={"logging_callback": Logs()}) as stack:
        with pytest.warns(Warning):
            await stack.mcp.set_logging_level("debug")
        assert package.getEffectiveLevel() == logging.DEBUG
    assert package.level == before, "stderr shows what it showed before"
