"""A refresh of an unchanged org costs at most 2 API requests and no describe, whatever mix of drafts and namespaces.

Facts encoded here:
- FlowDefinitionView.IsActive "indicates whether the latest version of the flow definition is the active flow
  version" (Object Reference, FlowDefinitionView,
  https://developer.salesforce.com/docs/atlas.en-us.232.0.object_reference.meta/api/sforce_api_objects_flowdefinitionview.htm):
  a flow with an active version and a newer draft has IsActive = false and an ActiveVersionId; LatestVersionId is
  "the ID of the latest flow version, regardless of the flow's status".
- The namespace of a flow is a field of its own (FlowDefinition.NamespacePrefix, DeveloperName without it: Tooling
  API, FlowDefinition,
  https://developer.salesforce.com/docs/atlas.en-us.api_tooling.meta/api_tooling/tooling_api_objects_flowdefinition.htm)
  while the invocable action is named ns__Name.
- Each composite batch subrequest counts against the API limits (REST API Developer Guide, Composite Batch,
  https://developer.salesforce.com/docs/platform/api-rest/guide/resources-composite-batch.html).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

import httpx2
import pytest

from salesforce_flow_mcp.localorg.store.state import DEMO_ACCESS_TOKEN, OrgState
from salesforce_flow_mcp.salesforce.definition_view import VERSION_QUERY
from tests.recorded_org import RecordedOrg, action, describe, recorded_stack
from tests.support import Stack, org_stack
from tests.test_flow_tools import tiny_flow

pytestmark = pytest.mark.anyio


async def deploy(stack: Stack, name: str, *, activate: bool, label: str | None = None) -> None:
    params = {"name": name, "activate": "true" if activate else "false"}
    response = await stack.org.post("/__org/flows", params=params, content=tiny_flow(name, label or name))
    assert response.status_code == 201, response.text


async def mixed_org(stack: Stack) -> None:
    """Active flows, one with a newer draft, one with an active and an older obsolete version, namespaced ones."""
    await deploy(stack, "Plain_Echo", activate=True)
    await deploy(stack, "Drafted_Echo", activate=True)
    await deploy(stack, "Drafted_Echo", activate=False, label="Drafted Echo, work in progress")
    await deploy(stack, "Reissued_Echo", activate=True)
    await deploy(stack, "Reissued_Echo", activate=True, label="Reissued Echo v2")
    await deploy(stack, "acme__Packaged_Echo", activate=True)
    await deploy(stack, "acme__Drafted_Packaged", activate=True)
    await deploy(stack, "acme__Drafted_Packaged", activate=False)


async def refresh_cost(stack: Stack) -> tuple[int, dict[str, Any]]:
    before = await stack.usage()
    summary = (await stack.call("refresh_flows")).structured_content
    return await stack.usage() - before, summary


@pytest.mark.parametrize("cache", ["disk", "none"])
async def test_an_unchanged_org_refreshes_for_two_requests_and_no_describe(cache: str, tmp_path: Path) -> None:
    settings = {"cache_dir": str(tmp_path)} if cache == "disk" else {}
    async with org_stack(**settings) as stack:
        await mixed_org(stack)
        first, summary = await refresh_cost(stack)
        assert summary["toolListChanged"] is True and first > 2
        names = {t.name for t in (await stack.mcp.list_tools()).tools}
        assert {"flow_Drafted_Echo", "flow_acme__Packaged_Echo", "flow_acme__Drafted_Packaged"} <= names
        for _ in range(3):
            cost, summary = await refresh_cost(stack)
            assert cost == 2, "the flow list and the FlowDefinitionView query, nothing else"
            assert summary["describedFromOrg"] == 0 and summary["toolListChanged"] is False


async def test_a_restart_describes_nothing_drafts_and_namespaces_included(tmp_path: Path) -> None:
    """The disk cache keys on namespace + name + versions: a warm start finds every flow, the drafted ones too."""
    state = OrgState.create(":memory:", None, access_token=DEMO_ACCESS_TOKEN)
    async with org_stack(state=state, cache_dir=str(tmp_path)) as stack:
        await mixed_org(stack)
        await stack.call("refresh_flows")
    async with org_stack(state=state, cache_dir=str(tmp_path)) as stack:
        stats = stack.running.flows.loader.last_stats
        assert stats.described == 0 and stats.requests == 2, stats
        assert "flow_acme__Drafted_Packaged" in {t.name for t in (await stack.mcp.list_tools()).tools}


async def test_a_new_version_is_described_again_and_only_that_flow(tmp_path: Path) -> None:
    async with org_stack(cache_dir=str(tmp_path)) as stack:
        await mixed_org(stack)
        await stack.call("refresh_flows")
        await deploy(stack, "Drafted_Echo", activate=False, label="Drafted Echo, second draft")
        cost, summary = await refresh_cost(stack)
        # A newer latest version may be what a flow admin runs: the one flow is described again (1 subrequest,
        # in its composite batch), and the metadata of its active and latest versions read in one Tooling composite
        # request, which counts once (tools/flow_metadata.py cites the page).
        assert summary["describedFromOrg"] == 1 and summary["metadataRequests"] == 1 and cost == 2 + 2 + 1
        await deploy(stack, "acme__Packaged_Echo", activate=True, label="Packaged Echo v2")
        cost, summary = await refresh_cost(stack)
        assert summary["describedFromOrg"] == 1 and summary["toolListChanged"] is True


# --- real-org FlowDefinitionView rows, replayed ----------------------------------------------------------------------

ROWS = [
    # Latest is active: IsActive true.
    {"ApiName": "Plain", "NamespacePrefix": None, "IsActive": True, "ActiveVersionId": "301A",
     "LatestVersionId": "301A"},
    # A newer draft: IsActive false, ActiveVersionId still set.
    {"ApiName": "Drafted", "NamespacePrefix": None, "IsActive": False, "ActiveVersionId": "301B",
     "LatestVersionId": "301C"},
    # Namespaced: the view's ApiName without the namespace, the action name with it.
    {"ApiName": "Packaged", "NamespacePrefix": "acme", "IsActive": True, "ActiveVersionId": "301D",
     "LatestVersionId": "301D"},
]  # fmt: skip
ACTIONS = ["Plain", "Drafted", "acme__Packaged"]


def view_org(rows: list[dict[str, Any]]) -> RecordedOrg:
    org = RecordedOrg()
    org.answer("GET", "/actions/custom/flow", 200, {"actions": [action(name) for name in ACTIONS]})

    def view(request: httpx2.Request) -> tuple[int, Any]:
        query = parse_qs(request.url.query.decode())["q"][0]
        assert query == VERSION_QUERY
        records = [{"attributes": {"type": "FlowDefinitionView"}, "LastModifiedDate": "2026-11-30T10:00:00.000+0000",
                    **row} for row in rows if row["ActiveVersionId"]]  # fmt: skip
        return 200, {"totalSize": len(records), "done": True, "records": records}

    def batch(request: httpx2.Request) -> tuple[int, Any]:
        urls = [sub["url"] for sub in json.loads(request.content)["batchRequests"]]
        results = [{"statusCode": 200, "result": describe(url.rsplit("/", 1)[1])} for url in urls]
        return 200, {"hasErrors": False, "results": results}

    org.answers[("GET", "/query")] = view
    org.answers[("POST", "/composite/batch")] = batch
    return org


async def test_view_rows_with_and_without_a_newer_draft_and_namespaced_all_get_a_cache_key(tmp_path: Path) -> None:
    org = view_org(ROWS)
    async with recorded_stack(org, cache_dir=str(tmp_path)) as (mcp, running):
        assert running.flows is not None
        entries = {e.api_name: e for e in await _entries(running)}
        assert all(e.version for e in entries.values()), entries
        assert entries["Drafted"].versions is not None and entries["Drafted"].versions.newer_than_active
        assert entries["acme__Packaged"].versions is not None
        sent = len(org.sent)
        await mcp.call_tool("refresh_flows", {})
        assert len(org.sent) - sent == 2 and running.flows.loader.last_stats.described == 0


async def test_a_view_api_name_that_carries_the_namespace_is_read_the_same() -> None:
    """Sources do not say whether the view's ApiName has the namespace: both readings give the action's name."""
    rows = [dict(row) for row in ROWS]
    rows[2]["ApiName"] = "acme__Packaged"
    async with recorded_stack(view_org(rows)) as (_, running):
        assert {e.api_name for e in await _entries(running) if e.version} == set(ACTIONS)


async def test_a_newer_latest_version_re_describes_that_flow_only(tmp_path: Path) -> None:
    rows = [dict(row) for row in ROWS]
    org = view_org(rows)
    async with recorded_stack(org, cache_dir=str(tmp_path)) as (mcp, running):
        assert running.flows is not None
        rows[1]["LatestVersionId"] = "301E"
        summary = (await mcp.call_tool("refresh_flows", {})).structured_content
        assert summary["describedFromOrg"] == 1
        batches = org.requests_to("POST", "/composite/batch")
        assert b"Drafted" in batches[-1].content and b"Plain" not in batches[-1].content


async def _entries(running: Any) -> list[Any]:
    """What the fetcher reads now, from a fresh fetcher over the same client (the running one keeps no entries)."""
    from salesforce_flow_mcp.salesforce.invocable_flows import InvocableFlowFetcher

    fetcher = InvocableFlowFetcher(running.catalogue.client, use_composite=True)
    entries = await fetcher.load()
    assert entries is not None
    return entries


# --- which version runs, shown (item: say which version runs) -------------------------------------------------------


async def test_list_invocable_flows_search_flows_and_the_tool_text_show_a_newer_version_than_the_active_one() -> None:
    """REST API guide (Get Custom Invocable Actions,
    https://developer.salesforce.com/docs/platform/api-rest/guide/resources-actions-invocable-custom-get.html): a
    flow admin runs the latest version, a flow user the active one; Salesforce Help (Distribute a Flow with the REST
    API, https://help.salesforce.com/s/articleView?id=sf.flow_distribute_system_rest.htm) says the active one. Neither
    is promised: a flow whose latest version is not the active one says so."""
    from salesforce_flow_mcp.salesforce.definition_view import NEWER_VERSION_NOTE

    async with org_stack() as stack:
        await mixed_org(stack)
        await stack.call("refresh_flows")
        listed = (await stack.call("list_invocable_flows")).structured_content["actions"]
        status = {a["name"]: a.get("versionStatus") for a in listed}
        assert status["Drafted_Echo"]["newerVersionThanActive"] is True and status["Drafted_Echo"]["note"]
        assert status["acme__Drafted_Packaged"]["newerVersionThanActive"] is True
        assert status["Plain_Echo"]["newerVersionThanActive"] is False and "note" not in status["Plain_Echo"]
        assert status["Reissued_Echo"]["newerVersionThanActive"] is False, "an older obsolete version is no warning"
        tools = {t.name: t for t in (await stack.mcp.list_tools()).tools}
        assert NEWER_VERSION_NOTE in (tools["flow_Drafted_Echo"].description or "")
        assert NEWER_VERSION_NOTE not in (tools["flow_Plain_Echo"].description or "")
    async with org_stack(max_flow_tools=3) as stack:
        await mixed_org(stack)
        await stack.call("refresh_flows")
        found = (await stack.call("search_flows", {"query": "Drafted Echo"})).structured_content["flows"]
        drafted = next(f for f in found if f["flowApiName"] == "Drafted_Echo")
        assert drafted["versionStatus"]["newerVersionThanActive"] is True


async def test_a_cold_load_sends_its_bursts_through_short_lived_clients() -> None:
    """60 new flows: the describes (3 composite batches) and the metadata reads (3 Tooling composite requests) go
    through clients made for the burst and closed after it, and the client that serves tool calls sends only the
    flow list and the version query. The HTTP client checks every idle connection of its pool on every request, so
    a burst's connections left there slow every later tool call (docs/benchmarks.md, "What profiling found")."""
    from salesforce_flow_mcp.auth.credentials import StaticCredentials
    from salesforce_flow_mcp.connect import DEMO_INSTANCE_URL
    from salesforce_flow_mcp.localorg.app import create_org_app
    from salesforce_flow_mcp.salesforce.client import SalesforceClient
    from salesforce_flow_mcp.salesforce.invocable_flows import InvocableFlowFetcher
    from salesforce_flow_mcp.tools.flow_effects import summarize

    state = OrgState.create(":memory:", access_token=DEMO_ACCESS_TOKEN)
    for i in range(60):
        state.deploy_flow_xml(tiny_flow(f"Burst_Echo_{i:02d}", "x").encode(), f"Burst_Echo_{i:02d}", activate=True)
    app = create_org_app(state)
    sent: dict[str, list[str]] = {"main": [], "bursts": []}
    closed: list[SalesforceClient] = []

    def client(log: list[str]) -> SalesforceClient:
        async def note(request: httpx2.Request) -> None:
            log.append(request.url.path)

        made = SalesforceClient(
            StaticCredentials(DEMO_INSTANCE_URL, DEMO_ACCESS_TOKEN), transport=httpx2.ASGITransport(app=app)
        )
        made._http.event_hooks["request"].append(note)
        return made

    def burst() -> SalesforceClient:
        made = client(sent["bursts"])
        original = made.aclose

        async def aclose() -> None:
            closed.append(made)
            await original()

        made.aclose = aclose  # type: ignore[method-assign]
        return made

    main = client(sent["main"])
    fetcher = InvocableFlowFetcher(main, use_composite=True, burst_client=burst, summarize=summarize)
    entries = await fetcher.load()
    await main.aclose()
    assert entries is not None and len([e for e in entries if e.api_name.startswith("Burst_Echo_")]) == 60
    assert sorted(p.rsplit("/", 1)[-1] for p in sent["main"]) == ["flow", "query"], sent["main"]
    assert sorted(p.rsplit("/", 1)[-1] for p in sent["bursts"]).count("batch") == 3
    assert sorted(p.rsplit("/", 1)[-1] for p in sent["bursts"]).count("composite") >= 3  # the Tooling reads
    assert len(closed) == 2, "one client for the describes, one for the metadata reads, each closed"
