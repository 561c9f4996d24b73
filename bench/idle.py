"""API calls an idle org costs: a server refreshing its catalogue of an org where nothing changes.

Salesforce counts every request against the org's daily API allowance (a Developer Edition org has 15,000 a day)
and every composite subrequest too. The org here has flows of every kind a real one has: active ones, active ones
with a newer draft (FlowDefinitionView.IsActive false), namespaced ones (with and without a draft).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from .flows import flow_name, flow_xml
from .org_process import Org
from .scenarios import SERVER_ARGV, server_env, started_session

IDLE_FLOWS = 90  # plain flows, in the org's folder
DRAFTED = 20  # of the plain flows, how many get a newer draft
NAMESPACED = 10  # flows of an installed package (namespace "bench"), half of them with a newer draft: 100 in all
REFRESHES = 5
INTERVAL = 300  # seconds, the default refresh interval
DAY = 86_400


@dataclass(frozen=True)
class IdleCost:
    flows: int
    drafted: int
    namespaced: int
    refreshes: int
    per_refresh: float  # API calls the org counted per refresh where nothing changed
    naive_per_refresh: int  # what re-describing every flow costs: the calls of a start with an empty cache

    @property
    def per_day(self) -> float:
        return self.per_refresh * DAY / INTERVAL

    @property
    def naive_per_day(self) -> float:
        return self.naive_per_refresh * DAY / INTERVAL


async def prepare_idle_org(org: Org) -> None:
    """Drafts on top of the folder's active flows, and namespaced flows, deployed through the org's test hook."""
    for index in range(1, DRAFTED + 1):
        await org.deploy(flow_name(index), flow_xml(index), activate=False)
    for index in range(1, NAMESPACED + 1):
        name = f"bench__{flow_name(IDLE_FLOWS + index)}"
        await org.deploy(name, flow_xml(IDLE_FLOWS + index), activate=True)
        if index % 2:
            await org.deploy(name, flow_xml(IDLE_FLOWS + index), activate=False)


async def measure_idle(org: Org, work: Path) -> IdleCost:
    total = IDLE_FLOWS + NAMESPACED
    before = await org.api_usage()
    session = await started_session(
        SERVER_ARGV, server_env(org, work / "cache-idle"), work / "logs" / "idle.log", total
    )
    try:
        naive = await org.api_usage() - before
        before = await org.api_usage()
        for _ in range(REFRESHES):
            await session.request("tools/call", {"name": "refresh_flows", "arguments": {}})
        per_refresh = (await org.api_usage() - before) / REFRESHES
    finally:
        await session.close()
    return IdleCost(total, DRAFTED + (NAMESPACED + 1) // 2, NAMESPACED, REFRESHES, per_refresh, naive)
