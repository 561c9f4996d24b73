"""The byte budget of tools/list (issue 11): what the model reads on every turn, measured as a host receives it."""

from __future__ import annotations

import json
import statistics
from pathlib import Path

import pytest

from bench.catalogue_size import (
    CORPUS,
    FLOW_TOOL_BUDGET,
    INTERVIEW_OUTPUTS,
    OPERATIONS,
    OPERATIONS_BUDGET,
    catalogue_size,
    structure_floor,
    tool_bytes,
)
from bench.flows import write_flows
from tests.support import org_stack, text_of

pytestmark = pytest.mark.anyio


async def wire_tools(**settings: object) -> list[dict[str, object]]:
    async with org_stack(**settings) as stack:  # type: ignore[arg-type]
        listed = await stack.mcp.list_tools()
        return [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed.tools]


async def test_the_ten_operation_tools_fit_in_six_kilobytes() -> None:
    tools = await wire_tools()
    size = catalogue_size(tools)
    assert {t["name"] for t in tools} >= OPERATIONS
    assert size.operations_bytes <= OPERATIONS_BUDGET, size.operations_bytes


async def test_no_flow_tool_says_a_thing_twice(tmp_path: Path) -> None:
    """The benchmark's flow (4 described inputs, 2 described outputs): each description once, no titles that repeat
    a name, no output schema, no annotation title."""
    write_flows(tmp_path, 3)
    tools = await wire_tools(flows_dir=tmp_path)
    flow = next(t for t in tools if t["name"] == "flow_Bench_Flow_0001")
    assert "outputSchema" not in flow and "title" not in flow
    assert "title" not in flow["annotations"]  # type: ignore[operator]
    text = str(flow["description"])
    assert text.count("quantity x unitPrice") == 2  # the flow's description and the total output's, once each
    for prop in flow["inputSchema"]["properties"].values():  # type: ignore[index]
        assert set(prop) <= {"type", "description"}, prop
    sizes = [tool_bytes(t) for t in tools if str(t["name"]).startswith("flow_")]
    assert statistics.median(sizes) < 630, sizes  # was 2,039 bytes per tool at 1,000 flows


async def test_a_typical_real_flow_tool_fits_the_budget() -> None:
    """Issue 11's typical flow tool (3-5 inputs, 2 outputs of its own), on the real flows of the corpus (public
    repositories, tests/data/flows-corpus/SOURCES.md): the median is within 500 bytes. Each flow's outputs are read
    from its describe, as make bench does."""
    async with org_stack(flows_dir=CORPUS, max_flow_tools=5000) as stack:
        listed = (await stack.mcp.list_tools()).tools
        tools = [t.model_dump(by_alias=True, exclude_none=True, mode="json") for t in listed]
        outputs: dict[str, int] = {}
        for tool in tools:
            name = str(tool["name"])
            if name.startswith("flow_"):
                args = {"flowApiName": name.removeprefix("flow_")}
                describe = (await stack.call("get_invocable_flow_metadata", args)).structured_content
                outputs[name] = sum(1 for p in describe["outputs"] if p["name"] not in INTERVIEW_OUTPUTS)
    size = catalogue_size(tools, outputs)
    assert size.typical_bytes and len(size.typical_bytes) >= 5, size.typical_bytes
    assert size.typical_median is not None and size.typical_median <= FLOW_TOOL_BUDGET, size.typical_bytes


async def test_the_structure_floor_of_a_fully_described_tool() -> None:
    """What a 4-input, 2-output tool takes before the admin's own words: the budget's arithmetic (docs/benchmarks.md).
    It must match a real tool, byte for byte, once the words are put back."""
    floor = structure_floor()
    assert floor.words == 14 and 300 < floor.structure < 400, floor
    assert floor.room == 500 - floor.structure


async def test_schemas_are_published_open_and_checked_closed(tmp_path: Path) -> None:
    """No tool sends `additionalProperties: false` (28 bytes an object, every turn); the server still refuses an
    unknown key before anything reaches the org, naming the closest allowed one."""
    write_flows(tmp_path, 1)
    async with org_stack(flows_dir=tmp_path) as stack:
        listed = (await stack.mcp.list_tools()).tools
        for tool in listed:
            assert '"additionalProperties":false' not in json.dumps(tool.input_schema, separators=(",", ":"))
        before = await stack.usage()
        result = await stack.call("flow_Bench_Flow_0001", {"quantiy": 2, "unitPrice": 1.5})
        assert result.is_error and "'quantiy' was unexpected" in text_of(result)
        assert "quantiy: did you mean quantity?" in text_of(result)
        assert await stack.usage() == before  # refused here: nothing was sent
