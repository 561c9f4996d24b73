"""JSON Schemas (draft 2020-12) and agent-facing wording for one per-flow tool, from the flow's invocable-action
describe (GET /actions/custom/flow/{ApiName}).

Inputs are strict (additionalProperties false, Salesforce's constraints, `required` as described) so an agent learns
its mistakes before a flow runs. Outputs are said once, in the tool description (many hosts give the model only the
name, description and inputSchema); there is no outputSchema, which could only say "an object": flows leave
outputs unset (null) and Salesforce adds outputs of its own. Every byte is sent on every turn, so nothing is said
twice: a property carries a title only when its label says more than its name, and words about its type only where
the schema cannot say it (see flow_types.TypeRule.spelled_out). A malformed describe never makes this raise: what is
valid becomes schema, the rest is skipped with a warning.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from salesforce_flow_mcp.aliases import JSONSchema

from .flow_records import record_inputs
from .flow_types import TypeRule, max_occurs, rule_for

__all__ = ["MAX_FLOW_DESCRIPTION", "MAX_PARAMETERS", "FlowToolSchemas", "parameter_schema", "schemas_from_describe"]

logger = logging.getLogger(__name__)


MAX_PARAMETERS = 500  # per side; far above real flows, bounds the tool list for a hostile or broken describe
MAX_TEXT = 500  # characters of a label or an input's description kept in wording
MAX_OUTPUT_TEXT = 80  # characters of an output's description in the tool description
MAX_FLOW_DESCRIPTION = 200  # characters of the flow's own description; longer ones end with "..."
MAX_LISTED = 100  # outputs spelled out in the tool description


# Outputs every flow returns (Salesforce adds them); the server instructions explain them once for all flow tools.
INTERVIEW_OUTPUTS = frozenset({"Flow__InterviewStatus", "Flow__InterviewGuid"})


@dataclass(frozen=True)
class FlowToolSchemas:
    input_schema: dict[str, Any]
    output_schema: dict[str, Any] | None  # None: the outputs are in the description
    title: str | None  # None: the tool name says it
    description: str
    record_inputs: Mapping[str, str] = field(default_factory=dict)  # record input -> its sObject (flow_records)


def _text(value: Any, limit: int = MAX_TEXT) -> str | None:
    if not isinstance(value, str):
        return None
    text = " ".join(value.split())
    if not text:
        return None
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _value_schema(rule: TypeRule, param: Mapping[str, Any]) -> JSONSchema:
    schema: JSONSchema = {} if rule.json_type is None else {"type": rule.json_type}
    schema.update(rule.constraints(param))
    return schema


def _sentence(text: str) -> str:
    text = text[:1].upper() + text[1:]
    return text if text.endswith((".", "!", "?")) else text + "."


def _wording(rule: TypeRule, param: Mapping[str, Any]) -> str | None:
    """The property description: the parameter's own description, and its type in words where the schema cannot
    say it. Required, list sizes, formats and allowed values are in the schema already."""
    parts = []
    own = _text(param.get("description"))
    if own:
        parts.append(_sentence(own))
    if rule.spelled_out:
        parts.append(_sentence(rule.note(param)))
    return " ".join(parts) or None


def _says_more(label: str, name: str) -> bool:
    """A label worth sending as title: not the name again in other words ("Flow Interview Status", "quoteName")."""
    fold = str.maketrans("", "", " _-")
    return label.translate(fold).casefold() != name.translate(fold).casefold()


def parameter_schema(param: Mapping[str, Any]) -> dict[str, Any]:
    """The JSON Schema of one input parameter, with a title when the label says more than the name."""
    _, rule = rule_for(param)
    value = _value_schema(rule, param)
    occurs = max_occurs(param)
    if occurs > 1:
        # An empty item schema (any value) is JSON Schema's default for items: not sent.
        value = {"type": "array", **({"items": value} if value else {}), "maxItems": occurs}
    name = _text(param.get("name"), 255) or "value"
    label = _text(param.get("label"))
    head: dict[str, Any] = {"title": label} if label and _says_more(label, name) else {}
    description = _wording(rule, param)
    if description:
        head["description"] = description
    return {**head, **value}


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


def _kind(param: Mapping[str, Any]) -> str:
    """What an output is, in a word: its JSON type, the sObject it is a record of, or its Salesforce type."""
    type_name, rule = rule_for(param)
    sobject = _text(param.get("sobjectType"), 80)
    kind = sobject if rule.json_type == "object" and sobject else rule.json_type or (type_name or "any").lower()
    return kind + ("[]" if max_occurs(param) > 1 else "")


def _no_period(text: str) -> str:
    """A phrase inside a sentence: its own final full stop dropped (not an ellipsis)."""
    return text[:-1] if text.endswith(".") and not text.endswith("...") else text


def _returns(outputs: list[Mapping[str, Any]]) -> str:
    """One sentence for what the flow returns (each output may be null: a flow leaves outputs unset)."""
    listed = [p for p in outputs if str(p["name"]) not in INTERVIEW_OUTPUTS]
    if not listed:
        return "No outputs of its own."
    parts = []
    for param in listed[:MAX_LISTED]:
        about = _text(param.get("description"), MAX_OUTPUT_TEXT)
        parts.append(f"{param['name']} ({_kind(param)})" + (f": {_no_period(about)}" if about else ""))
    more = f"; and {len(listed) - MAX_LISTED} more" if len(listed) > MAX_LISTED else ""
    return "Returns " + "; ".join(parts) + more + "."


def _title(label: str | None, api_name: str | None) -> str | None:
    """The flow's label as tool title, unless it is only the API name with spaces (the name says it already)."""
    if label and (not api_name or _says_more(label, api_name)):
        return label
    return None


def schemas_from_describe(describe: Mapping[str, Any], effects: str | None = None) -> FlowToolSchemas:
    """Input and output schemas, title and description of the tool for one flow's describe; `effects` is a phrase
    for what the flow touches ("creates Case; reads Account"), when its metadata could be read."""
    if not isinstance(describe, Mapping):
        raise TypeError(f"a flow describe must be a JSON object, got {type(describe).__name__}")
    api_name = _text(describe.get("name"), 255)
    label = _text(describe.get("label"), 255)
    flow = api_name or label or "(unnamed flow)"

    inputs = _parameters(describe, "inputs", flow)
    outputs = _parameters(describe, "outputs", flow)
    input_schema: JSONSchema = {
        "type": "object",
        "properties": {str(p["name"]): parameter_schema(p) for p in inputs},
        "additionalProperties": False,
    }
    required = [str(p["name"]) for p in inputs if p.get("required") is True]
    if required:
        input_schema["required"] = required

    title = _title(label, api_name)
    own = _text(describe.get("description"), MAX_FLOW_DESCRIPTION)
    # Without a description of its own the flow says nothing the tool name (or title) does not say already.
    parts = [_sentence(own)] if own else []
    if effects:
        parts.append(_sentence(effects))
    parts.append(_returns(outputs))
    return FlowToolSchemas(input_schema, None, title, " ".join(parts), record_inputs(inputs))
