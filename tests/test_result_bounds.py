"""Large results stay within a documented byte bound and say how to get the rest, instead of being cut by the host.

Salesforce behaviour relied on:
- SOQL OFFSET stops at 2,000 rows: "The maximum offset is 2,000 rows. Requesting an offset greater than 2,000 results
  in a NUMBER_OUTSIDE_VALID_RANGE error" (SOQL and SOSL Reference, OFFSET:
  https://developer.salesforce.com/docs/atlas.en-us.soql_sosl.meta/soql_sosl/sforce_api_calls_soql_select_offset.htm).
- A query answers at most 2,000 records at a time; the rest come through the query locator in `nextRecordsUrl`
  (REST API Developer Guide, "Execute a SOQL Query" and "Query More Results":
  https://developer.salesforce.com/docs/atlas.en-us.api_rest.meta/api_rest/dome_query.htm). A locator only goes on
  from the batch boundary the org chose, so it cannot continue a page the byte bound cut inside a batch.
- `>` compares a field with a value in a WHERE clause (SOQL and SOSL Reference, Comparison Operators), and ORDER BY
  orders by any sortable field, Id included: `WHERE Id > :last ORDER BY Id` continues a page in Id order, at any
  depth (keyset paging, tools/keyset.py).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.flows import write_flows
from salesforce_flow_mcp.tools.outcome import Outcome
from salesforce_flow_mcp.tools.result_bounds import MAX_RESULT_BYTES, bounded, offset_hint
from tests.support import org_stack, text_of
from tests.test_flow_tools import deploy

pytestmark = pytest.mark.anyio

WORDY_Q = "SELECT Id, MasterLabel, Description, Definition.DeveloperName FROM Flow"


def size(value: object) -> int:
    return len(json.dumps(value, separators=(",", ":")).encode())


def test_a_result_over_the_bound_keeps_what_fits_and_says_how_to_get_the_rest() -> None:
    rule = bounded("records", offset_hint("Add LIMIT {shown} OFFSET {shown}."), limit=2_000)
    records = [{"Id": f"301{i:015d}", "Label": "x" * 40} for i in range(100)]
    small: Outcome = rule({"totalSize": 3, "done": True, "records": records[:3]}, {})
    assert small.structured["records"] == records[:3] and "truncated" not in small.structured
    cut = rule({"totalSize": 100, "done": True, "records": records}, {}).structured
    assert size(cut) <= 2_000
    shown = cut["truncated"]["shown"]
    assert cut["records"] == records[:shown] and 0 < shown < 100
    assert cut["done"] is False and cut["totalSize"] == 100 and cut["truncated"]["of"] == 100
    assert cut["truncated"]["how"] == f"Add LIMIT {shown} OFFSET {shown}."


async def test_query_flows_over_the_bound_pages_after_the_last_id() -> None:
    async with org_stack() as stack:
        for i in range(150):
            await deploy(stack, f"Wordy_{i:03d}", label="Wordy " + "w" * 200)
        body = (await stack.call("query_flows", {"q": f"{WORDY_Q} ORDER BY Id"})).structured_content
        assert size(body) <= MAX_RESULT_BYTES and body["done"] is False
        truncated = body["truncated"]
        assert truncated["after"] == body["records"][-1]["Id"] and f"after '{truncated['after']}'" in truncated["how"]
        seen = [r["Id"] for r in body["records"]]
        while "truncated" in body:  # doing what it says gets the next records, none twice, none skipped
            after = body["truncated"]["after"]
            body = (await stack.call("query_flows", {"q": f"{WORDY_Q} ORDER BY Id", "after": after})).structured_content
            seen += [r["Id"] for r in body["records"]]
        everything = (await stack.call("query_flows", {"q": "SELECT Id FROM Flow ORDER BY Id"})).structured_content
        assert seen == [r["Id"] for r in everything["records"]]
        # Not in Id order: the page says how to get there instead of an after that would skip records.
        unordered = (await stack.call("query_flows", {"q": WORDY_Q})).structured_content["truncated"]
        assert "after" not in unordered and "ORDER BY Id" in unordered["how"]


async def test_after_refuses_what_keyset_paging_cannot_continue() -> None:
    async with org_stack() as stack:
        after = "301000000000001AAA"
        for q, why in (
            ("SELECT Id FROM Flow ORDER BY MasterLabel", "ORDER BY Id"),
            ("SELECT Id FROM Flow ORDER BY Id LIMIT 5 OFFSET 5", "leave OFFSET out"),
            ("SELECT Status, COUNT(Id) FROM Flow GROUP BY Status", "GROUP BY"),
        ):
            result = await stack.call("query_flows", {"q": q, "after": after})
            assert result.is_error and why in text_of(result), text_of(result)
        bad = await stack.call("list_flows", {"after": "not-an-id"})
        assert bad.is_error and "after" in text_of(bad)


async def test_a_long_describe_pages_by_offset(tmp_path: Path) -> None:
    """get_invocable_flow_metadata of a flow with hundreds of described variables (the describe lists each
    isInput/isOutput variable: Actions Developer Guide, Flow Actions) stays within the bound and pages."""
    variables = "".join(
        f"<variables><description>{'about ' * 60}{i}</description><name>v{i:03d}</name><dataType>String</dataType>"
        f"<isCollection>false</isCollection><isInput>true</isInput><isOutput>{str(i % 3 == 0).lower()}</isOutput>"
        "</variables>"
        for i in range(300)
    )
    (tmp_path / "Many.flow-meta.xml").write_text(
        '<?xml version="1.0" encoding="UTF-8"?><Flow xmlns="http://soap.sforce.com/2006/04/metadata">'
        "<apiVersion>59.0</apiVersion><label>Many</label><processType>AutoLaunchedFlow</processType>"
        f"<start><locationX>0</locationX><locationY>0</locationY></start><status>Active</status>{variables}</Flow>"
    )
    async with org_stack(flows_dir=tmp_path, no_flow_tools=True) as stack:
        names: list[str] = []
        offset = 0
        while True:
            page = await stack.call("get_invocable_flow_metadata", {"flowApiName": "Many", "offset": offset})
            body = page.structured_content
            assert not page.is_error and size(body) <= MAX_RESULT_BYTES
            names += [f"in:{p['name']}" for p in body["inputs"]] + [f"out:{p['name']}" for p in body["outputs"]]
            if "truncated" not in body:
                break
            assert "offset" in body["truncated"]["how"]
            offset = body["truncated"]["offset"]
        assert offset > 0  # it did page
        expected = [f"in:v{i:03d}" for i in range(300)] + [f"out:v{i:03d}" for i in range(0, 300, 3)]
        assert sorted(names) == sorted([*expected, "out:Flow__InterviewStatus", "out:Flow__InterviewGuid"])
        assert len(names) == len(set(names))


@pytest.mark.slow
async def test_list_flows_pages_past_offsets_2000_limit(tmp_path: Path) -> None:
    """An org of 2,100 flows: OFFSET cannot reach past 2,000 (the org answers NUMBER_OUTSIDE_VALID_RANGE as the SOQL
    reference documents), while following truncated.after lists every flow version exactly once."""
    write_flows(tmp_path, 2_100)
    async with org_stack(flows_dir=tmp_path, no_flow_tools=True) as stack:
        far = await stack.call("query_flows", {"q": "SELECT Id FROM Flow ORDER BY Id LIMIT 10 OFFSET 2001"})
        assert far.is_error and "NUMBER_OUTSIDE_VALID_RANGE" in text_of(far)
        body = (await stack.call("list_flows", {})).structured_content
        total = body["totalSize"]
        seen = [r["Id"] for r in body["records"]]
        pages = 1
        while "truncated" in body:
            body = (await stack.call("list_flows", {"after": body["truncated"]["after"]})).structured_content
            seen += [r["Id"] for r in body["records"]]
            pages += 1
        assert pages > 2 and len(seen) == len(set(seen)) == total >= 2_100
