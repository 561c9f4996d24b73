"""The tool catalogue: what tools/list shows and how tools/call runs, for operation tools and per-flow tools alike.

Every call is validated against the tool's inputSchema first (the SDK does not do it), and every failure, from bad
arguments to an unreachable org, comes back as a result with isError and a message an agent can act on.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from typing import Any

import mcp_types as types

from salesforce_flow_mcp.aliases import Args, Dialect
from salesforce_flow_mcp.salesforce.client import SalesforceClient
from salesforce_flow_mcp.salesforce.errors import (
    AuthenticationFailed,
    SalesforceAPIError,
    SalesforceError,
    SalesforceUnreachable,
    UnexpectedResponse,
)
from salesforce_flow_mcp.salesforce.normalize import describe_failure
from salesforce_flow_mcp.salesforce.routes import handler_for

from .operations import OPERATION_TOOLS, OperationTool
from .validation import ArgumentError, InputValidator, compile_input_schema, validate_arguments

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Outcome:
    """What a tool produced: structured content, and whether it is a failure the agent should see as one."""

    structured: Any
    is_error: bool = False
    message: str | None = None


@dataclass(frozen=True)
class RegisteredTool:
    tool: types.Tool
    validator: InputValidator  # compiled on the tool's first call
    run: Callable[[Args], Awaitable[Outcome]]
    # Reshapes arguments before validation (flow tools: a null input means "leave it unset").
    prepare: Callable[[Args], Args] | None = None

    @property
    def read_only(self) -> bool:
        return bool(self.tool.annotations and self.tool.annotations.read_only_hint)


def tool_definition(
    name: str,
    title: str,
    description: str,
    input_schema: Args,
    output_schema: Args | None,
    *,
    read_only: bool,
    destructive: bool,
    idempotent: bool,
) -> types.Tool:
    return types.Tool(
        name=name,
        title=title,
        description=description,
        input_schema=input_schema,
        output_schema=output_schema,
        annotations=types.ToolAnnotations(
            title=title,
            read_only_hint=read_only,
            destructive_hint=None if read_only else destructive,
            idempotent_hint=None if read_only else idempotent,
            open_world_hint=True,
        ),
    )


def _operation_tool(spec: OperationTool, client: SalesforceClient, dialect: Dialect) -> RegisteredTool:
    handler = handler_for(spec.name, dialect)

    async def run(args: Args) -> Outcome:
        for check in spec.checks:
            check(args)
        result = await handler(client, args)
        return _outcome_of(spec.name, result)

    tool = tool_definition(
        spec.name,
        spec.title,
        spec.description,
        spec.input_schema,
        spec.output,
        read_only=spec.hints.read_only,
        destructive=spec.hints.destructive,
        idempotent=spec.hints.idempotent,
    )
    return RegisteredTool(tool, compile_input_schema(tool.input_schema), run)


def _outcome_of(name: str, result: Any) -> Outcome:
    """invoke_flow reports per-record results; any failed record makes the call an error, with all results kept."""
    if name == "invoke_flow" and isinstance(result, dict):
        failed = [(i, r) for i, r in enumerate(result.get("outputs") or []) if not r.get("isSuccess")]
        if failed:
            total = len(result["outputs"])
            lines = [f"record {i}: {describe_failure(r)}" for i, r in failed]
            summary = f"{len(failed)} of {total} flow invocations failed: " + "; ".join(lines)
            return Outcome(result, is_error=True, message=summary)
    return Outcome(result)


class Catalogue:
    """Named tools; operation tools are fixed, per-flow tools can be swapped as the org's flows change."""

    def __init__(self, client: SalesforceClient, dialect: Dialect = "salesforce", *, read_only: bool = False) -> None:
        self.client = client
        self.dialect = dialect
        self.read_only = read_only
        self._tools: dict[str, RegisteredTool] = {}
        # Asked when a call names a tool we do not have (the per-flow catalogue refreshes then); True = try again.
        self.on_unknown_tool: Callable[[str], Awaitable[bool]] | None = None
        # Run after a successful call of the named tool (update_flow changes which flows are active).
        self.after_success: dict[str, Callable[[], Awaitable[object]]] = {}
        self.add(_operation_tool(spec, client, dialect) for spec in OPERATION_TOOLS)

    def add(self, tools: Iterable[RegisteredTool]) -> None:
        for registered in tools:
            if self.read_only and not registered.read_only:
                continue
            self._tools[registered.tool.name] = registered

    def remove(self, names: Iterable[str]) -> None:
        for name in names:
            self._tools.pop(name, None)

    def names(self) -> list[str]:
        return list(self._tools)

    def tools(self) -> list[types.Tool]:
        return [registered.tool for registered in self._tools.values()]

    async def call(self, name: str, arguments: Args | None) -> types.CallToolResult:
        registered = self._tools.get(name)
        if registered is None and self.on_unknown_tool is not None and await self.on_unknown_tool(name):
            registered = self._tools.get(name)
        if registered is None:
            hint = " (hidden by --read-only)" if self.read_only and name in {s.name for s in OPERATION_TOOLS} else ""
            return error_result(f"Unknown tool {name!r}{hint}. Call tools/list to see the available tools.")
        args = dict(arguments or {})
        if registered.prepare is not None:
            args = registered.prepare(args)
        try:
            validate_arguments(name, registered.validator, args)
            outcome = await registered.run(args)
        except ArgumentError as exc:
            return error_result(str(exc))
        except SalesforceError as exc:
            return error_result(explain(name, exc))
        except Exception as exc:  # the server keeps serving whatever a tool hits
            logger.exception("tool %s failed", name)
            return error_result(
                f"{name} failed unexpectedly ({type(exc).__name__}: {exc}); the server is still running"
            )
        if outcome.is_error:
            return error_result(outcome.message or "the call failed", outcome.structured)
        if name in self.after_success:
            await self.after_success[name]()
        return types.CallToolResult(
            content=[types.TextContent(type="text", text=_to_json(outcome.structured))],
            structured_content=outcome.structured,
        )


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
