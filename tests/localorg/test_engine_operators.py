"""Condition operators not covered by test_engine_values.py's operator table: IsEmpty on text and collections.

Salesforce Help, "Flow Operators in Decision, Wait, and Collection Filter Elements"
(https://help.salesforce.com/s/articleView?id=platform.flow_ref_operators_condition.htm): Is Empty is true for a
collection with no items and for empty text; false otherwise.
"""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import assign, build, cond, decision, lit, outputs_of, var


@pytest.mark.parametrize(
    ("many", "value", "expected"),
    [(True, [], True), (True, ["a"], False), (True, None, True), (False, "", True), (False, "x", False)],
)
def test_is_empty(many: bool, value: Any, expected: bool) -> None:
    flow = build(
        var("subject", "String", inp=True, many=many),
        var("empty", "Boolean", out=True, default=lit("booleanValue", "false")),
        decision("Check", [cond("subject", "IsEmpty", lit("booleanValue", "true"))], "Yes", None),
        assign("Yes", [("empty", "Assign", lit("booleanValue", "true"))]),
        start="Check",
    )
    engine = FlowEngine(RecordStore(sqlite3.connect(":memory:")), lambda name: None)
    assert outputs_of(engine.run(flow, {"subject": value})) == {"empty": expected}
