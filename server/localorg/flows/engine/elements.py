"""Runners for the elements that work on the interview's own values: assignments, decisions, loops, screens, waits,
custom errors (calls.py runs subflows, actions and plug-ins; collection_processors.py the collection processors).
Each takes the interview and the element and returns the next element's name (None ends the interview)."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Callable
from decimal import Decimal
from typing import Any

from ..model import (
    Assignment,
    AssignmentItem,
    Condition,
    CustomError,
    Decision,
    Element,
    Loop,
    Screen,
    Wait,
)
from .calls import run_call_table
from .conditions import Check, checks_hold, values_equal
from .interview_state import FlowFault, FlowHalt, Interview, LoopCursor, Paused
from .values import ConversionError, to_number

__all__ = ["ASSIGNMENT_OPERATORS", "conditions_hold", "items_of", "run_element_table"]


# ---- conditions ------------------------------------------------------------------------------------------------


# Operators about the interview itself rather than a value: WasVisited asks whether an element has run; WasSelected
# and WasSet are about screen choices and wait events, which never happen in an interview that does not pause.
_INTERVIEW_OPERATORS: dict[str, Callable[[Interview, Condition], bool]] = {
    "WasVisited": lambda iv, cond: cond.left in iv.visited,
    "WasSelected": lambda iv, cond: False,
    "WasSet": lambda iv, cond: False,
}


def _check(iv: Interview, cond: Condition) -> Check:
    special = _INTERVIEW_OPERATORS.get(cond.operator)
    if special is not None:
        wanted = iv.value_of(cond.right)  # {!Element} WasVisited true / false
        return special(iv, cond) == (wanted is None or str(wanted).lower() == "true")
    return (cond.operator, iv.read(cond.left), iv.value_of(cond.right))


def conditions_hold(iv: Interview, conditions: tuple[Condition, ...], logic: str) -> bool:
    return checks_hold(iv.current, (_check(iv, cond) for cond in conditions), logic)


def run_decision(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Decision)
    for rule in el.rules:
        if conditions_hold(iv, rule.conditions, rule.logic):
            return rule.connector
    return el.default_connector


# ---- assignments -----------------------------------------------------------------------------------------------


def items_of(value: Any) -> list[Any]:
    """A collection's items (a single value is one item, null none)."""
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _copy_item(value: Any) -> Any:
    # Adding a record variable to a collection adds a copy, so the variable can be reused in the next iteration.
    return copy.deepcopy(value) if isinstance(value, dict) else value


def _add(current: Any, value: Any, collection: bool) -> Any:
    if collection:
        return items_of(current) + [_copy_item(v) for v in items_of(value)]
    if value is None:
        return current
    if isinstance(current, dt.datetime):
        return current + dt.timedelta(days=float(to_number(value) or 0))
    if isinstance(current, dt.date):
        return current + dt.timedelta(days=int(to_number(value) or 0))
    if isinstance(current, str) or (current is None and isinstance(value, str)):
        return (current or "") + (value if isinstance(value, str) else format(to_number(value), "f"))
    return (to_number(current) or Decimal(0)) + (to_number(value) or Decimal(0))


def _subtract(current: Any, value: Any, collection: bool) -> Any:
    if collection:
        return [item for item in items_of(current) if not any(values_equal(item, v) for v in items_of(value))]
    if value is None:
        return current
    if isinstance(current, dt.datetime):
        return current - dt.timedelta(days=float(to_number(value) or 0))
    if isinstance(current, dt.date):
        return current - dt.timedelta(days=int(to_number(value) or 0))
    return (to_number(current) or Decimal(0)) - (to_number(value) or Decimal(0))


def _add_item(current: Any, value: Any, collection: bool) -> Any:
    if collection or isinstance(current, list):
        return items_of(current) + [_copy_item(v) for v in items_of(value)]
    # A multi-select picklist holds its values as "A;B;C".
    if value is None:
        return current
    return value if current in (None, "") else f"{current};{value}"


def _remove_first(current: Any, value: Any, collection: bool) -> Any:
    items = items_of(current)
    for index, item in enumerate(items):
        if values_equal(item, value):
            return items[:index] + items[index + 1 :]
    return items


def _index_of(items: list[Any], value: Any) -> int | None:
    return next((i for i, item in enumerate(items) if values_equal(item, value)), None)


def _remove_before_first(current: Any, value: Any, collection: bool) -> Any:
    items = items_of(current)
    index = _index_of(items, value)
    return items if index is None else items[index:]


