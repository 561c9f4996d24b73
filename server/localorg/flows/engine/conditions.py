"""Condition operators (decisions, Get Records filters, collection filters) and condition logic ("1 AND (2 OR 3)").

Decisions compare text case-sensitively, as Flow does; record filters behave like SOQL (case-insensitive text).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Sequence
from decimal import Decimal
from typing import Any

from ....sfid import is_salesforce_id
from .interview_state import FlowHalt
from .values import ConversionError, parse_date, parse_datetime, to_number

__all__ = [
    "Check",
    "LogicError",
    "UnknownOperator",
    "checks_hold",
    "compare",
    "evaluate_condition",
    "evaluate_logic",
    "values_equal",
]

MAX_LOGIC_DEPTH = 32


class LogicError(ValueError):
    """Condition logic that cannot be read (bad syntax or a condition number out of range)."""


class UnknownOperator(ValueError):
    pass


def _is_number(value: Any) -> bool:
    return isinstance(value, Decimal | int | float) and not isinstance(value, bool)


def _pair(a: Any, b: Any) -> tuple[Any, Any]:
    """Bring two values to comparable types (store values are JSON: numbers and dates may arrive as text)."""
    try:
        if _is_number(a) or _is_number(b):
            return to_number(a), to_number(b)
        if isinstance(a, dt.datetime) or isinstance(b, dt.datetime):
            return parse_datetime(a), parse_datetime(b)
        if isinstance(a, dt.date) or isinstance(b, dt.date):
            return parse_date(a), parse_date(b)
    except ConversionError:
        return a, b
    return a, b


def _record_key(value: Any) -> Any:
    if isinstance(value, dict) and value.get("Id"):
        return ("record", str(value["Id"])[:15])
    return value


def values_equal(a: Any, b: Any, *, ignore_case: bool = False) -> bool:
    if a in (None, "") and b in (None, ""):
        return True  # Flow treats an empty text and a null text alike
    if a is None or b is None:
        return False
    if isinstance(a, bool) or isinstance(b, bool):
        if isinstance(a, str) or isinstance(b, str):
            return str(a).lower() == str(b).lower()
        return a is b
    a, b = _pair(_record_key(a), _record_key(b))
    if isinstance(a, str) and isinstance(b, str):
        if len(a) != len(b) and is_salesforce_id(a) and is_salesforce_id(b):
            return a[:15] == b[:15]
        return a.lower() == b.lower() if ignore_case else a == b
    try:
        return bool(a == b)
    except TypeError:
        return False


def compare(a: Any, b: Any, *, ignore_case: bool = False) -> int | None:
    """-1/0/1, or None when either side is null or the two cannot be ordered."""
    if a is None or b is None:
        return None
    a, b = _pair(a, b)
    if isinstance(a, str) and isinstance(b, str) and ignore_case:
        a, b = a.lower(), b.lower()
    try:
        return -1 if a < b else (1 if a > b else 0)
    except TypeError:
        return None


def _contains(left: Any, right: Any, ignore_case: bool) -> bool:
    if left is None or right is None:
        return False
    if isinstance(left, list):
        return any(values_equal(item, right, ignore_case=ignore_case) for item in left)
    text, part = str(left), str(right) if not isinstance(right, Decimal) else format(right, "f")
    return part.lower() in text.lower() if ignore_case else part in text


def _text_op(fn: Callable[[str, str], bool]) -> Callable[[Any, Any, bool], bool]:
    def op(left: Any, right: Any, ignore_case: bool) -> bool:
        if left is None or right is None:
            return False
        a, b = str(left), str(right)
        return fn(a.lower(), b.lower()) if ignore_case else fn(a, b)

    return op


def _ordered(test: Callable[[int], bool]) -> Callable[[Any, Any, bool], bool]:
    def op(left: Any, right: Any, ignore_case: bool) -> bool:
        result = compare(left, right, ignore_case=ignore_case)
        return result is not None and test(result)

    return op


def _is_null(left: Any, right: Any, ignore_case: bool) -> bool:
    null = left is None or (isinstance(left, list) and not left)
    return null == _truthy(right)


def _is_blank(left: Any, right: Any, ignore_case: bool) -> bool:
    blank = left is None or (isinstance(left, str) and not left.strip()) or (isinstance(left, list) and not left)
    return blank == _truthy(right)


def _is_empty(left: Any, right: Any, ignore_case: bool) -> bool:
    empty = left is None or (isinstance(left, list | str) and len(left) == 0)
    return empty == _truthy(right)


def _in(left: Any, right: Any, ignore_case: bool) -> bool:
    items = right if isinstance(right, list) else ([] if right is None else [right])
    return any(values_equal(left, item, ignore_case=ignore_case) for item in items)


def _is_changed(left: Any, right: Any, ignore_case: bool) -> bool:
    # Outside a record-triggered save there is no prior record: nothing has changed.
    return _truthy(right) is False


def _truthy(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() == "true"
    return bool(value)


OPERATORS: dict[str, Callable[[Any, Any, bool], bool]] = {
    "EqualTo": lambda left, right, ic: values_equal(left, right, ignore_case=ic),
    "NotEqualTo": lambda left, right, ic: not values_equal(left, right, ignore_case=ic),
    "GreaterThan": _ordered(lambda c: c > 0),
    "GreaterThanOrEqualTo": _ordered(lambda c: c >= 0),
    "LessThan": _ordered(lambda c: c < 0),
    "LessThanOrEqualTo": _ordered(lambda c: c <= 0),
    "StartsWith": _text_op(str.startswith),
    "EndsWith": _text_op(str.endswith),
    "Contains": _contains,
    "In": _in,
    "NotIn": lambda left, right, ic: not _in(left, right, ic),
    "IsNull": _is_null,
    "IsBlank": _is_blank,
    "IsEmpty": _is_empty,
    "IsChanged": _is_changed,
}


def evaluate_condition(operator: str, left: Any, right: Any, *, for_filter: bool = False) -> bool:
    op = OPERATORS.get(operator)
    if op is None:
        raise UnknownOperator(f"the operator {operator!r} is not supported by the embedded org")
    return op(left, right, for_filter)


# A condition to check: (operator, left value, right value), or a result the interview already knows (WasVisited).
Check = bool | tuple[str, Any, Any]


def checks_hold(element: str | None, checks: Iterable[Check], logic: str, *, for_filter: bool = False) -> bool:
    """Evaluate each check in order and combine the results with the condition logic; an unknown operator or logic
    that cannot be read ends the interview (FlowHalt) naming the element."""
    results: list[bool] = []
    for check in checks:
        if isinstance(check, bool):
            results.append(check)
            continue
        operator, left, right = check
        try:
            results.append(evaluate_condition(operator, left, right, for_filter=for_filter))
        except UnknownOperator as exc:
            raise FlowHalt(str(exc)) from None
    try:
        return evaluate_logic(logic, results)
    except LogicError as exc:
        raise FlowHalt(f"Element {element}: {exc}") from None


# ---- condition logic ---------------------------------------------------------------------------------------------

_TOKEN = re.compile(r"\s*(\d+|AND\b|OR\b|NOT\b|\(|\))", re.IGNORECASE)


def _tokens(text: str) -> list[str]:
    tokens: list[str] = []
    pos = 0
    stripped = text.rstrip()
    while pos < len(stripped):
        match = _TOKEN.match(stripped, pos)
        if not match:
            raise LogicError(f"cannot read condition logic {text!r} at position {pos + 1}")
        tokens.append(match.group(1).upper())
        pos = match.end()
    return tokens


def evaluate_logic(logic: str, results: Sequence[bool]) -> bool:
    """'and' / 'or' / a custom expression over 1-based condition numbers."""
    keyword = (logic or "and").strip().lower()
    if keyword == "and":
        return all(results)
    if keyword == "or":
        return any(results)
    if len(logic) > 1000:
        raise LogicError("condition logic longer than 1000 characters")
    tokens = _tokens(logic)
    value, pos = _parse_or(tokens, 0, results, 0)
    if pos != len(tokens):
        raise LogicError(f"unexpected {tokens[pos]!r} in condition logic {logic!r}")
    return value


_Parser = Callable[[list[str], int, Sequence[bool], int], tuple[bool, int]]


def _parse_chain(
    tokens: list[str], pos: int, results: Sequence[bool], depth: int, keyword: str, operand: _Parser
) -> tuple[bool, int]:
    """operand (keyword operand)*, for OR over ANDs and AND over factors."""
    value, pos = operand(tokens, pos, results, depth)
    while pos < len(tokens) and tokens[pos] == keyword:
        right, pos = operand(tokens, pos + 1, results, depth)
        value = (value or right) if keyword == "OR" else (value and right)
    return value, pos


def _parse_or(tokens: list[str], pos: int, results: Sequence[bool], depth: int) -> tuple[bool, int]:
    return _parse_chain(tokens, pos, results, depth, "OR", _parse_and)


def _parse_and(tokens: list[str], pos: int, results: Sequence[bool], depth: int) -> tuple[bool, int]:
    return _parse_chain(tokens, pos, results, depth, "AND", _parse_factor)


def _parse_factor(tokens: list[str], pos: int, results: Sequence[bool], depth: int) -> tuple[bool, int]:
    if depth > MAX_LOGIC_DEPTH:
        raise LogicError("condition logic nested too deeply")
    if pos >= len(tokens):
        raise LogicError("condition logic ends too early")
    token = tokens[pos]
    if token == "NOT":
        value, pos = _parse_factor(tokens, pos + 1, results, depth + 1)
        return not value, pos
    if token == "(":
        value, pos = _parse_or(tokens, pos + 1, results, depth + 1)
        if pos >= len(tokens) or tokens[pos] != ")":
            raise LogicError("condition logic has an unclosed parenthesis")
        return value, pos + 1
    if token.isdigit():
        index = int(token)
        if not 1 <= index <= len(results):
            raise LogicError(f"condition logic refers to condition {index}, but there are {len(results)}")
        return results[index - 1], pos + 1
    raise LogicError(f"unexpected {token!r} in condition logic")
