"""Record inputs of flows: the server names each record's sObject, so the tool schema does not have to.

Salesforce takes an sObject input with `attributes.type` (Action Developer Guide, Apex Actions: "objects":
{"attributes": {"type": "Account"}, "Name": "Acme"}); no page says whether a flow input may leave it out. So the
server always sends it, which is right under either reading, and a flow tool's schema says only "an object" instead
of spelling out `attributes` for every record input on every turn. `invoke_flow` does the same for the flows whose
describe the catalogue holds. A record whose `attributes.type` names another sObject is refused before anything is
sent.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any

from salesforce_flow_mcp.aliases import Args
from salesforce_flow_mcp.salesforce.quoting import quoted

from .flow_types import sobject_type_of
from .validation import ArgumentError

RecordInputs = Mapping[str, str]  # a flow's record input -> the sObject it holds


def record_inputs(params: Iterable[Any]) -> dict[str, str]:
    """The record inputs among a describe's input parameters (those of type SOBJECT that name their sObject)."""
    found: dict[str, str] = {}
    for param in params:
        if isinstance(param, Mapping) and isinstance(param.get("name"), str):
            sobject = sobject_type_of(param)
            if sobject:
                found[param["name"]] = sobject
    return found


def _typed(tool_name: str, where: str, sobject: str, record: Any) -> Any:
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
            f"Invalid arguments for {tool_name}: {where} takes {sobject} records, but {problem}. Leave "
            f'attributes out (the server fills it in) or send {{"type": "{sobject}"}}.'
        )
    return record


def _typed_inputs(tool_name: str, prefix: str, inputs: Args, records: RecordInputs) -> Args:
    out = dict(inputs)
    for name, sobject in records.items():
        value = out.get(name)
        if isinstance(value, list):
            out[name] = [_typed(tool_name, prefix + name, sobject, item) for item in value]
        elif value is not None:
            out[name] = _typed(tool_name, prefix + name, sobject, value)
    return out


def with_record_types(tool_name: str, records: RecordInputs) -> Callable[[Args], Args]:
    """A flow tool's arguments with each record of a record input (alone or in a collection) typed."""

    def prepare(args: Args) -> Args:
        return _typed_inputs(tool_name, "", args, records) if records else args

    return prepare


def with_invoke_record_types(tool_name: str, records_of: Callable[[str], RecordInputs]) -> Callable[[Args], Args]:
    """invoke_flow's arguments with the records of each `inputs` item typed, for a flow whose describe is known."""

    def prepare(args: Args) -> Args:
        flow, inputs = args.get("flowApiName"), args.get("inputs")
        records = records_of(flow) if isinstance(flow, str) else {}
        if not records or not isinstance(inputs, list):
            return args
        typed = [
            _typed_inputs(tool_name, f"inputs[{index}].", item, records) if isinstance(item, dict) else item
            for index, item in enumerate(inputs)
        ]
        return {**args, "inputs": typed}

    return prepare
