"""Checks on tool arguments before anything is sent: JSON Schema, path parameters, and the SOQL guard.

The MCP SDK does not validate arguments against a tool's inputSchema on the server, so every call goes through
`validate_arguments` first.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from salesforce_flow_mcp.salesforce.flow_objects import FLOW_OBJECT_NAMES, FLOW_OBJECTS, follow
from salesforce_flow_mcp.salesforce.quoting import excerpt, quoted
from salesforce_flow_mcp.salesforce.soql import without_literals
from salesforce_flow_mcp.salesforce.soql_reads import SoqlSyntaxError, query_reads
from salesforce_flow_mcp.sfid import is_api_name, is_salesforce_id

from .suggestions import closest

if TYPE_CHECKING:
    from jsonschema import Draft202012Validator
    from jsonschema.exceptions import ValidationError


class ArgumentError(ValueError):
    """Arguments an agent must correct; the message says how."""


class InputValidator:
    """A tool's inputSchema, checked against the 2020-12 metaschema and compiled when the tool is first called.

    The metaschema check costs about a millisecond per schema: an org of 1,000 flows would pay over a second at every
    start, before tools/list, for tools most sessions never call. jsonschema itself is imported then too.
    """

    __slots__ = ("_compiled", "schema")

    def __init__(self, schema: dict[str, Any]) -> None:
        self.schema = schema
        self._compiled: Draft202012Validator | None = None

    def compiled(self) -> Draft202012Validator:
        if self._compiled is None:
            from jsonschema import Draft202012Validator

            Draft202012Validator.check_schema(self.schema)
            self._compiled = Draft202012Validator(self.schema)
        return self._compiled


def compile_input_schema(schema: dict[str, Any]) -> InputValidator:
    return InputValidator(schema)


def validate_arguments(tool_name: str, validator: InputValidator, arguments: dict[str, Any]) -> None:
    problems = sorted(validator.compiled().iter_errors(arguments), key=lambda e: list(e.absolute_path))
    if problems:
        raise ArgumentError(f"Invalid arguments for {tool_name}: " + "; ".join(_describe(p) for p in problems[:5]))


def _describe(error: ValidationError) -> str:
    where = "/".join(str(part) for part in error.absolute_path)
    schema: Mapping[str, Any] = error.schema if isinstance(error.schema, Mapping) else {}
    if error.validator == "pattern" and isinstance(error.instance, str):
        return f"{where or 'value'} {quoted(error.instance)} has the wrong format ({schema.get('description', '')})"
    alternatives = schema.get("anyOf") if error.validator == "anyOf" else None
    if alternatives and all(set(alt) == {"required"} for alt in alternatives):
        names = ", ".join(name for alt in alternatives for name in alt["required"])
        return f"give at least one of {names}"
    if error.validator == "additionalProperties" and isinstance(error.instance, Mapping):
        allowed = schema.get("properties", {})
        extra = [quoted(key) for key in error.instance if key not in allowed]
        names = ", ".join(extra[:5]) + (f" and {len(extra) - 5} more" if len(extra) > 5 else "")
        verb = "was" if len(extra) == 1 else "were"
        prefix = f"{where}: " if where else ""
        listed = ", ".join(sorted(allowed))
        hints = [
            f"{key}: did you mean {found[0]}?"
            for key in error.instance
            if key not in allowed
            for found in [closest(str(key), allowed)]
            if found
        ]
        close = f" ({'; '.join(hints[:3])})" if hints else ""
        return f"{prefix}Additional properties are not allowed ({names} {verb} unexpected){close} (allowed: {listed})"
    message = _bounded_message(error)
    return f"{where}: {message}" if where else message


MESSAGE_LIMIT = 300


def _bounded_message(error: ValidationError) -> str:
    """jsonschema's message, with the value it quotes cut to ~100 characters (it quotes the whole value)."""
    message = error.message
    if len(message) <= MESSAGE_LIMIT:
        return message
    whole = repr(error.instance)
    if whole in message:
        message = message.replace(whole, quoted(error.instance))
    return excerpt(message, MESSAGE_LIMIT)


RECORD_ID_PROBLEM = (
    "is not a Salesforce Id: expected 15 or 18 letters and digits (e.g. 3015g00000ABCDeAAP); look the Id up with "
    "list_flows or query_flows"
)
API_NAME_PROBLEM = (
    "is not a flow API name: expected a letter then letters, digits and underscores, optionally prefixed by a "
    "namespace (ns__Name); list_invocable_flows shows the names"
)


def _required(name: str, value: str, valid: Callable[[str], bool], problem: str) -> str:
    if not valid(value):
        raise ArgumentError(f"{name} {quoted(value)} {problem}")
    return value


def require_record_id(name: str, value: str) -> str:
    return _required(name, value, is_salesforce_id, RECORD_ID_PROBLEM)


def require_api_name(name: str, value: str) -> str:
    return _required(name, value, is_api_name, API_NAME_PROBLEM)


def check_flow_soql(soql: str) -> str:
    """Accept only a read-only SELECT over flow objects, every object it reads checked by the parser (the FROM list,
    TYPEOF types, relationship traversals, child subqueries, semi-joins); return the query stripped."""
    query = soql.strip()
    if not re.match(r"(?is)^SELECT\s", query):
        raise ArgumentError("q must be a SOQL SELECT query over flow objects (e.g. SELECT Id, ApiName FROM Flow)")
    if not re.search(r"(?i)\bFROM\b", without_literals(query)):
        raise ArgumentError("q has no FROM clause; query one of: " + FLOW_OBJECT_NAMES)
    try:
        reads = query_reads(query)
    except SoqlSyntaxError as exc:
        raise ArgumentError(
            f"q must be a single read-only SELECT query this server can check (MALFORMED_QUERY: {exc}); send one "
            f"SELECT over {FLOW_OBJECT_NAMES}, without ; or DML"
        ) from None
    if reads.locking:
        raise ArgumentError(f"q must be a single read-only SELECT query: {', '.join(reads.locking)} is not allowed")
    outside = [(name, f"in {where}") for name, where in reads.objects if name.lower() not in FLOW_OBJECTS]
    outside += [
        (".".join(t.path), f"a relationship of {t.origin} this server does not follow")
        for t in reads.traversals
        if follow(t.origin, t.path) is None
    ]
    outside += [(child, f"a child relationship subquery of {parent}") for parent, child in reads.child_relationships]
    if outside:
        names = ", ".join(excerpt(name) for name, _ in outside[:5])
        details = "; ".join(f"{excerpt(name)}: {where}" for name, where in outside[:5])
        raise ArgumentError(
            f"q reads {names}, which is not a flow object ({details}); this server only queries {FLOW_OBJECT_NAMES} "
            "and the relationships between them (such as Flow.Definition or FlowInterview.FlowVersionView)"
        )
    return query
