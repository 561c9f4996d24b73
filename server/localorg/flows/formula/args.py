"""Typed access to function arguments, with Salesforce's "Incorrect parameter type" messages."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula.values import FormulaError, type_name


def param_error(fn: str, expected: str, value: Any) -> FormulaError:
    return FormulaError(
        f"Incorrect parameter type for function '{fn}()'. Expected {expected}, received {type_name(value)}"
    )


def text(fn: str, value: Any) -> str:
    """A Text argument; null is ""."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    raise param_error(fn, "Text", value)


def number(fn: str, value: Any) -> Decimal | None:
    if value is None or isinstance(value, Decimal):
        return value
    raise param_error(fn, "Number", value)


def integer(fn: str, value: Any) -> int | None:
    """A Number argument used as a count or position: the fraction is dropped."""
    num = number(fn, value)
    return None if num is None else int(num)


def boolean(fn: str, value: Any) -> bool | None:
    if value is None or isinstance(value, bool):
        return value
    raise param_error(fn, "Boolean", value)


def date_or_datetime(fn: str, value: Any) -> datetime.date | None:
    if value is None or isinstance(value, datetime.date):
        return value
    raise param_error(fn, "Date", value)


def as_date(fn: str, value: Any) -> datetime.date | None:
    """A Date argument; a DateTime gives its (UTC) date."""
    day = date_or_datetime(fn, value)
    if isinstance(day, datetime.datetime):
        return day.date()
    return day


def time_of(fn: str, value: Any) -> datetime.time | None:
    """A Time argument; a DateTime gives its (UTC) time of day."""
    if value is None or isinstance(value, datetime.time):
        return value
    if isinstance(value, datetime.datetime):
        return value.time()
    raise param_error(fn, "Time", value)
