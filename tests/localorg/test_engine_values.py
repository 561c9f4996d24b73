"""Assignments (every operator on collections and scalars) and decisions (condition operators, custom logic),
run by the engine on small flows."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from tests.localorg.flow_builders import (
    assign,
    build,
    collect_records,
    cond,
    decision,
    lit,
    outputs_of,
    ref,
    var,
)

# ---- assignments -----------------------------------------------------------------------------------------------

TEXTS = ["a", "b", "c", "b"]


@pytest.mark.parametrize(
    ("operator", "value", "expected"),
    [
        ("Assign", ["x"], ["x"]),
        ("Add", "d", ["a", "b", "c", "b", "d"]),
        ("Add", ["d", "e"], ["a", "b", "c", "b", "d", "e"]),
        ("AddAtStart", "z", ["z", "a", "b", "c", "b"]),
        ("RemoveAll", "b", ["a", "c"]),
        ("RemoveFirst", "b", ["a", "c", "b"]),
        ("RemoveBeforeFirst", "b", ["b", "c", "b"]),
        ("RemoveAfterFirst", "b", ["a", "b"]),
        ("RemoveUncommon", ["b", "c", "x"], ["b", "c", "b"]),
        ("RemovePosition", 2, ["a", "c", "b"]),
    ],
)
def test_collection_assignment_operators(
    run: Callable[..., InterviewOutcome], operator: str, value: Any, expected: list[str]
) -> None:
    value_var = (
        var("arg", "Number", inp=True)
        if isinstance(value, int)
        else var("arg", "String", inp=True, many=isinstance(value, list))
    )
    flow = build(
        var("items", "String", inp=True, out=True, many=True),
        value_var,
        assign("Change", [("items", operator, ref("arg"))]),
        start="Change",
    )
    assert outputs_of(run(flow, {"items": TEXTS, "arg": value})) == {"items": expected}


@pytest.mark.parametrize(
    ("data_type", "operator", "start", "value", "expected"),
    [
        ("Number", "Add", 2, lit("numberValue", "3.5"), 5.5),
        ("Number", "Subtract", 10, lit("numberValue", "2.25"), 7.75),
        ("Number", "Add", None, lit("numberValue", "1"), 1.0),
        ("String", "Add", "ab", lit("stringValue", "cd"), "abcd"),
        ("Date", "Add", "2024-01-30", lit("numberValue", "3"), "2024-02-02"),
        ("Date", "Subtract", "2024-03-01", lit("numberValue", "1"), "2024-02-29"),
        ("String", "AddItem", "Email;Web", lit("stringValue", "Phone"), "Email;Web;Phone"),
        ("String", "AddItem", None, lit("stringValue", "Phone"), "Phone"),
        ("Boolean", "Assign", False, lit("booleanValue", "true"), True),
    ],
)
def test_scalar_assignment_operators(
    run: Callable[..., InterviewOutcome], data_type: str, operator: str, start: Any, value: str, expected: Any
) -> None:
    flow = build(
        var("target", data_type, inp=True, out=True, scale=2 if data_type == "Number" else None),
        assign("Change", [("target", operator, value)]),
        start="Change",
    )
    assert outputs_of(run(flow, {"target": start})) == {"target": expected}


def test_assign_count_and_unknown_operator(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("items", "String", inp=True, many=True),
        var("n", "Number", out=True, scale=0),
        assign("Count", [("n", "AssignCount", ref("items"))]),
        start="Count",
    )
    assert outputs_of(run(flow, {"items": ["a", "b", "c"]})) == {"n": 3}
    assert outputs_of(run(flow, {})) == {"n": 0}
    odd = build(var("n", "Number", out=True), assign("Odd", [("n", "Multiply", lit("numberValue", "2"))]), start="Odd")
    outcome = run(odd)
    assert outcome.status == "Error" and "'Multiply' is not supported" in str(outcome.error_message)


def test_records_added_to_a_collection_are_copies(run: Callable[..., InterviewOutcome]) -> None:
    # The record variable is reused for every item; each Add keeps the values it had then.
    flow = build(*collect_records("Contact", "LastName"), start="Each")
    result = outputs_of(run(flow, {"names": ["Ada", "Alan"]}))["records"]
    assert result == [
        {"attributes": {"type": "Contact"}, "LastName": "Ada"},
        {"attributes": {"type": "Contact"}, "LastName": "Alan"},
    ]


# ---- conditions and logic --------------------------------------------------------------------------------------


def _check(operator: str, left_type: str, left: Any, right_xml: str, *, many: bool = False) -> Flow:
    return build(
        var("left", left_type, inp=True, many=many),
        var("arg", "String", inp=True, many=True),
        var("result", "Boolean", out=True, default=lit("booleanValue", "false")),
        decision("Check", [cond("left", operator, right_xml)], "Yes", None),
        assign("Yes", [("result", "Assign", lit("booleanValue", "true"))]),
        start="Check",
    )


@pytest.mark.parametrize(
    ("operator", "left_type", "left", "right", "expected"),
    [
        ("EqualTo", "String", "abc", lit("stringValue", "abc"), True),
        ("EqualTo", "String", "ABC", lit("stringValue", "abc"), False),  # decisions are case-sensitive
        ("EqualTo", "String", None, lit("stringValue", ""), True),  # null and empty text are alike
        ("EqualTo", "Number", 5, lit("numberValue", "5.0"), True),
        ("EqualTo", "Boolean", True, lit("booleanValue", "true"), True),
        ("NotEqualTo", "String", "a", lit("stringValue", "b"), True),
        ("GreaterThan", "Number", 5, lit("numberValue", "3"), True),
        ("GreaterThan", "Number", None, lit("numberValue", "3"), False),
        ("GreaterThanOrEqualTo", "Number", 3, lit("numberValue", "3"), True),
        ("LessThan", "Date", "2024-01-01", lit("dateValue", "2024-02-01"), True),
        ("LessThanOrEqualTo", "Number", 4, lit("numberValue", "3"), False),
        ("StartsWith", "String", "005xyz", lit("stringValue", "005"), True),
        ("EndsWith", "String", "report.pdf", lit("stringValue", ".pdf"), True),
        ("Contains", "String", "total outage", lit("stringValue", "outage"), True),
        ("Contains", "String", "total Outage", lit("stringValue", "outage"), False),
        ("IsNull", "String", None, lit("booleanValue", "true"), True),
        ("IsNull", "String", "x", lit("booleanValue", "false"), True),
        ("IsBlank", "String", "   ", lit("booleanValue", "true"), True),
        ("IsChanged", "String", "x", lit("booleanValue", "true"), False),  # no prior record outside a trigger
        ("In", "String", "b", ref("arg"), True),
        ("NotIn", "String", "z", ref("arg"), True),
    ],
)
def test_condition_operators(
    run: Callable[..., InterviewOutcome], operator: str, left_type: str, left: Any, right: str, expected: bool
) -> None:
    flow = _check(operator, left_type, left, right)
    assert outputs_of(run(flow, {"left": left, "arg": ["a", "b"]})) == {"result": expected}


def test_contains_and_is_null_on_collections(run: Callable[..., InterviewOutcome]) -> None:
    contains = _check("Contains", "String", None, lit("stringValue", "b"), many=True)
    assert outputs_of(run(contains, {"left": ["a", "b"]})) == {"result": True}
    assert outputs_of(run(contains, {"left": ["abc"]})) == {"result": False}
    empty = _check("IsNull", "String", None, lit("booleanValue", "true"), many=True)
    assert outputs_of(run(empty, {"left": []})) == {"result": True}


def test_unknown_operator_is_an_error(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run(_check("Resembles", "String", "a", lit("stringValue", "a")), {"left": "a"})
    assert outcome.status == "Error" and "'Resembles' is not supported" in str(outcome.error_message)


@pytest.mark.parametrize(
    ("logic", "a", "b", "c", "expected"),
    [
        ("1 AND (2 OR 3)", True, False, True, True),
        ("1 AND (2 OR 3)", False, True, True, False),
        ("(1 OR 2) AND NOT 3", False, True, False, True),
        ("or", False, False, True, True),
        ("and", True, True, False, False),
    ],
)
def test_condition_logic(
    run: Callable[..., InterviewOutcome], logic: str, a: bool, b: bool, c: bool, expected: bool
) -> None:
    flow = build(
        var("a", "Boolean", inp=True),
        var("b", "Boolean", inp=True),
        var("c", "Boolean", inp=True),
        var("path", "String", out=True),
        decision(
            "Check",
            [cond(n, "EqualTo", lit("booleanValue", "true")) for n in ("a", "b", "c")],
            "Yes",
            "No",
            logic=logic,
        ),
        assign("Yes", [("path", "Assign", lit("stringValue", "rule"))]),
        assign("No", [("path", "Assign", lit("stringValue", "default"))]),
        start="Check",
    )
    assert outputs_of(run(flow, {"a": a, "b": b, "c": c})) == {"path": "rule" if expected else "default"}


def test_bad_condition_logic_is_an_error(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("a", "Boolean", inp=True),
        decision("Check", [cond("a", "EqualTo", lit("booleanValue", "true"))], None, None, logic="1 AND 4"),
        start="Check",
    )
    outcome = run(flow, {"a": True})
    assert outcome.status == "Error"
    assert "refers to condition 4, but there are 1" in str(outcome.error_message)
