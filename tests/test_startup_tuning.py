"""The startup tuning (server/startup_tuning.py): its switch, that it undoes what it did, and the server over stdio
with it off and on."""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import pytest
from mcp import Client, StdioServerParameters
from mcp.client.stdio import stdio_client

from salesforce_flow_mcp.startup_tuning import ENV_VAR, TRICKS, startup_tuning, tricks_from_env


@pytest.mark.parametrize(
    ("value", "tricks"),
    [
        (None, TRICKS),
        ("on", TRICKS),
        ("off", frozenset()),
        ("0", frozenset()),
        ("gc, import", frozenset({"gc", "import"})),
        ("SWITCH", frozenset({"switch"})),
    ],
)
def test_the_switch_picks_all_none_or_some(value: str | None, tricks: frozenset[str]) -> None:
    assert tricks_from_env({} if value is None else {ENV_VAR: value}) == tricks


def test_an_unknown_trick_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        tricks_from_env({ENV_VAR: "gc,turbo"})
    assert str(caught.value) == f"{ENV_VAR}: unknown turbo; use off, on, or some of gc, import, switch"


@pytest.mark.anyio
async def test_all_tricks_are_undone_at_the_end_and_the_preload_ran() -> None:
    interval = sys.getswitchinterval()
    ran: list[str] = []
    async with startup_tuning(preload=lambda: ran.append("preloaded"), tricks=TRICKS) as tuning:
        assert not gc.isenabled() and sys.getswitchinterval() < interval
        await tuning.preloaded()
        assert ran == ["preloaded"]
        tuning.end()
        assert gc.isenabled() and sys.getswitchinterval() == interval
    assert gc.isenabled() and sys.getswitchinterval() == interval
    gc.unfreeze()


@pytest.mark.anyio
async def test_off_changes_nothing_and_preloads_nothing() -> None:
    interval = sys.getswitchinterval()
    ran: list[str] = []
    async with startup_tuning(preload=lambda: ran.append("preloaded"), tricks=frozenset()) as tuning:
        assert gc.isenabled() and sys.getswitchinterval() == interval
        await tuning.preloaded()
    assert ran == [] and gc.isenabled()


@pytest.mark.anyio
async def test_an_error_of_the_preload_is_raised_where_the_import_would_have_been() -> None:
    def broken() -> None:
        raise ImportError("no module named mcp_side")

    async with startup_tuning(preload=broken, tricks=frozenset({"import"})) as tuning:
        with pytest.raises(ImportError, match="mcp_side"):
            await tuning.preloaded()


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize(("value", "logged"), [("off", "off"), ("on", "gc, import, switch")])
async def test_the_server_serves_with_the_tuning_off_and_on(value: str, logged: str, tmp_path: Path) -> None:
    env = {**os.environ, ENV_VAR: value, "SALESFORCE_FLOW_MCP_LOG": "DEBUG"}
    params = StdioServerParameters(
        command=sys.executable, args=["-m", "salesforce_flow_mcp", "serve", "--demo"], env=env
    )
    stderr = tmp_path / "stderr.log"
    with stderr.open("w") as errlog:
        async with Client(stdio_client(params, errlog=errlog)) as client:
            tools = {t.name for t in (await client.list_tools()).tools}
            assert "flow_Quote_Discount_Calculator" in tools
            result = await client.call_tool("flow_Quote_Discount_Calculator", {"quantity": 2, "unitPrice": 10})
            assert not result.is_error and result.structured_content is not None
            assert result.structured_content["discountedTotal"] == 20
    assert f"startup tuning: {logged}\n" in stderr.read_text()
