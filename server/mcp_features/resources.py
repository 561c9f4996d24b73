"""Each invocable flow as a resource, `salesforce-flow://flows/{ApiName}`: its describe (inputs and outputs) and, where
the org lets us read it, a summary of its metadata (elements, the objects it reads and writes, actions, subflows).
Also the outcome of calls answered as still running, `salesforce-flow://calls/{callId}`.

The list pages; clients hear `notifications/resources/list_changed` when the set of flows changes and
`notifications/resources/updated` for subscribed flows that got a new version (2025-11-25: on their session;
2026-07-28: on `subscriptions/listen`).
"""

from __future__ import annotations

import json
import logging
from collections import Counter
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import mcp_types as types
from mcp.shared.exceptions import MCPError
from mcp_types.version import MODERN_PROTOCOL_VERSIONS

from salesforce_flow_mcp.aliases import Dialect
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import SalesforceError
from salesforce_flow_mcp.salesforce.routes import handler_for
from salesforce_flow_mcp.sfid import is_api_name

from .long_calls import CALL_URI_PREFIX, LongCalls

if TYPE_CHECKING:
    from salesforce_flow_mcp.notify import ToolListNotifier
    from salesforce_flow_mcp.tools.flow_catalogue import FlowCatalogue

logger = logging.getLogger(__name__)

FLOW_URI_PREFIX = "salesforce-flow://flows/"
FLOW_TEMPLATE = FLOW_URI_PREFIX + "{ApiName}"
CALL_TEMPLATE = CALL_URI_PREFIX + "{callId}"
PAGE_SIZE = 100
JSON = "application/json"
TEMPLATES = (  # name, URI template, title, description
    (
        "flow",
        FLOW_TEMPLATE,
        "An invocable flow",
        "A flow's inputs and outputs (its describe) and a summary of its metadata",
    ),
    (
        "call",
        CALL_TEMPLATE,
        "A call still running on the org",
        "The state and, once it finished, the result of a call answered as still running",
    ),
)

# Flow metadata element lists, and what the summary says about each (Metadata API, Flow: recordLookups read an
# object, recordCreates/Updates/Deletes write one, actionCalls name an action, subflows a flow).
RECORD_ELEMENTS = {"recordLookups": "reads", "recordCreates": "creates", "recordUpdates": "updates",
                   "recordDeletes": "deletes"}  # fmt: skip
ELEMENT_LISTS = ("actionCalls", "assignments", "collectionProcessors", "decisions", "loops", "recordCreates",
                 "recordDeletes", "recordLookups", "recordUpdates", "screens", "subflows", "waits", "customErrors",
                 "transforms")  # fmt: skip


def flow_uri(api_name: str) -> str:
    return FLOW_URI_PREFIX + api_name


