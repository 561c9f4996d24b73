"""The per-flow part of the catalogue: derived at startup, kept current, limited by selection and a size policy."""

from __future__ import annotations

import fnmatch
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import anyio
import mcp_types as types

from salesforce_flow_mcp import defaults
from salesforce_flow_mcp.salesforce.invocable_flows import FlowEntry, InvocableFlowFetcher

from .catalogue import Catalogue
from .flow_tools import SEARCH_TOOL, flow_tools, refresh_tool, search_tool

logger = logging.getLogger(__name__)

Notify = Callable[[], Awaitable[None]]


@dataclass(frozen=True)
class FlowToolOptions:
    include: tuple[str, ...] = ()  # ApiName globs; empty = every flow
    exclude: tuple[str, ...] = ()
    max_flow_tools: int = defaults.MAX_FLOW_TOOLS
    refresh_interval: float = defaults.REFRESH_INTERVAL
    startup_wait: float = defaults.CATALOGUE_WAIT


class FlowCatalogue:
    def __init__(
        self, catalogue: Catalogue, loader: InvocableFlowFetcher, options: FlowToolOptions, notify: Notify
    ) -> None:
        self.catalogue = catalogue
        self.loader = loader
        self.options = options
        self.notify = notify
        self.entries: list[FlowEntry] = []
        self.policy = "flow catalogue not loaded yet"
        self._flow_tool_names: set[str] = set()
        self._ready = anyio.Event()
        self._refresh_lock = anyio.Lock()
        catalogue.add([refresh_tool(self.refresh)])
        catalogue.on_unknown_tool = self._refresh_on_miss
        # Activating or deactivating a flow through this server changes the catalogue: refresh right away.
        catalogue.after_success["update_flow"] = self._refresh_quietly

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
                entries = self.selected(await self.loader.load())
            finally:
                self._ready.set()  # even a failed first load must not keep tools/list waiting
            selected = len(entries)
            self._install(entries)
            del entries  # the describes are not held while clients are told and fetch the new tool list
            changed = self._snapshot() != before
        if changed:
            await self.notify()
        stats = self.loader.last_stats
        return {
            "invocableFlows": stats.listed,
            "selectedFlows": selected,
            "flowTools": len(self._flow_tool_names),
            "describedFromOrg": stats.described,
            "describeFailures": stats.failed,
            "policy": self.policy,
            "toolListChanged": changed,
        }

    def _install(self, entries: list[FlowEntry]) -> None:
        self.catalogue.remove(self._flow_tool_names | {SEARCH_TOOL})
        # Describes are kept only for search_flows; one tool per flow needs none once the tools are made.
        self.entries = []
        limit = self.options.max_flow_tools
        if self.catalogue.read_only:
            tools = []
            self.policy = f"{len(entries)} invocable flows, no flow tools: --read-only hides tools that run flows"
        elif len(entries) > limit:
            self.entries = entries
            tools = [search_tool(lambda: self.entries)]
            self.policy = (
                f"{len(entries)} invocable flows is more than the limit of {limit} tools: search_flows and "
                "invoke_flow instead of one tool per flow (raise the limit with --max-flow-tools)"
            )
        else:
            tools = flow_tools(entries, self.catalogue.client)
            self.policy = f"{len(entries)} invocable flows, one flow_<ApiName> tool each (limit {limit})"
        self.catalogue.add(tools)
        self._flow_tool_names = {t.tool.name for t in tools} - {SEARCH_TOOL}

    def _snapshot(self) -> list[types.Tool]:
        """The tool list as it is now; two snapshots compare equal when every tool's fields do (pydantic equality,
        nested schemas included): cheap, where dumping 1,000 tools to JSON to compare them took tens of ms."""
        return self.catalogue.tools()

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
        return name in self.catalogue.names()
