"""Large results stay within a documented byte bound and say how to get the rest, instead of being cut by the host."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from salesforce_flow_mcp.tools.outcome import Outcome
from salesforce_flow_mcp.tools.result_bounds import MAX_RESULT_BYTES, bounded
from tests.support import org_stack
from tests.test_flow_tools import deploy

pytestmark = pytest.mark.anyio


def size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def test_a_result_over_the_bound_keeps_what_fits_and_says_how_to_get_the_rest() -> None:
    rule = bounded("records", "Add LIMIT {shown} OFFSET {shown}.", limit=2_000)
    records = [{"Id": f"301{i:015d}", "Label": "x" * 40} for i in range(100)]
    small: Outcome = rule({"totalSize": 3, "done": True, "records": records[:3]})
    assert small.structured["records"] == records[:3] and "truncated" not in small.structured
    cut = rule({"totalSize": 100, "done": True, "records": records}).structured
    assert size(cut) <= 2_000
    shown = cut["truncated"]["shown"]
    assert cut["records"] == records[:shown] and 0 < shown < 100
    assert cut["done"] is False and cut["totalSize"] == 100 and cut["truncated"]["of"] == 100
    assert cut["truncated"]["how"] == f"Add LIMIT {shown} OFFSET {shown}."


async def test_query_flows_over_the_bound_pages(tmp_path: Path) -> None:
    async with org_stack() as stack:
        for i in range(150):
            await deploy(stack, f"Wordy_{i:03d}", label="Wordy " + "w" * 200)
        q = "SELECT Id, MasterLabel, Description, Definition.DeveloperName FROM Flow"
        result = await stack.call("query_flows", {"q": f"{q} ORDER BY Id"})
        assert not result.is_error
        body = result.structured_content
        assert size(body) <= MAX_RESULT_BYTES
        shown = body["truncated"]["shown"]
        assert body["done"] is False and shown < body["truncated"]["of"]
        assert f"LIMIT {shown} OFFSET {shown}" in body["truncated"]["how"]
        # Doing what it says gets the next records.
        rest = await stack.call("query_flows", {"q": f"{q} ORDER BY Id LIMIT {shown} OFFSET {shown}"})
        assert not rest.is_error and rest.structured_content["records"]
        first_ids = {r["Id"] for r in body["records"]}
        assert not first_ids & {r["Id"] for r in rest.structured_content["records"]}
