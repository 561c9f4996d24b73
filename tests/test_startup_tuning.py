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

from salesforce_flow_mcp import cli
from salesforce_flow_mcp.startup_tuning import ENV_VAR, TRICKS, begin_startup_tuning, startup_tuning, tricks_from_env


@pytest.mark.parametrize(
    ("value", "tricks"),
    [(None, TRICKS), ("on", TRICKS), ("off", frozenset()), ("0", frozenset()), (" GC ", frozenset({"gc"}))],
)
def test_the_switch_turns_the_tuning_on_or_off(value: str | None, tricks: frozenset[str]) -> None:
    assert tricks_from_env({} if value is None else {ENV_VAR: value}) == tricks


def test_an_unknown_trick_is_named_with_the_known_ones() -> None:
    with pytest.raises(ValueError) as caught:
        tricks_from_env({ENV_VAR: "gc,switch"})
    assert str(caught.value) == f"{ENV_VAR}: unknown switch; use off, on, or some of gc"


def test_a_misspelt_switch_is_logged_and_the_tuning_is_off(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setenv(ENV_VAR, "turbo")
    with startup_tuning() as tuning:
        assert tuning.tricks == frozenset() and gc.isenabled()
    assert f"{ENV_VAR}: unknown turbo; use off, on, or some of gc; startup tuning is off" in caplog.text


def test_the_collector_is_paused_then_frozen_and_resumed_once() -> None:
    gc.unfreeze()
    with startup_tuning(TRICKS) as tuning:
        assert not gc.isenabled() and gc.get_freeze_count() == 0
        tuning.end()
        assert gc.isenabled() and gc.get_freeze_count() > 0
        tuning.end()  # a second end changes nothing
    assert gc.isenabled()
    gc.unfreeze()


def test_a_tuning_begun_early_is_adopted_by_the_server_block_and_ended_once() -> None:
    """`serve` begins the tuning before its heavy imports (cli.main); the server's block takes that one over."""
    gc.unfreeze()
    begun = begin_startup_tuning(TRICKS)
    assert not gc.isenabled()
    with startup_tuning() as tuning:
        assert tuning is begun
    assert gc.isenabled() and begun.ended
    with startup_tuning(frozenset()) as later:
        assert later is not begun and gc.isenabled()
    gc.unfreeze()


def test_serve_that_fails_before_serving_leaves_the_collector_on(capsys: pytest.CaptureFixture[str]) -> None:
    """A bad flag ends `serve` before the server's block: the tuning begun in cli.main must still end."""
    gc.unfreeze()
    assert cli.main(["serve", "--flows", "nowhere"]) == cli.EXIT_USAGE
    assert gc.isenabled()
    assert "--flows" in capsys.readouterr().err
    gc.unfreeze()


def test_off_leaves_the_collector_alone() -> None:
    with startup_tuning(frozenset()):
        assert gc.isenabled()
    assert gc.isenabled()


@pytest.mark.slow
@pytest.mark.anyio
@pytest.mark.parametrize(("value", "logged"), [("off", "off"), ("on", "gc")])
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