@dataclass
class FlowResources:
    client: SalesforceClient
    dialect: Dialect
    flows: FlowCatalogue | None
    long_calls: LongCalls
    notifier: ToolListNotifier
    _known: dict[str, tuple[str, str]] | None = field(default=None, init=False)

    def __post_init__(self) -> None:
        if self.flows is not None:
            self.flows.after_refresh.append(self._flows_refreshed)

    # --- the lists ------------------------------------------------------------------------------------------------

    def flow_names(self) -> list[str]:
        return sorted(self.flows.flow_versions) if self.flows is not None else []

    async def list_resources(self, ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListResourcesResult:
        if self.flows is not None:
            await self.flows.wait_ready()
        names = self.flow_names()
        start = _cursor_start(params.cursor if params else None, len(names))
        page = names[start : start + PAGE_SIZE]
        versions = self.flows.flow_versions if self.flows is not None else {}
        resources = [
            types.Resource(
                uri=flow_uri(name),
                name=name,
                title=versions[name][0],
                description=f"Inputs, outputs and what flow {name} touches",
                mime_type=JSON,
            )
            for name in page
        ]
        more = start + PAGE_SIZE < len(names)
        return types.ListResourcesResult(resources=resources, next_cursor=str(start + PAGE_SIZE) if more else None)

    async def list_templates(
        self, ctx: Any, params: types.PaginatedRequestParams | None
    ) -> types.ListResourceTemplatesResult:
        templates = [
            types.ResourceTemplate(uri_template=uri, name=name, title=title, description=description, mime_type=JSON)
            for name, uri, title, description in TEMPLATES
        ]
        return types.ListResourceTemplatesResult(resource_templates=templates)

    # --- reading --------------------------------------------------------------------------------------------------

    async def read(self, ctx: Any, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        try:
            return await self._read(params)
        except ResourceNotFound as missing:
            raise missing.for_protocol(getattr(ctx, "protocol_version", None)) from missing

    async def _read(self, params: types.ReadResourceRequestParams) -> types.ReadResourceResult:
        uri = str(params.uri)
        if uri.startswith(FLOW_URI_PREFIX):
            body = await self._read_flow(uri.removeprefix(FLOW_URI_PREFIX))
        elif uri.startswith(CALL_URI_PREFIX):
            job = self.long_calls.get(uri.removeprefix(CALL_URI_PREFIX))
            if job is None:
                raise _not_found(uri, "no such call (calls are kept while the server runs, the last 100 of them)")
            body = job.status()
        else:
            raise _not_found(uri, f"resources are {FLOW_TEMPLATE} and {CALL_TEMPLATE}")
        text = json.dumps(body, ensure_ascii=False, separators=(",", ":"), default=str)
        return types.ReadResourceResult(contents=[types.TextResourceContents(uri=uri, mime_type=JSON, text=text)])

    async def _read_flow(self, api_name: str) -> dict[str, Any]:
        uri = flow_uri(api_name)
        if not is_api_name(api_name):
            raise _not_found(uri, "an API name has letters, digits and single underscores (e.g. Route_Support_Case)")
        describe_flow = handler_for("get_invocable_flow_metadata", self.dialect)
        try:
            describe = await describe_flow(self.client, {"flowApiName": api_name})
        except SalesforceError as exc:
            raise _not_found(uri, f"the org did not describe it ({exc}); list_invocable_flows names the flows") from exc
        body: dict[str, Any] = {"apiName": api_name, "describe": describe}
        tool = self.flows.tool_of_flow.get(api_name) if self.flows is not None else None
        if tool:
            body["tool"] = tool
        body["metadata"] = await self._metadata_summary(api_name)
        return body

    async def _metadata_summary(self, api_name: str) -> dict[str, Any] | None:
        """From the Tooling API's Flow.Metadata of the active version (one query; a `Metadata` query must return one
        row, hence the filter); None where the org does not let us read it (the seed dialect has no Tooling API)."""
        if self.dialect != "salesforce":
            return None
        soql = (
            "SELECT Id, VersionNumber, Metadata FROM Flow "
            f"WHERE Definition.DeveloperName = '{api_name}' AND Status = 'Active'"
        )
        try:
            result = await self.client.query(soql, tooling=True, max_records=1)
        except SalesforceError as exc:
            logger.info("no metadata for flow %s: %s", api_name, exc)
            return {"unreadable": str(exc)}
        records = result.get("records") or []
        if not records or not isinstance(records[0].get("Metadata"), dict):
            return None
        return summarize_metadata(records[0]["Metadata"], records[0].get("Id"), records[0].get("VersionNumber"))

    # --- change notifications -------------------------------------------------------------------------------------

    async def _flows_refreshed(self, versions: dict[str, tuple[str, str]]) -> None:
        before, self._known = self._known, dict(versions)
        if before is None:  # the first load: nothing was listed before it
            return
        if set(before) != set(versions) or any(before[n][0] != versions[n][0] for n in versions if n in before):
            await self.notifier.resources_changed()
        updated = [flow_uri(n) for n in versions if n in before and before[n][1] != versions[n][1]]
        for uri in updated:
            await self.notifier.resource_updated(uri)


def summarize_metadata(metadata: dict[str, Any], version_id: Any, version_number: Any) -> dict[str, Any]:
    counts: Counter[str] = Counter()
    touches: dict[str, set[str]] = {verb: set() for verb in RECORD_ELEMENTS.values()}
    actions: set[str] = set()
    subflows: set[str] = set()
    for kind in ELEMENT_LISTS:
        elements = metadata.get(kind) or []
        elements = elements if isinstance(elements, list) else [elements]
        counts[kind] += len(elements)
        for element in elements:
            if not isinstance(element, dict):
                continue
            if kind in RECORD_ELEMENTS:
                target = element.get("object") or _reference_object(element)
                touches[RECORD_ELEMENTS[kind]].add(str(target or "a record variable"))
            elif kind == "actionCalls":
                actions.add(
                    f"{element.get('actionType') or 'action'}:{element.get('actionName') or element.get('name')}"
                )
            elif kind == "subflows" and element.get("flowName"):
                subflows.add(str(element["flowName"]))
    return {
        "versionId": version_id,
        "versionNumber": version_number,
        "processType": metadata.get("processType"),
        "elements": {kind: n for kind, n in sorted(counts.items()) if n},
        **{verb: sorted(objects) for verb, objects in touches.items() if objects},
        **({"actions": sorted(actions)} if actions else {}),
        **({"subflows": sorted(subflows)} if subflows else {}),
    }


def _reference_object(element: dict[str, Any]) -> str | None:
    reference = element.get("inputReference")
    return f"records in {reference}" if reference else None


def _cursor_start(cursor: str | None, total: int) -> int:
    if cursor is None:
        return 0
    if not cursor.isdigit() or int(cursor) > total:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Invalid cursor {cursor!r}: pass the nextCursor of a list")
    return int(cursor)


class ResourceNotFound(Exception):
    """A resource that does not exist; its JSON-RPC code depends on the protocol era of the request.

    2025-11-25 answers -32002; 2026-07-28 retired that code (SEP-2164) for -32602 invalid params. Both carry the URI.
    """

    def __init__(self, uri: str, why: str) -> None:
        super().__init__(f"Resource not found: {uri}: {why}")
        self.uri = uri

    def for_protocol(self, protocol_version: str | None) -> MCPError:
        code = types.INVALID_PARAMS if protocol_version in MODERN_PROTOCOL_VERSIONS else LEGACY_RESOURCE_NOT_FOUND
        return MCPError(code=code, message=str(self), data={"uri": self.uri})


LEGACY_RESOURCE_NOT_FOUND = -32002


def _not_found(uri: str, why: str) -> ResourceNotFound:
    return ResourceNotFound(uri, why)
