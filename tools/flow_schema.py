"""JSON Schemas (draft 2020-12) and agent-facing wording for one per-flow tool, from the flow's invocable-action
describe (GET /actions/custom/flow/{ApiName}).

Inputs are strict (additionalProperties false, Salesforce's constraints, `required` as described) so an agent learns
its mistakes before a flow runs. Outputs are lenient: every property may be null or absent and unknown outputs are
allowed, because flows leave outputs unset and Salesforce adds outputs of its own. A malformed describe never makes
this raise: what is valid becomes schema, the rest is skipped with a warning.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from salesforce_flow_mcp.aliases import JSONSchema

from .flow_types import TypeRule, rule_for

__all__ = ["MAX_PARAMETERS", "FlowToolSchemas", "parameter_schema", "schemas_from_describe"]

logger = logging.getLogger(__name__)


MAX_PARAMETERS = 500  # per side; far above real flows, bounds the tool list for a hostile or broken describe
MAX_TEXT = 500  # characters of a label or description kept in wording
MAX_LISTED = 100  # parameters spelled out per side in the tool description


@dataclass(frozen=True)
class FlowToolSchemas:
    input_schema: dict[str, Any]
    output_schema: dict[str, Any]
    title: str
    description: str


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _max_occurs(param: Mapping[str, Any]) -> int:
    raw = param.get("maxOccurs")
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return 1
    return max(int(raw), 1)


def _nullable(schema: JSONSchema) -> JSONSchema:
    """Also accept null. A schema without a JSON type ({} for Apex and unknown types) already does."""
    json_type = schema.get("type")
    if isinstance(json_type, str):
        return {**schema, "type": [json_type, "null"]}
    return schema


def _value_schema(rule: TypeRule, param: Mapping[str, Any], *, output: bool) -> JSONSchema:
    schema: JSONSchema = {} if rule.json_type is None else {"type": rule.json_type}
    if not output:
        schema.update(rule.constraints(param))
    elif rule.json_type == "object":
        schema["additionalProperties"] = True
    return _nullable(schema) if output else schema


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _wording(type_name: str | None, rule: TypeRule, param: Mapping[str, Any], *, output: bool) -> str:
    """The property description: the parameter's own description, then its type and shape in words."""
    parts = []
    own = _text(param.get("description"))
    if own:
        parts.append(_sentence(own))
    note = rule.note(param)
    parts.append(_sentence(note if type_name is None else f"Salesforce type {type_name}: {note}"))
    max_occurs = _max_occurs(param)
    if max_occurs > 1:
        parts.append(f"A list of at most {max_occurs} values.")
    # (Outputs may be null: their schema says so, and the tool description says it once for all of them.)
    if not output and param.get("required") is True:
        parts.append("Required.")
    return " ".join(parts)


def parameter_schema(param: Mapping[str, Any], *, output: bool = False) -> dict[str, Any]:
    """The JSON Schema of one input (or, with output=True, one output) parameter, with title and description."""
    type_name, rule = rule_for(param)
    value = _value_schema(rule, param, output=output)
    max_occurs = _max_occurs(param)
    if max_occurs > 1:
        if output:  # no maxItems: a flow can return more than its describe states, and a too-strict schema breaks calls
            value = {"type": ["array", "null"], "items": value}
        else:
            value = {"type": "array", "items": value, "maxItems": max_occurs}
    name = _text(param.get("name"), 255) or "value"
    label = _text(param.get("label")) or name
    return {"title": label, "description": _wording(type_name, rule, param, output=output), **value}


