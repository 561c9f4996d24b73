"""An interview's inputs (converted to the variables' types, refused with a message naming the input) and outputs
(JSON-ready), global variables and unknown references."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import assign, build, outputs_of, ref, var

# ---- inputs and outputs ----------------------------------------------------------------------------------------

TYPED = build(
    var("text", "String", inp=True, out=True),
    var("num", "Number", inp=True, out=True, scale=2),
    var("whole", "Number", inp=True, out=True, scale=0),
    var("money", "Currency", inp=True, out=True, scale=2),
    var("flag", "Boolean", inp=True, out=True),
    var("day", "Date", inp=True, out=True),
    var("moment", "DateTime", inp=True, out=True),
    var("clock", "Time", inp=True, out=True),
    var("tags", "String", inp=True, out=True, many=True),
    var("account", "SObject", inp=True, out=True, obj="Account"),
    var("hidden", "String"),
    start=None,
    name="Typed",
)


def test_inputs_are_converted_and_outputs_are_json_ready(run: Callable[..., InterviewOutcome]) -> None:
    inputs = {
        "text": "hi",
        "num": "12.345",
        "whole": 7.0,
        "money": 10,
        "flag": "true",
        "day": "2024-02-29",
        "moment": "2024-02-29T10:15:00+02:00",
        "clock": "09:30:00",
        "tags": ["a", "b"],
        "account": {"attributes": {"type": "Account"}, "Name": "Acme", "NumberOfEmployees": 5},
    }
    result = outputs_of(run(TYPED, inputs))
    assert result == {
        "text": "hi",
        "num": 12.35,  # rounded to the variable's 2 decimal places
        "whole": 7,
        "money": 10.0,
        "flag": True,
        "day": "2024-02-29",
        "moment": "2024-02-29T08:15:00.000Z",
        "clock": "09:30:00.000Z",
        "tags": ["a", "b"],
        "account": {"attributes": {"type": "Account"}, "Name": "Acme", "NumberOfEmployees": 5},
    }
    assert json.loads(json.dumps(result)) == result


@pytest.mark.parametrize(
    ("inputs", "fragment"),
    [
        ({"nope": 1}, "Invalid input 'nope': the flow Typed has no input variable named nope"),
        ({"hidden": "x"}, "no input variable named hidden"),
        ({"num": "twelve"}, "Invalid input 'num' (number): expected a number, got 'twelve'"),
        ({"num": True}, "expected a number, got the boolean true"),
        ({"flag": "yes"}, "expected a boolean"),
        ({"day": "29/02/2024"}, "expected a date (YYYY-MM-DD)"),
        ({"day": 20240229}, "Invalid input 'day' (date)"),
        ({"tags": "a"}, "Invalid input 'tags' (collection of text): expected a list of text values"),
        ({"text": ["a"]}, "expected text, got a list"),
        (
            {"account": {"attributes": {"type": "Contact"}}},
            "expected a record of type Account, got a record of type Contact",
        ),
        ({"account": "001"}, "expected an object (Account record), got the text '001'"),
    ],
)
def test_invalid_inputs(run: Callable[..., InterviewOutcome], inputs: dict[str, Any], fragment: str) -> None:
    outcome = run(TYPED, inputs)
    assert (outcome.status, outcome.error_code) == ("Error", "INVALID_INPUT")
    assert fragment in str(outcome.error_message)


def test_globals(engine: FlowEngine, store: RecordStore) -> None:
    flow = build(
        var("today", "Date", out=True),
        *(var(name, "DateTime", out=True) for name in ("now", "started")),
        *(var(name, "String", out=True) for name in ("guid", "username", "label", "api", "empty", "recordName")),
        assign(
            "Read",
            [
                ("today", "Assign", ref("$Flow.CurrentDate")),
                ("now", "Assign", ref("$Flow.CurrentDateTime")),
                ("started", "Assign", ref("$Flow.InterviewStartTime")),
                ("guid", "Assign", ref("$Flow.InterviewGuid")),
                ("username", "Assign", ref("$User.Username")),
                ("label", "Assign", ref("$Label.Welcome_Message")),
                ("api", "Assign", ref("$Api.Partner_Server_URL_590")),
                ("empty", "Assign", ref("$GlobalConstant.EmptyString")),
                ("recordName", "Assign", ref("$Record.Name")),
            ],
        ),
        start="Read",
    )
    outcome = engine.run(flow, {}, record={"attributes": {"type": "Account"}, "Name": "Acme"})
    result = outputs_of(outcome)
    assert result["today"] == "2024-02-29"
    assert result["now"] == result["started"] == "2024-02-29T23:45:00.000Z"
    assert result["guid"] == outcome.guid
    assert result["username"] == store.get("User", store.admin_user_id)["Username"]  # type: ignore[index]
    assert result["label"] == "Welcome_Message"
    assert result["api"].startswith("http://127.0.0.1:9999/services/Soap/u/59.0/00D")
    assert (result["empty"], result["recordName"]) == ("", "Acme")
    as_other = outputs_of(engine.run(flow, {}, user={"Id": "005000000000001", "Username": "someone@example.com"}))
    assert as_other["username"] == "someone@example.com"


def test_unknown_reference_is_an_error(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(var("x", "String", out=True), assign("Read", [("x", "Assign", ref("ghost"))]), start="Read")
    outcome = run(flow)
    assert outcome.status == "Error" and "references {!ghost}" in str(outcome.error_message)
