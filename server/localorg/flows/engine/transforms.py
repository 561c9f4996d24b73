"""The Transform element (Metadata API FlowTransform, API 59.0+): map source data onto a record, a record
collection or a single value, or aggregate a collection (Sum, Count).

A collection output is made item by item from the source collection that its values name as
`Source[$EachItem].Field`; a single record takes each Map action as one field; a single value is its one action.
The result is the element's output, read as {!Transform_Name}.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..model import Element, Transform, TransformAction, Value
from .interview_state import FlowFault, FlowHalt, Interview, get_field
from .values import ConversionError, coerce, to_number

__all__ = ["run_transform"]

EACH_ITEM = "[$EachItem]"


def _source_collection(el: Transform) -> str | None:
    for action in el.actions:
        if action.value is not None and EACH_ITEM in action.value.text:
            return action.value.text.split(EACH_ITEM, 1)[0]
    return None


def _value(iv: Interview, value: Value | None, item: Any) -> Any:
    if value is not None and value.kind == "elementReference" and EACH_ITEM in value.text:
        path = value.text.split(EACH_ITEM, 1)[1].lstrip(".")
        return iv.walk(item, path.split(".")) if path else item
    return iv.value_of(value)


def _parameter(iv: Interview, action: TransformAction, name: str) -> Any:
    for parameter in action.parameters:
        if parameter.name == name:
            return iv.value_of(parameter.value)
    return None


def _aggregate(iv: Interview, el: Transform, action: TransformAction) -> Any:
    values = _parameter(iv, action, "aggregationValues")
    items = values if isinstance(values, list) else ([] if values is None else [values])
    if action.transform_type == "Count":
        return Decimal(len(items))
    field_name = _parameter(iv, action, "aggregationField")
    numbers = []
    for item in items:
        raw = get_field(item, str(field_name))[1] if isinstance(item, dict) and field_name else item
        try:
            number = to_number(raw)
        except ConversionError as exc:
            raise FlowFault(f"The transform {el.name} can't add up {raw!r}: {exc}") from None
        if number is not None:
            numbers.append(number)
    return sum(numbers, Decimal(0))


def _one(iv: Interview, el: Transform, item: Any) -> Any:
    if el.data_type in ("SObject", "Apex"):
        record: dict[str, Any] = {"attributes": {"type": el.object_type}} if el.data_type == "SObject" else {}
        for action in el.actions:
            if action.transform_type != "Map" or not action.output_field:
                raise FlowHalt(
                    f"The transform {el.name} uses {action.transform_type}, which the embedded org "
                    "supports only for a single value"
                )
            record[action.output_field] = _value(iv, action.value, item)
        return record
    if len(el.actions) != 1:
        raise FlowHalt(f"The transform {el.name} has {len(el.actions)} actions for one {el.data_type} value")
    action = el.actions[0]
    if action.transform_type == "Map":
        return _value(iv, action.value, item)
    if action.transform_type in ("Sum", "Count"):
        return _aggregate(iv, el, action)
    raise FlowHalt(f"The embedded org cannot run the transform type {action.transform_type} (in {el.name}) yet")


def run_transform(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Transform)
    if el.is_collection:
        source = _source_collection(el)
        items = iv.read(source) if source else None
        result: Any = [_one(iv, el, item) for item in (items or [])]
    else:
        result = _one(iv, el, None)
    try:
        iv.values[el.name] = coerce(
            result, el.data_type, collection=el.is_collection, scale=el.scale, object_type=el.object_type
        )
    except ConversionError as exc:
        raise FlowFault(f"The transform {el.name} made a value that is not a {el.data_type}: {exc}") from None
    return el.connector
