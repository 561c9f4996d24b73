"""Tools made from invocable flows: one `flow_<ApiName>` tool each, or a search tool when the org has too many."""

from __future__ import annotations

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
from .flow_records import with_record_types
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
    validator = compile_input_schema(schemas.input_schema)
    without_nulls = _without_null_inputs(frozenset(schemas.input_schema.get("properties") or {}))
    typed = with_record_types(tool_name, schemas.record_inputs)

    def prepare(args: Args) -> Args:
        return typed(without_nulls(args))

    return RegisteredTool(tool, validator, run, prepare=prepare, flow_name=lambda args: api_name)


def _without_null_inputs(inputs: frozenset[str]) -> Callable[[Args], Args]:
    """Agents send null for inputs they leave out; Salesforce takes a missing input as unset, so drop them. Only the
    flow's own inputs: a key the flow does not have stays, null or not, for additionalProperties to refuse."""

    def prepare(args: Args) -> Args:
        return {name: value for name, value in args.items() if value is not None or name not in inputs}

    return prepare


REFRESH_TOOL = "refresh_flows"


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
