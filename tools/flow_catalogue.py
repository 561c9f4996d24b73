"""The per-flow part of the catalogue: derived at startup, kept current, limited by selection and a size policy."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types

from salesforce_flow_mcp import defaults
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.invocable_flows import FlowEntry, InvocableFlowFetcher

from .catalogue import CatalogueHooks, RegisteredTool
from .flow_naming import assign_tool_names
from .flow_records import RecordInputs, record_inputs
from .flow_search import search_tool
from .flow_tools import REFRESH_TOOL, flow_tools, refresh_tool

logger = logging.getLogger(__name__)

Notify = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class FlowToolOptions:
    include: tuple[str, ...] = ()  # ApiName globs; empty = every flow
    exclude: tuple[str, ...] = ()
    max_flow_tools: int = defaults.MAX_FLOW_TOOLS
    refresh_interval: float = defaults.REFRESH_INTERVAL
    startup_wait: float = defaults.CATALOGUE_WAIT
    read_only: bool = False  # --read-only: tools only for flows whose metadata shows they change nothing


class FlowCatalogue:
    """The tools that come and go with the org's flows; the Catalogue reaches them through `hooks()`."""

    def __init__(
        self, client: SalesforceClient, loader: InvocableFlowFetcher, options: FlowToolOptions, notify: Notify
    ) -> None:
        self.client = client
        self.loader = loader
        self.options = options
        self.notify = notify
        self.entries: list[FlowEntry] = []
        self.policy = "flow catalogue not loaded yet"
        self._refresh = refresh_tool(self.refresh)
        self._tools: dict[str, RegisteredTool] = {REFRESH_TOOL: self._refresh}
        self._flow_names: tuple[str, ...] = ()
        self._selected_count = 0
        # Which flow each flow tool runs and back; each flow's label and version key (for resources and completions).
        self.flow_of_tool: dict[str, str] = {}
        self.tool_of_flow: dict[str, str] = {}
        self.flow_versions: dict[str, tuple[str, str]] = {}
        # Each flow's record inputs (name -> sObject), for invoke_flow to type them, with or without flow tools.
        self.record_inputs_of: dict[str, RecordInputs] = {}
        # Run after every refresh, changed or not (resources tell subscribers which flows have a new version).
        self.after_refresh: list[Callable[[dict[str, tuple[str, str]]], Awaitable[None]]] = []
        self._ready = anyio.Event()
        self._refresh_lock = anyio.Lock()

    def hooks(self) -> CatalogueHooks:
        return CatalogueHooks(
            tools=self.tools,
            on_unknown_tool=self._refresh_on_miss,
            # Activating or deactivating a flow through this server changes the catalogue: refresh right away.
            on_flows_changed=self._refresh_quietly,
            flow_names=lambda: self._flow_names,
            record_inputs=lambda flow: self.record_inputs_of.get(flow, {}),
        )

    def tools(self) -> Mapping[str, RegisteredTool]:
        return self._tools

    def selected(self, entries: list[FlowEntry]) -> list[FlowEntry]:
        def wanted(name: str) -> bool:
            included = not self.options.include or any(fnmatch.fnmatchcase(name, g) for g in self.options.include)
            return included and not any(fnmatch.fnmatchcase(name, g) for g in self.options.exclude)

        return [e for e in entries if wanted(e.api_name)]

    async def refresh(self) -> dict[str, Any]:
        """Re-read the org's flows and rebuild the flow tools; notify clients when the tool list changed."""
        async with self._refresh_lock:
            before = self._snapshot()
            try:
                loaded = await self.loader.load()
            finally:
                self._ready.set()  # even a failed first load must not keep tools/list waiting
            if loaded is None:  # nothing changed in the org: the tools stand as they are
                selected, changed = self._selected_count, False
            else:
                entries = self.selected(loaded)
                del loaded
                selected = self._selected_count = len(entries)
                self._install(entries)
                del entries  # the describes are not held while clients are told and fetch the new tool list
                changed = self._snapshot() != before
        if changed:
            await self.notify()
        for hook in self.after_refresh:
            await hook(self.flow_versions)
        stats = self.loader.last_stats
        return {
            "invocableFlows": stats.listed,
            "selectedFlows": selected,
            "flowTools": sum(name.startswith("flow_") for name in self._tools),
            "describedFromOrg": stats.described,
            "metadataRequests": stats.metadata_requests,
            "describeFailures": stats.failed,
            "policy": self.policy,
            "toolListChanged": changed,
        }

    def _install(self, entries: list[FlowEntry]) -> None:
        self.flow_versions = {e.api_name: (e.label, e.version) for e in entries}
        records = ((e.api_name, record_inputs(_listed(e.describe.get("inputs")))) for e in entries)
        self.record_inputs_of = {name: found for name, found in records if found}
        # Describes are kept only for search_flows; one tool per flow needs none once the tools are made.
        self.entries = []
        self._flow_names = tuple(e.api_name for e in entries)
        limit = self.options.max_flow_tools
        tools: list[RegisteredTool]
        if self.options.read_only:
            tools, self.policy = self._read_only_tools(entries, limit)
        elif len(entries) > limit:
            self.entries = entries
            tools = [search_tool(lambda: self.entries)]
            self.policy = (
                f"{len(entries)} invocable flows is more than the limit of {limit} tools: search_flows and "
                "invoke_flow instead of one tool per flow (raise the limit with --max-flow-tools)"
            )
        else:
            tools = flow_tools(entries, self.client)
            self.policy = f"{len(entries)} invocable flows, one flow_<ApiName> tool each (limit {limit})"
        # One assignment: a call that looks tools up meanwhile sees the old set or the new one, never half of each.
        self._tools = {REFRESH_TOOL: self._refresh, **{t.tool.name: t for t in tools}}
        shown = {t.tool.name for t in tools}
        names = assign_tool_names(e.api_name for e in entries) if shown else {}
        self.tool_of_flow = {flow: tool for flow, tool in names.items() if tool in shown}
        self.flow_of_tool = {tool: flow for flow, tool in self.tool_of_flow.items()}

    def _read_only_tools(self, entries: list[FlowEntry], limit: int) -> tuple[list[RegisteredTool], str]:
        """--read-only: the tools of the flows whose metadata shows they change nothing (readOnlyHint true), up to
        the limit. Above it, none: search_flows would find flows to run with invoke_flow, which --read-only hides."""
        tools = [t for t in flow_tools(entries, self.client) if t.read_only]
        if len(tools) > limit:
            return [], (
                f"{len(entries)} invocable flows, {len(tools)} of them read-only: more than the limit of {limit} "
                "tools, so no flow tools under --read-only (raise the limit with --max-flow-tools)"
            )
        return tools, (
            f"{len(entries)} invocable flows; --read-only: a flow_<ApiName> tool for each of the {len(tools)} whose "
            "metadata shows they change nothing, none for the others"
        )

    def _snapshot(self) -> list[types.Tool]:
        """The tool list as it is now; two snapshots compare equal when every tool's fields do (pydantic equality,
        nested schemas included): cheap, where dumping 1,000 tools to JSON to compare them took tens of ms."""
        return [registered.tool for registered in self._tools.values()]

    @property
    def is_ready(self) -> bool:
        """The first load has finished (or failed): tools/list no longer waits for it."""
        return self._ready.is_set()

    async def wait_ready(self) -> None:
        with anyio.move_on_after(self.options.startup_wait):
            await self._ready.wait()

    async def run(self) -> None:
        """The first load, then a refresh every `refresh_interval` seconds; failures are logged and retried."""
        while True:
            try:
                summary = await self.refresh()
                logger.info("flow catalogue: %s", summary["policy"])
            except Exception as exc:  # a refresh failure must not stop the server or later refreshes
                logger.warning("could not load the org's invocable flows: %s", exc)
            if self.options.refresh_interval <= 0:
                return
            await anyio.sleep(self.options.refresh_interval)

    async def _refresh_quietly(self) -> None:
        try:
            await self.refresh()
        except Exception as exc:
            logger.warning("could not refresh the flow catalogue: %s", exc)

    async def _refresh_on_miss(self, name: str) -> bool:
        """A call to a flow tool we do not know: the org may have a new flow since the last refresh."""
        if not name.startswith("flow_"):
            return False
        try:
            await self.refresh()
        except Exception as exc:
            logger.warning("refresh after a call to unknown tool %s failed: %s", name, exc)
            return False
        return name in self._tools


def _listed(value: object) -> list[object]:
    """A describe's parameter list, or none when the describe is malformed (flow_schema logs that)."""
    return value if isinstance(value, list) else []
