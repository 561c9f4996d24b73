"""Record inputs of flow tools: the server names each record's sObject, so the schema does not have to.

Salesforce takes an sObject input with `attributes.type` (Action Developer Guide, Apex Actions: "objects":
{"attributes": {"type": "Account"}, "Name": "Acme"}); no page says whether a flow input may leave it out. So the
server always sends it, which is right under either reading, and the tool schema says only "an object" instead of
spelling out `attributes` for every record input on every turn. A record whose `attributes.type` names another
sObject is refused before anything is sent.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from salesforce_flow_mcp.aliases import Args
from salesforce_flow_mcp.salesforce.quoting import quoted

from .validation import ArgumentError


def _typed(tool_name: str, input_name: str, sobject: str, record: Any) -> Any:
    """The record with `attributes.type` set; anything that is not a record is left for the schema to refuse."""
    if not isinstance(record, dict):
        return record
    attributes = record.get("attributes")
    if attributes is None:
        return {"attributes": {"type": sobject}, **record}
    given = attributes.get("type") if isinstance(attributes, dict) else None
    if isinstance(attributes, dict) and given is None:
        return {**record, "attributes": {**attributes, "type": sobject}}
    if not isinstance(given, str) or given.casefold() != sobject.casefold():
        problem = f"its attributes.type is {quoted(given)}" if given is not None else "its attributes is not an object"
        raise ArgumentError(
            f"Invalid arguments for {tool_name}: {input_name} takes {sobject} records, but {problem}. Leave "
            f'attributes out (the server fills it in) or send {{"type": "{sobject}"}}.'
        )
    return record


def with_record_types(tool_name: str, record_inputs: Mapping[str, str]) -> Callable[[Args], Args]:
    """The arguments with each record of a record input (alone or in a collection) carrying its sObject type."""

    def prepare(args: Args) -> Args:
        out = dict(args)
        for name, sobject in record_inputs.items():
            value = out.get(name)
            if isinstance(value, list):
                out[name] = [_typed(tool_name, name, sobject, item) for item in value]
            elif value is not None:
                out[name] = _typed(tool_name, name, sobject, value)
        return out

    return prepare
