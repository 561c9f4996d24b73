"""Collection processors (Metadata API FlowCollectionProcessor), one runner per collectionProcessorType:

- SortCollectionProcessor: sortOptions (field, order, empty values first or last), then `limit`.
- FilterCollectionProcessor: the items for which the conditions (or the formula) hold, each item read through the
  variable named by assignNextValueToReference.
- RecommendationMapCollectionProcessor (Flow Builder's Recommendation Assignment): a new collection of
  outputSObjectType records, one per item, with the mapItems rules (FlowCollectionMapItem: assignToFieldReference,
  operator, value) applied to each.
"""

from __future__ import annotations

import copy
import functools
from collections.abc import Callable
from typing import Any

from ..formula.compiler import FormulaError, truthy
from ..model import CollectionProcessor, Element
from .conditions import compare
from .elements import ASSIGNMENT_OPERATORS, conditions_hold, items_of
from .interview_state import FlowFault, FlowHalt, Interview, as_record, get_field, set_field

__all__ = ["PROCESSORS", "run_collection_processor"]

# What Recommendation Assignment outputs when the element names no outputSObjectType (Help: it "output[s] a new
# recommendation collection variable").
DEFAULT_MAP_OUTPUT = "Recommendation"


def _sort_key(field_name: str, descending: bool, nulls_first: bool) -> Callable[[Any], Any]:
    def cmp(a: Any, b: Any) -> int:
        left = get_field(a, field_name)[1] if isinstance(a, dict) else a
        right = get_field(b, field_name)[1] if isinstance(b, dict) else b
        if left is None or right is None:
            if left is None and right is None:
                return 0
            first = -1 if nulls_first else 1
            return first if left is None else -first
        result = compare(left, right, ignore_case=True) or 0
        return -result if descending else result

    return functools.cmp_to_key(cmp)


def _sort(iv: Interview, el: CollectionProcessor, items: list[Any]) -> list[Any]:
    if el.sort_field:
        descending = (el.sort_order or "Asc").lower() == "desc"
        items = sorted(items, key=_sort_key(el.sort_field, descending, el.nulls_first))
    return items[: el.limit] if el.limit is not None else items


def _filter(iv: Interview, el: CollectionProcessor, items: list[Any]) -> list[Any]:
    result = []
    for item in items:
        if el.item_reference:
            iv.values[el.item_reference] = item
        if el.formula:
            try:
                compiled = iv.runtime.compile(el.formula)
                keep = truthy(compiled.evaluate(iv.resolve_merge_field, now=iv.runtime.clock()))
            except FormulaError as exc:
                raise FlowFault(f"The filter formula of {el.name} couldn't be evaluated: {exc}") from None
        else:
            keep = conditions_hold(iv, el.conditions, el.condition_logic)
        if keep:
            result.append(item)
    return result


def _map_field(el: CollectionProcessor, reference: str) -> str:
    # Flow Builder writes the target as `<ElementName>.<Field>`: the output record's field.
    head, dot, rest = reference.partition(".")
    return rest if dot and head == el.name else reference


def _map(iv: Interview, el: CollectionProcessor, items: list[Any]) -> list[Any]:
    """Help, "Recommendation Assignment Element": a new collection, not a change to the input; a field set by a
    rule is set on every record of the output. An item of the output type is the starting point of its record (so
    loaded recommendations keep their other fields); an item of another type starts an empty record."""
    output_type = el.output_object or DEFAULT_MAP_OUTPUT
    result = []
    for item in items:
        if el.item_reference:
            iv.values[el.item_reference] = item
        same_type = isinstance(item, dict) and str(item.get("attributes", {}).get("type", "")).lower() == (
            output_type.lower()
        )
        record = copy.deepcopy(item) if same_type else as_record(output_type, {})
        for rule in el.map_items:
            operator = ASSIGNMENT_OPERATORS.get(rule.operator)
            if operator is None:
                raise FlowHalt(f"The assignment operator {rule.operator!r} is not supported by the embedded org")
            name = _map_field(el, rule.target)
            try:
                value = operator(get_field(record, name)[1], iv.value_of(rule.value), False)
            except (TypeError, ArithmeticError, ValueError) as exc:
                raise FlowFault(f"Couldn't apply {rule.operator} to {name} in {el.name}: {exc}") from None
            set_field(record, name, value)
        result.append(record)
    return result


PROCESSORS: dict[str, Callable[[Interview, CollectionProcessor, list[Any]], list[Any]]] = {
    "SortCollectionProcessor": _sort,
    "FilterCollectionProcessor": _filter,
    "RecommendationMapCollectionProcessor": _map,
}


def run_collection_processor(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, CollectionProcessor)
    iv.values[el.name] = PROCESSORS[el.processor_type](iv, el, items_of(iv.read(el.collection)))
    return el.connector
