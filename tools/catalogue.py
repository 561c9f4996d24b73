"""The tool catalogue: what tools/list shows and how tools/call runs, for operation tools and per-flow tools alike.

Every call is validated against the tool's inputSchema first (the SDK does not do it), and every failure, from bad
arguments to an unreachable org, comes back as a result with isError and a message an agent can act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types

from salesforce_flow_mcp import defaults
from salesforce_flow_mcp.aliases import Args, Dialect
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.deadline import call_deadline
from salesforce_flow_mcp.salesforce.errors import (
    AuthenticationFailed,
    CallDeadlineExceeded,
    SalesforceAPIError,
    SalesforceError,
    SalesforceUnreachable,
    UnexpectedResponse,
)
from salesforce_flow_mcp.salesforce.flow_status import flow_status
from salesforce_flow_mcp.salesforce.quoting import excerpt, quoted
from salesforce_flow_mcp.salesforce.routes import handler_for

from .flow_records import RecordInputs, with_invoke_record_types
from .operations import OPERATION_TOOLS, OperationTool
from .outcome import Outcome
from .suggestions import did_you_mean
from .validation import ArgumentError, InputValidator, compile_input_schema, validate_arguments

__all__ = [
    "Catalogue",
    "CatalogueHooks",
    "Outcome",
    "RegisteredTool",
    "error_result",
    "explain",
    "published",
    "tool_definition",
]

logger = logging.getLogger(__name__)

FLOW_TOOL_PREFIX = "flow_"


@dataclass(frozen=True)
class RegisteredTool:
    tool: types.Tool
    validator: InputValidator  # compiled on the tool's first call
    run: Callable[[Args], Awaitable[Outcome]]
    # Reshapes arguments before validation (flow tools: a null input means "leave it unset").
    prepare: Callable[[Args], Args] | None = None
    # The flow the call runs or reads, if any: a NOT_FOUND then says what the org has instead.
    flow_name: Callable[[Args], str | None] | None = None
    # A successful call changes which flows are active.
    changes_flows: bool = False

    @property
    def read_only(self) -> bool:
        return bool(self.tool.annotations and self.tool.annotations.read_only_hint)


async def _no_retry(name: str) -> bool:
    return False


async def _nothing() -> None:
    return None


def _no_tools() -> Mapping[str, RegisteredTool]:
    return {}


def _no_names() -> Iterable[str]:
    return ()


def _no_records(flow: str) -> RecordInputs:
    return {}


@dataclass(frozen=True)
class CatalogueHooks:
    """What the per-flow side gives the catalogue when it is made (by default: nothing).

    - `tools`: the tools that come and go with the org's flows (flow tools, search_flows, refresh_flows), asked at
      every tools/list and call.
    - `on_unknown_tool`: a call named a tool we do not have; True = it may exist now (the flows were re-read).
    - `on_flows_changed`: a call succeeded that changes which flows are active (update_flow).
    - `flow_names`: the API names of the flows known, for "did you mean" answers.
    - `record_inputs`: a known flow's record inputs (name -> sObject), for invoke_flow to type (flow_records.py).
    """

    tools: Callable[[], Mapping[str, RegisteredTool]] = _no_tools
    on_unknown_tool: Callable[[str], Awaitable[bool]] = _no_retry
    on_flows_changed: Callable[[], Awaitable[object]] = _nothing
    flow_names: Callable[[], Iterable[str]] = _no_names
    record_inputs: Callable[[str], RecordInputs] = _no_records


def published(schema: Any) -> Any:
    """An inputSchema as tools/list shows it: without `additionalProperties: false`. The server checks every call
    against the closed schema itself (validate_arguments: an unknown key is refused before anything is sent, naming
    the allowed keys and the closest one), so those 28 bytes per object would only repeat, on every turn, what the
    answer to a wrong key says once. OpenAI's strict mode, the one consumer that needs it, also needs every property
    required, which optional flow inputs never are."""
    if isinstance(schema, dict):
        return {k: published(v) for k, v in schema.items() if not (k == "additionalProperties" and v is False)}
    if isinstance(schema, list):
        return [published(item) for item in schema]
    return schema


def tool_definition(
    name: str,
    title: str | None,
    description: str,
    input_schema: Args,
    output_schema: Args | None,
    *,
    read_only: bool,
    destructive: bool,
    idempotent: bool,
    open_world: bool = True,
) -> types.Tool:
    """A tool as tools/list shows it; the title is the tool's, not repeated in the annotations; the inputSchema is
    `published(input_schema)`.

    A hint is left out only where leaving it out reads the same both ways: as MCP's default (readOnlyHint and
    idempotentHint false, destructiveHint and openWorldHint true) and as false, which some clients assume for any
    missing hint. So a false readOnlyHint or idempotentHint is not sent; destructiveHint and openWorldHint always
    are (a client reading a missing one as false would take a destructive tool for a harmless one)."""
    return types.Tool(
        name=name,
        title=title,
        description=description,
        input_schema=published(input_schema),
        output_schema=output_schema,
        annotations=types.ToolAnnotations(
            read_only_hint=True if read_only else None,
            destructive_hint=None if read_only else destructive,
            idempotent_hint=True if idempotent and not read_only else None,
            open_world_hint=open_world,
        ),
    )


def _operation_tool(
    spec: OperationTool, client: SalesforceClient, dialect: Dialect, records_of: Callable[[str], RecordInputs]
) -> RegisteredTool:
    handler = handler_for(spec.name, dialect)

    async def run(args: Args) -> Outcome:
        for check in spec.checks:
            check(args)
        return spec.result(await handler(client, args), args)

    tool = tool_definition(
        spec.name,
        spec.title,
        spec.description,
        spec.input_schema,
        None,
        read_only=spec.hints.read_only,
        destructive=spec.hints.destructive,
        idempotent=spec.hints.idempotent,
    )
    validator = compile_input_schema(spec.input_schema)
    prepare = with_invoke_record_types(spec.name, records_of) if spec.types_records else None
    return RegisteredTool(
        tool, validator, run, prepare=prepare, flow_name=spec.flow_name, changes_flows=spec.changes_flows
    )


@dataclass(eq=False)
class Catalogue:
    """Named tools: the operation tools, fixed, and the per-flow side's tools, which change with the org's flows."""

    client: SalesforceClient
    dialect: Dialect = "salesforce"
    read_only: bool = False
    hooks: CatalogueHooks = field(default_factory=CatalogueHooks)
    call_timeout: float = defaults.CALL_TIMEOUT  # one deadline per call, retries included (salesforce/deadline.py)

    def __post_init__(self) -> None:
        operations = (_operation_tool(spec, self.client, self.dialect, self._record_inputs) for spec in OPERATION_TOOLS)
        self._operations = {t.tool.name: t for t in operations if self._shown(t)}

    def _record_inputs(self, flow: str) -> RecordInputs:
        return self.hooks.record_inputs(flow)

    def _shown(self, registered: RegisteredTool) -> bool:
        return registered.read_only or not self.read_only

    def _registered(self) -> list[RegisteredTool]:
        extra = [t for name, t in self.hooks.tools().items() if name not in self._operations and self._shown(t)]
        return [*self._operations.values(), *extra]

    def names(self) -> list[str]:
        return [registered.tool.name for registered in self._registered()]

    def tools(self) -> list[types.Tool]:
        return [registered.tool for registered in self._registered()]

    def get(self, name: str) -> RegisteredTool | None:
        found = self._operations.get(name) or self.hooks.tools().get(name)
        return found if found is not None and self._shown(found) else None

    async def call(self, name: str, arguments: Args | None, *, deadline: bool = True) -> types.CallToolResult:
        """`deadline=False` only for a call whose caller is answered some other way when it runs long (a write
        running on in the background past the long-call bound, mcp_features/long_calls.py)."""
        started = anyio.current_time()
        try:
            async with call_deadline(self.call_timeout if deadline else None):
                result, changed_flows = await self._call(name, arguments)
        except CallDeadlineExceeded as exc:
            return error_result(explain(name, exc))
        if changed_flows:
            # The change is made; what it changes in the catalogue is read within what is left of the deadline
            # (else at the next refresh), so the answer is never late for it.
            left = self.call_timeout - (anyio.current_time() - started) if self.call_timeout and deadline else None
            with anyio.move_on_after(left):
                await self.hooks.on_flows_changed()
        return result

    async def _call(self, name: str, arguments: Args | None) -> tuple[types.CallToolResult, bool]:
        """The call's result, and whether it changed the org's flows."""
        registered = self.get(name)
        if registered is None and await self.hooks.on_unknown_tool(name):
            registered = self.get(name)
        if registered is None:
            return error_result(await self._unknown_tool(name)), False
        args = dict(arguments or {})
        try:
            if registered.prepare is not None:
                args = registered.prepare(args)
            validate_arguments(name, registered.validator, args)
            outcome = await registered.run(args)
        except ArgumentError as exc:
            return error_result(str(exc)), False
        except SalesforceError as exc:
            not_found = isinstance(exc, SalesforceAPIError) and exc.error_code == "NOT_FOUND"
            flow = registered.flow_name(args) if registered.flow_name and not_found else None
            return error_result(explain(name, exc) + (await self._flow_not_found(flow) if flow else "")), False
        except Exception as exc:  # the server keeps serving whatever a tool hits
            logger.exception("tool %s failed", name)
            detail = excerpt(f"{type(exc).__name__}: {exc}")
            return error_result(f"{name} failed unexpectedly ({detail}); the server is still running"), False
        if outcome.is_error:
            return error_result(outcome.message or "the call failed", outcome.structured), False
        result = types.CallToolResult(
            content=[types.TextContent(type="text", text=_to_json(outcome.structured))],
            structured_content=outcome.structured,
        )
        return result, registered.changes_flows

    async def _unknown_tool(self, name: str) -> str:
        if self.read_only and name in {s.name for s in OPERATION_TOOLS}:
            return f"Unknown tool {quoted(name)} (hidden by --read-only). Call tools/list to see the available tools."
        flow = name[len(FLOW_TOOL_PREFIX) :] if name.startswith(FLOW_TOOL_PREFIX) else None
        if flow and self.read_only and flow in set(self.hooks.flow_names()):
            return (
                f"Unknown tool {quoted(name)}: --read-only hides the tools of flows that may change the org (or whose "
                "metadata could not be read); only flows that change nothing have tools."
            )
        if flow and flow in set(self.hooks.flow_names()):
            return (
                f"The flow {flow} has no tool of its own (the org has more flows than the flow-tool limit, "
                f"--max-flow-tools): run it with invoke_flow and flowApiName {flow!r}; search_flows lists its inputs."
            )
        message = f"Unknown tool {quoted(name)}." + did_you_mean(name, self.names())
        if name.startswith(FLOW_TOOL_PREFIX) and await flow_status(self.client, name[len(FLOW_TOOL_PREFIX) :]) == (
            "inactive"
        ):
            message += (
                f" The org has the flow {name[len(FLOW_TOOL_PREFIX) :]}, but no active version of it, so it has "
                "no tool: activate a version with update_flow (find its Id with list_flows)."
            )
        return message + " Call tools/list to see the available tools."

    async def _flow_not_found(self, api_name: str) -> str:
        """What to add to a NOT_FOUND for a named flow: that it is inactive, or the closest known flow names."""
        status = await flow_status(self.client, api_name)
        if status == "inactive":
            return (
                f" The flow {api_name} exists but has no active version: activate one with update_flow (find its "
                "Id with list_flows)."
            )
        return f" Unknown flow {api_name!r}." + did_you_mean(api_name, self.hooks.flow_names())


# What an agent can do about an error Salesforce answered with, by its errorCode.
_API_ADVICE = {
    "NOT_FOUND": "Check the Id or API name (list_flows, list_invocable_flows).",
    "INVALID_TYPE": "Query only flow objects.",
    "INVALID_FIELD": "Check the field names of the object.",
    "MALFORMED_QUERY": "Fix the SOQL syntax.",
    "INVALID_SESSION_ID": "The session expired; the server could not refresh it: sign in again.",
    "REQUEST_LIMIT_EXCEEDED": "The org's API limit is reached; wait before retrying.",
}

# What an agent can do about the other kinds of failure, by type (the first that matches).
_ADVICE_BY_TYPE: tuple[tuple[type[SalesforceError], str], ...] = (
    (AuthenticationFailed, "Sign-in failed; see the message."),
    (UnexpectedResponse, "Salesforce's answer was not in the documented shape; report this if it persists."),
)

FLOW_MAY_HAVE_RUN = (
    "The request reached Salesforce or may have, so the flow may have run and written records. Before running it "
    "again, check what it did: query_flows with SELECT Id, InterviewStatus, CreatedDate FROM FlowInterview ORDER BY "
    "CreatedDate DESC (an interview that paused), and the records the flow writes."
)
# Tools whose change is checked another way than a flow run (the default).
_CHECK_BEFORE_AGAIN = {
    "update_flow": "The change may have been made: read the flow with get_flow before sending it again.",
    "delete_flow_interview": "The interview may be deleted: read it with get_flow_interview before sending it again.",
}
NOT_SENT = "The org did not answer; nothing was changed. Try again later."


def explain(tool: str, error: SalesforceError) -> str:
    return f"{tool} failed: {error} {advice_for(tool, error)}".rstrip()


def advice_for(tool: str, error: SalesforceError) -> str:
    if isinstance(error, SalesforceUnreachable):
        return _CHECK_BEFORE_AGAIN.get(tool, FLOW_MAY_HAVE_RUN) if error.may_have_run else NOT_SENT
    if isinstance(error, SalesforceAPIError):
        advice = _API_ADVICE.get(error.error_code, "")
        if not advice and error.status >= 500:
            advice = "Salesforce had a server error; retrying later may work."
        return advice
    return next((advice for kind, advice in _ADVICE_BY_TYPE if isinstance(error, kind)), "")


def error_result(message: str, structured: Any = None) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)],
        structured_content=structured,
        is_error=True,
    )


def _to_json(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str)