def _remove_after_first(current: Any, value: Any, collection: bool) -> Any:
    items = items_of(current)
    index = _index_of(items, value)
    return items if index is None else items[: index + 1]


def _remove_uncommon(current: Any, value: Any, collection: bool) -> Any:
    keep = items_of(value)
    return [item for item in items_of(current) if any(values_equal(item, k) for k in keep)]


def _remove_position(current: Any, value: Any, collection: bool) -> Any:
    items = items_of(current)
    number = to_number(value)
    if number is None or number != number.to_integral_value() or not 1 <= int(number) <= len(items):
        raise FlowFault(f"Position {value} is outside the collection (it has {len(items)} items)")
    position = int(number)
    return items[: position - 1] + items[position:]


def _add_at_start(current: Any, value: Any, collection: bool) -> Any:
    return [_copy_item(v) for v in items_of(value)] + items_of(current)


def _assign_count(current: Any, value: Any, collection: bool) -> Any:
    return Decimal(len(value)) if isinstance(value, list) else Decimal(0 if value is None else 1)


ASSIGNMENT_OPERATORS: dict[str, Callable[[Any, Any, bool], Any]] = {
    "Assign": lambda current, value, collection: value,
    "Add": _add,
    "Subtract": _subtract,
    "AssignCount": _assign_count,
    "AddItem": _add_item,
    "AddAtStart": _add_at_start,
    "RemoveAll": lambda current, value, collection: _subtract(current, value, True),
    "RemoveFirst": _remove_first,
    "RemoveBeforeFirst": _remove_before_first,
    "RemoveAfterFirst": _remove_after_first,
    "RemoveUncommon": _remove_uncommon,
    "RemovePosition": _remove_position,
}


def _assign_item(iv: Interview, item: AssignmentItem) -> None:
    operator = ASSIGNMENT_OPERATORS.get(item.operator)
    if operator is None:
        raise FlowHalt(f"The assignment operator {item.operator!r} is not supported by the embedded org")
    value = iv.value_of(item.value)
    if item.operator == "Assign":
        iv.write(item.target, value)
        return
    current = iv.read(item.target)
    try:
        new_value = operator(current, value, iv.is_collection_reference(item.target))
    except (ConversionError, TypeError, ArithmeticError) as exc:
        raise FlowFault(f"Couldn't apply {item.operator} to {item.target}: {exc}") from None
    iv.write(item.target, new_value)


def run_assignment(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Assignment)
    for item in el.items:
        _assign_item(iv, item)
    return el.connector


# ---- loops, screens, waits, errors -----------------------------------------------------------------------------


def run_loop(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Loop)
    cursor = iv.loops.get(el.name)
    if cursor is None:
        items = items_of(iv.read(el.collection))
        cursor = LoopCursor(items=list(reversed(items)) if el.descending else items)
        iv.loops[el.name] = cursor
    if cursor.index < len(cursor.items):
        item = cursor.items[cursor.index]
        if el.loop_variable:
            iv.write(el.loop_variable, item)  # a manual loop variable, typed as the variable declares
        else:
            iv.values[el.name] = item
        cursor.index += 1
        return el.next_connector
    del iv.loops[el.name]  # a later visit starts the loop afresh (nested loops)
    return el.no_more_connector


def run_screen(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Screen)
    raise Paused(el.name, el.label)


def run_wait(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Wait)
    raise Paused(el.name, el.label)


def run_custom_error(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, CustomError)
    messages = [iv.render(m) if "{!" in m else m for m in el.messages] or [el.label]
    raise FlowHalt(" ".join(messages), "FIELD_CUSTOM_VALIDATION_EXCEPTION", prefixed=False)


def run_unsupported(iv: Interview, el: Element) -> str | None:
    subtype = getattr(el, "subtype", None)
    kind = f"{el.kind} ({subtype})" if subtype else el.kind
    raise FlowHalt(
        f"The embedded org cannot run the {kind} element '{el.name}' yet; the element types it runs are listed in "
        "docs/flow-engine.md"
    )


def run_element_table() -> dict[type[Element], Callable[[Interview, Element], str | None]]:
    return {
        Assignment: run_assignment,
        Decision: run_decision,
        Loop: run_loop,
        Screen: run_screen,
        Wait: run_wait,
        CustomError: run_custom_error,
        **run_call_table(),
    }