def _parameters(describe: Mapping[str, Any], key: str, flow: str) -> list[Mapping[str, Any]]:
    """The well-formed parameters under `key`: mappings with a unique non-empty string name; the rest is logged."""
    raw = describe.get(key)
    if raw is None:
        logger.warning("The describe of flow %s has no %r list; taken as empty", flow, key)
        return []
    if not isinstance(raw, list):
        logger.warning("The describe of flow %s has %r of type %s, not a list; ignored", flow, key, type(raw).__name__)
        return []
    params: list[Mapping[str, Any]] = []
    seen: set[str] = set()
    for index, entry in enumerate(raw):
        if len(params) >= MAX_PARAMETERS:
            logger.warning("Flow %s has more than %d %s; the rest are left out", flow, MAX_PARAMETERS, key)
            break
        if not isinstance(entry, Mapping):
            logger.warning("Flow %s: %s[%d] is not an object; skipped", flow, key, index)
            continue
        name = entry.get("name")
        if not isinstance(name, str) or not name.strip():
            logger.warning("Flow %s: %s[%d] has no name; skipped", flow, key, index)
            continue
        if name in seen:
            logger.warning("Flow %s: %s lists %r twice; the first is kept", flow, key, name)
            continue
        seen.add(name)
        params.append(entry)
    return params


def _line(param: Mapping[str, Any], schema: JSONSchema) -> str:
    """One output: its name, what it is and its Salesforce type, in one short line."""
    name = str(param["name"])
    about = _text(param.get("description")) or (schema["title"] if schema["title"] != name else "")
    type_name, _ = rule_for(param)
    kind = (type_name or "any") + ("[]" if _max_occurs(param) > 1 else "")
    return f"- {name} ({kind})" + (f": {_sentence(about)}" if about else "")


def _names(heading: str, params: list[Mapping[str, Any]]) -> str:
    if not params:
        return f"{heading}: none."
    names = [str(p["name"]) + (" (required)" if p.get("required") is True else "") for p in params[:MAX_LISTED]]
    more = f", ... and {len(params) - MAX_LISTED} more (see the schema)" if len(params) > MAX_LISTED else ""
    return f"{heading} (described in the input schema): {', '.join(names)}{more}."


def _section(heading: str, params: list[Mapping[str, Any]], schemas: list[JSONSchema]) -> list[str]:
    if not params:
        return [f"{heading}: none."]
    lines = [f"{heading} (each may be null when the flow leaves it unset):"]
    lines += [_line(p, s) for p, s in zip(params[:MAX_LISTED], schemas[:MAX_LISTED], strict=True)]
    if len(params) > MAX_LISTED:
        lines.append(f"- ... and {len(params) - MAX_LISTED} more (see the schema)")
    return lines


def schemas_from_describe(describe: Mapping[str, Any]) -> FlowToolSchemas:
    """Input and output schemas, title and description of the tool for one flow's describe."""
    if not isinstance(describe, Mapping):
        raise TypeError(f"a flow describe must be a JSON object, got {type(describe).__name__}")
    api_name = _text(describe.get("name"), 255)
    label = _text(describe.get("label"), 255)
    flow = api_name or label or "(unnamed flow)"

    inputs = _parameters(describe, "inputs", flow)
    outputs = _parameters(describe, "outputs", flow)
    input_props = [parameter_schema(p) for p in inputs]
    output_props = [parameter_schema(p, output=True) for p in outputs]

    input_schema: JSONSchema = {
        "type": "object",
        "properties": {str(p["name"]): s for p, s in zip(inputs, input_props, strict=True)},
        "additionalProperties": False,
    }
    required = [str(p["name"]) for p in inputs if p.get("required") is True]
    if required:
        input_schema["required"] = required
    output_schema: JSONSchema = {
        "type": "object",
        "properties": {str(p["name"]): s for p, s in zip(outputs, output_props, strict=True)},
        "additionalProperties": True,
    }

    title = label or api_name or "Flow"
    heading = f"Runs the Salesforce flow {title}" + (f" ({api_name})" if api_name and api_name != title else "") + "."
    lines = [heading]
    flow_description = _text(describe.get("description"), 2000)
    if flow_description:
        lines.append(flow_description)
    # Each input's description is in the inputSchema already: here only its name. Outputs are described in full, as
    # hosts often show a model the description and inputSchema but not the outputSchema.
    lines.append(_names("Inputs", inputs))
    lines += _section("Outputs", outputs, output_props)
    return FlowToolSchemas(input_schema, output_schema, title, "\n".join(lines))
