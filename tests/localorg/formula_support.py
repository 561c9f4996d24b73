"""Shared pieces of the formula tests: the fixed clock, the variables a formula can reference, and `run`."""

from __future__ import annotations

import datetime
from decimal import Decimal
from typing import Any

from salesforce_flow_mcp.localorg.flows.formula.compiler import compile_formula, type_name

UTC = datetime.UTC
NOW = datetime.datetime(2024, 3, 15, 10, 30, tzinfo=UTC)  # a Friday
D = Decimal

VARS: dict[str, Any] = {
    "amount": D("12.5"),
    "count": 3,  # an int from the engine becomes a Number
    "ratio": 0.25,  # so does a float
    "zero": D(0),
    "nothing": None,
    "blank": "",
    "name": "Acme Corp",
    "flag": True,
    "status": "Closed Won",
    "colors": "Red;Green;Blue",
    "start": datetime.date(2024, 1, 31),
    "leap": datetime.date(2024, 2, 29),
    "stamp": datetime.datetime(2024, 3, 15, 10, 30, tzinfo=UTC),
    "later": datetime.datetime(2024, 3, 16, 22, 30, tzinfo=UTC),
    "noon": datetime.time(12, 0),
    "Account.Name": "Acme Corp",
    "$Record.Subject": "Printer on fire",
    "$Flow.InterviewGuid": "0Fo5g000000abcdEFG-1a2b",
}


def resolve(ref: str) -> Any:
    return VARS[ref]  # KeyError for an unknown reference, as the engine's resolver does


def run(formula: str) -> Any:
    return compile_formula(formula).evaluate(resolve, now=NOW)


def check_expression(formula: str, expected: Any, why: str) -> None:
    """The formula's result equals `expected` and has its type (Python says True == Decimal(1))."""
    result = run(formula)
    assert result == expected, why
    assert type(result) is type(expected), f"{type_name(result)} instead of {type_name(expected)}"
