"""Tools made from invocable flows: one `flow_<ApiName>` tool each, or a search tool when the org has too many."""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Iterable

from salesforce_flow_mcp.aliases import Args
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.definition_view import NEWER_VERSION_NOTE
from salesforce_flow_mcp.salesforce.invocable_flows import FlowEntry
from salesforce_flow_mcp.salesforce.normalize import describe_failure
from salesforce_flow_mcp.salesforce.routes import invoke_flow_action

from .catalogue import RegisteredTool, tool_definition
from .flow_effects import UNREADABLE, FlowEffects, combine, effects_from_summary, hints_for, phrase, resolve_subflows
from .flow_naming import assign_tool_names
from .flow_schema import schemas_from_describe
from .outcome import Outcome
from .validation import compile_input_schema


def flow_tools(entries: Iterable[FlowEntry], client: SalesforceClient) -> list[RegisteredTool]:
    entries = list(entries)
    names = assign_tool_names(e.api_name for e in entries)
    effects = effects_of(entries)
    return [_flow_tool(names[e.api_name], e, client, effects[e.api_name]) for e in entries]


def effects_of(entries: Iterable[FlowEntry]) -> dict[str, FlowEffects]:
    """Each flow's effects: all its runnable versions' together, and its subflows' where they are among `entries`
    (a subflow that is not makes the effects unknown); metadata not read: unknown."""
    own = {
        e.api_name: combine(effects_from_summary(s) for s in e.effects) if e.effects else UNREADABLE for e in entries
    }
    return resolve_subflows(own)


def _flow_tool(tool_name: str, entry: FlowEntry, client: SalesforceClient, effects: FlowEffects) -> RegisteredTool:
    schemas = schemas_from_describe(entry.describe, effects=phrase(effects))
    hints = hints_for(effects)
    api_name = entry.api_name  # not the entry: the tool must not keep the flow's describe alive

    async def run(args: Args) -> Outcome:
        result = (await invoke_flow_action(client, api_name, [args])).results[0]
        if result.get("isSuccess"):
            return Outcome(result.get("outputValues") or {})
        return Outcome(None, is_error=True, message=f"Flow {api_name} failed: {describe_failure(result)}")

    description = schemas.description
    if entry.versions is not None and entry.versions.newer_than_active:
        description = f"{description} {NEWER_VERSION_NOTE}".strip()
    tool = tool_definition(
        tool_name,
        schemas.title,
        description,
        schemas.input_schema,
        schemas.output_schema,
        read_only=hints.read_only,
        destructive=hints.destructive,
        idempotent=hints.idempotent,
        open_world=hints.open_world,
    )
    validator = compile_input_schema(tool.input_schema)
    prepare = _without_null_inputs(frozenset(tool.input_schema.get("properties") or {}))
    return RegisteredTool(tool, validator, run, prepare=prepare, flow_name=lambda args: api_name)


def _without_null_inputs(inputs: frozenset[str]) -> Callable[[Args], Args]:
    """Agents send null for inputs they leave out; Salesforce takes a missing input as unset, so drop them. Only the
    flow's own inputs: a key the flow does not have stays, null or not, for additionalProperties to refuse."""

    def prepare(args: Args) -> Args:
        return {name: value for name, value in args.items() if value is not None or name not in inputs}

    return prepare


SEARCH_TOOL = "search_flows"
REFRESH_TOOL = "refresh_flows"


def search_tool(entries: Callable[[], list[FlowEntry]]) -> RegisteredTool:
    """For large orgs: find flows by words in their name, label, description or parameters."""

    async def run(args: Args) -> Outcome:
        words = [w.lower() for w in str(args.get("query", "")).split() if w]
        limit = int(args.get("limit", 10))
        scored = []
        for entry in entries():
            text = _search_text(entry)
            score = sum(text.count(w) for w in words) if words else 1
            if score and all(w in text for w in words):
                scored.append((-score, entry.api_name, entry))
        scored.sort(key=lambda item: (item[0], item[1]))
        flows = [_summary(entry) for _, _, entry in scored[:limit]]
        return Outcome({"totalMatches": len(scored), "flows": flows})

    input_schema = {
        "type": "object",
        "properties": {
            "query": {"type": "string", "maxLength": 500, "description": "Words to look for; empty lists every flow"},
            "limit": {"type": "integer", "minimum": 1, "maximum": 50, "default": 10},
        },
        "additionalProperties": False,
    }
    output_schema = {
        "type": "object",
        "properties": {
            "totalMatches": {"type": "integer"},
            "flows": {"type": "array", "items": {"type": "object", "additionalProperties": True}},
        },
        "additionalProperties": True,
    }
    tool = tool_definition(
        SEARCH_TOOL,
        "Search invocable flows",
        "Search the org's invocable flows by words in their API name, label, description and parameters. Each "
        "match lists its inputs (name, type, required); run it with invoke_flow using those input names.",
        input_schema,
        output_schema,
        read_only=True,
        destructive=False,
        idempotent=True,
    )
    return RegisteredTool(tool, compile_input_schema(input_schema), run)


def refresh_tool(refresh: Callable[[], Awaitable[Args]]) -> RegisteredTool:
    async def run(args: Args) -> Outcome:
        return Outcome(await refresh())

    input_schema: Args = {"type": "object", "properties": {}, "additionalProperties": False}
    tool = tool_definition(
        REFRESH_TOOL,
        "Refresh the flow catalogue",
        "Re-read the org's invocable flows now (after a flow was activated, deactivated or got a new version). "
        "The tool list is updated and clients are notified when it changed.",
        input_schema,
        {"type": "object", "additionalProperties": True},
        read_only=True,
        destructive=False,
        idempotent=True,
    )
    return RegisteredTool(tool, compile_input_schema(input_schema), run)


def _search_text(entry: FlowEntry) -> str:
    describe = entry.describe
    parts = [entry.api_name, entry.label, str(describe.get("description") or "")]
    for param in (describe.get("inputs") or []) + (describe.get("outputs") or []):
        if isinstance(param, dict):
            parts += [str(param.get("name") or ""), str(param.get("label") or ""), str(param.get("description") or "")]
    return " ".join(parts).replace("_", " ").lower() + " " + entry.api_name.lower()


def _summary(entry: FlowEntry) -> Args:
    inputs = [
        {
            k: p.get(k)
            for k in ("name", "type", "required", "maxOccurs", "sobjectType", "description")
            if p.get(k) is not None
        }
        for p in entry.describe.get("inputs") or []
        if isinstance(p, dict)
    ]
    return {
        "flowApiName": entry.api_name,
        "label": entry.label,
        "description": entry.describe.get("description"),
        "inputs": inputs,
        "outputs": [p.get("name") for p in entry.describe.get("outputs") or [] if isinstance(p, dict)],
        "invokeWith": json.dumps({"flowApiName": entry.api_name, "inputs": [{}]}),
        "versionStatus": entry.versions.status() if entry.versions is not None else None,
    }
