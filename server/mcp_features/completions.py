"""completion/complete: flow API names (prompt arguments and the `{ApiName}` of the flow resource template), a flow's
picklist inputs and their values, FlowInterview Ids, the objects flows are triggered by, call ids."""

from __future__ import annotations

import logging
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

import mcp_types as types

from salesforce_flow_mcp.aliases import Dialect
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import SalesforceError
from salesforce_flow_mcp.salesforce.routes import handler_for
from salesforce_flow_mcp.tools.flow_types import picklist_values

from .long_calls import LongCalls
from .resources import CALL_TEMPLATE, FLOW_TEMPLATE

if TYPE_CHECKING:
    from salesforce_flow_mcp.tools.flow_catalogue import FlowCatalogue

logger = logging.getLogger(__name__)

MAX_VALUES = 100  # the most a completion may carry (MCP spec)
CACHE_SECONDS = 60.0  # org answers behind completions are reused this long: typing a name costs one request
INTERVIEWS = "SELECT Id FROM FlowInterview ORDER BY LastModifiedDate DESC LIMIT 200"
TRIGGER_OBJECTS = "SELECT TriggerObjectOrEventLabel FROM FlowDefinitionView WHERE IsActive = true"

Source = Callable[[dict[str, str]], Awaitable[list[str]]]


class Completions:
    def __init__(
        self, client: SalesforceClient, dialect: Dialect, flows: FlowCatalogue | None, long_calls: LongCalls
    ) -> None:
        self.client = client
        self.dialect = dialect
        self.flows = flows
        self.long_calls = long_calls
        self._cache: dict[str, tuple[float, Any]] = {}
        # (prompt name or resource template, argument) -> where its values come from: a table, not a chain of ifs.
        self.sources: dict[tuple[str, str], Source] = {
            ("run_flow_safely", "flowApiName"): self._flow_names,
            ("run_flow_safely", "input"): self._picklist_inputs,
            ("run_flow_safely", "value"): self._picklist_values,
            ("why_did_interview_fail", "interviewId"): self._interview_ids,
            ("automation_on_object", "objectName"): self._trigger_objects,
            (FLOW_TEMPLATE, "ApiName"): self._flow_names,
            (CALL_TEMPLATE, "callId"): self._call_ids,
        }

    async def complete(self, ctx: Any, params: types.CompleteRequestParams) -> types.CompleteResult:
        ref = params.ref
        key = ref.name if isinstance(ref, types.PromptReference) else ref.uri
        source = self.sources.get((key, params.argument.name))
        context = dict((params.context.arguments or {}) if params.context else {})
        values: list[str] = []
        if source is not None:
            try:
                values = await source(context)
            except SalesforceError as exc:  # a completion is a convenience: no values rather than an error
                logger.info("no completions for %s.%s: %s", key, params.argument.name, exc)
        typed = params.argument.value.lower()
        matches = [v for v in values if v.lower().startswith(typed)]
        matches += [v for v in values if typed and typed in v.lower() and v not in matches]
        return types.CompleteResult(
            completion=types.Completion(
                values=matches[:MAX_VALUES], total=len(matches), has_more=len(matches) > MAX_VALUES
            )
        )

    async def _flow_names(self, context: dict[str, str]) -> list[str]:
        if self.flows is None:
            return []
        await self.flows.wait_ready()
        return sorted(self.flows.flow_versions)

    async def _picklist_inputs(self, context: dict[str, str]) -> list[str]:
        inputs = await self._inputs(context.get("flowApiName", ""))
        return [str(p["name"]) for p in inputs if picklist_values(p)]

    async def _picklist_values(self, context: dict[str, str]) -> list[str]:
        inputs = await self._inputs(context.get("flowApiName", ""))
        wanted = context.get("input")
        return [v for p in inputs if p.get("name") == wanted for v in picklist_values(p)]

    async def _inputs(self, api_name: str) -> list[dict[str, Any]]:
        if not api_name or (self.flows is not None and api_name not in self.flows.flow_versions):
            return []

        async def fetch() -> Any:
            return await handler_for("get_invocable_flow_metadata", self.dialect)(
                self.client, {"flowApiName": api_name}
            )

        describe = await self._cached(f"describe:{api_name}", fetch)
        inputs = describe.get("inputs") if isinstance(describe, dict) else None
        return [p for p in inputs or [] if isinstance(p, dict) and p.get("name")]

    async def _interview_ids(self, context: dict[str, str]) -> list[str]:
        result = await self._cached("interviews", lambda: self.client.query(INTERVIEWS, max_records=200))
        return [str(r["Id"]) for r in result.get("records") or [] if r.get("Id")]

    async def _trigger_objects(self, context: dict[str, str]) -> list[str]:
        result = await self._cached("triggers", lambda: self.client.query(TRIGGER_OBJECTS))
        labels = {str(r.get("TriggerObjectOrEventLabel")) for r in result.get("records") or []}
        return sorted(label for label in labels if label and label != "None")

    async def _call_ids(self, context: dict[str, str]) -> list[str]:
        return list(reversed(self.long_calls.jobs))

    async def _cached(self, key: str, fetch: Callable[[], Awaitable[Any]]) -> Any:
        hit = self._cache.get(key)
        now = time.monotonic()
        if hit is not None and now - hit[0] < CACHE_SECONDS:
            return hit[1]
        value = await fetch()
        self._cache[key] = (now, value)
        return value
