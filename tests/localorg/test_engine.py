"""Engine unit tests on small flows written as real Flow metadata: assignments, conditions, logic, loops, subflows,
faults, limits, inputs and outputs, globals, actions and record elements."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionError, ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import parse_flow
from salesforce_flow_mcp.localorg.store.records import RecordStore

NS = "http://soap.sforce.com/2006/04/metadata"
NOW = dt.datetime(2024, 2, 29, 23, 45, 0, tzinfo=dt.UTC)


# ---- building flows --------------------------------------------------------------------------------------------


def var(
    name: str,
    data_type: str,
    *,
    inp: bool = False,
    out: bool = False,
    many: bool = False,
    obj: str | None = None,
    scale: int | None = None,
    default: str = "",
) -> str:
    extra = f"<objectType>{obj}</objectType>" if obj else ""
    extra += f"<scale>{scale}</scale>" if scale is not None else ""
    extra += f"<value>{default}</value>" if default else ""
    return (
        f"<variables><name>{name}</name><dataType>{data_type}</dataType><isCollection>{str(many).lower()}"
        f"</isCollection><isInput>{str(inp).lower()}</isInput><isOutput>{str(out).lower()}</isOutput>{extra}"
        "</variables>"
    )


def ref(name: str) -> str:
    return f"<elementReference>{name}</elementReference>"


def lit(kind: str, text: str) -> str:
    return f"<{kind}>{text}</{kind}>"


def connector(target: str | None, tag: str = "connector") -> str:
    return f"<{tag}><targetReference>{target}</targetReference></{tag}>" if target else ""


def assign(name: str, items: list[tuple[str, str, str]], then: str | None = None) -> str:
    body = "".join(
        f"<assignmentItems><assignToReference>{target}</assignToReference><operator>{op}</operator>"
        + (f"<value>{value}</value>" if value else "")
        + "</assignmentItems>"
        for target, op, value in items
    )
    return f"<assignments><name>{name}</name><label>{name}</label>{body}{connector(then)}</assignments>"


def cond(left: str, op: str, right: str = "") -> str:
    right_xml = f"<rightValue>{right}</rightValue>" if right else ""
    return (
        f"<conditions><leftValueReference>{left}</leftValueReference><operator>{op}</operator>{right_xml}</conditions>"
    )


def decision(name: str, conditions: list[str], yes: str | None, no: str | None, logic: str = "and") -> str:
    return (
        f"<decisions><name>{name}</name><label>{name}</label>{connector(no, 'defaultConnector')}"
        f"<rules><name>{name}_Yes</name><conditionLogic>{logic}</conditionLogic>{''.join(conditions)}"
        f"{connector(yes)}<label>Yes</label></rules></decisions>"
    )


def build(*parts: str, start: str | None, name: str = "Test_Flow", process_type: str = "AutoLaunchedFlow") -> Flow:
    xml = (
        f'<?xml version="1.0" encoding="UTF-8"?><Flow xmlns="{NS}"><apiVersion>59.0</apiVersion>'
        f"<label>{name}</label><processType>{process_type}</processType>"
        f"<start>{connector(start)}</start><status>Active</status>{''.join(parts)}</Flow>"
    )
    return parse_flow(xml.encode(), name)


# ---- fixtures --------------------------------------------------------------------------------------------------


@pytest.fixture
def library() -> dict[str, Flow]:
    """Flows that subflow elements can reach by name."""
    return {}


@pytest.fixture
def engine(store: RecordStore, library: dict[str, Flow], actions: ActionRegistry) -> FlowEngine:
    return FlowEngine(store, library.get, actions, base_url="http://127.0.0.1:9999", clock=lambda: NOW)


@pytest.fixture
def run(engine: FlowEngine) -> Callable[..., InterviewOutcome]:
    return lambda flow, inputs=None, **kw: engine.run(flow, inputs or {}, **kw)


def outputs_of(outcome: InterviewOutcome) -> dict[str, Any]:
    assert outcome.status == "Finished", (outcome.error_code, outcome.error_message)
    return outcome.outputs


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
    flow = build(
        var("names", "String", inp=True, many=True),
        var("one", "SObject", obj="Contact"),
        var("all", "SObject", out=True, many=True, obj="Contact"),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Fill', 'nextValueConnector')}</loops>",
        assign("Fill", [("one.LastName", "Assign", ref("Each")), ("all", "Add", ref("one"))], then="Each"),
        start="Each",
    )
    result = outputs_of(run(flow, {"names": ["Ada", "Alan"]}))["all"]
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


# ---- loops -----------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("order", "expected"), [("Asc", "abc"), ("Desc", "cba")])
def test_loop_order(run: Callable[..., InterviewOutcome], order: str, expected: str) -> None:
    flow = build(
        var("letters", "String", inp=True, many=True),
        var("joined", "String", out=True),
        f"<loops><name>Each</name><label>Each</label><collectionReference>letters</collectionReference>"
        f"<iterationOrder>{order}</iterationOrder>{connector('Append', 'nextValueConnector')}"
        f"{connector('Done', 'noMoreValuesConnector')}</loops>",
        assign("Append", [("joined", "Add", ref("Each"))], then="Each"),
        assign("Done", [("joined", "Add", lit("stringValue", "!"))]),
        start="Each",
    )
    assert outputs_of(run(flow, {"letters": ["a", "b", "c"]})) == {"joined": expected + "!"}
    assert outputs_of(run(flow, {"letters": []})) == {"joined": "!"}


def test_nested_loops_restart_the_inner_loop(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("outer", "String", inp=True, many=True),
        var("inner", "String", inp=True, many=True),
        var("pairs", "String", out=True, many=True),
        "<loops><name>Outer</name><label>Outer</label><collectionReference>outer</collectionReference>"
        f"{connector('Inner', 'nextValueConnector')}</loops>",
        "<loops><name>Inner</name><label>Inner</label><collectionReference>inner</collectionReference>"
        f"{connector('Pair', 'nextValueConnector')}{connector('Outer', 'noMoreValuesConnector')}</loops>",
        "<formulas><name>pair</name><dataType>String</dataType><expression>{!Outer} &amp; {!Inner}</expression>"
        "</formulas>",
        assign("Pair", [("pairs", "Add", ref("pair"))], then="Inner"),
        start="Outer",
    )
    assert outputs_of(run(flow, {"outer": ["1", "2"], "inner": ["x", "y"]})) == {"pairs": ["1x", "1y", "2x", "2y"]}


# ---- subflows --------------------------------------------------------------------------------------------------


def _doubler() -> Flow:
    return build(
        var("n", "Number", inp=True, scale=2),
        var("doubled", "Number", out=True, scale=2),
        assign("Double", [("doubled", "Add", ref("n")), ("doubled", "Add", ref("n"))]),
        start="Double",
        name="Doubler",
    )


def test_subflow_inputs_outputs_and_stored_outputs(
    run: Callable[..., InterviewOutcome], library: dict[str, Flow]
) -> None:
    library["Doubler"] = _doubler()
    flow = build(
        var("x", "Number", inp=True, scale=2),
        var("y", "Number", out=True, scale=2),
        var("z", "Number", out=True, scale=2),
        "<subflows><name>Call_Doubler</name><label>Call</label>"
        f"{connector('Copy')}<flowName>Doubler</flowName><inputAssignments><name>n</name><value>{ref('x')}</value>"
        "</inputAssignments><outputAssignments><assignToReference>y</assignToReference><name>doubled</name>"
        "</outputAssignments><storeOutputAutomatically>true</storeOutputAutomatically></subflows>",
        assign("Copy", [("z", "Assign", ref("Call_Doubler.doubled"))]),
        start="Call_Doubler",
    )
    assert outputs_of(run(flow, {"x": 2.25})) == {"y": 4.5, "z": 4.5}


def test_missing_subflow_faults_to_the_fault_path(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("why", "String", out=True),
        "<subflows><name>Call</name><label>Call</label><flowName>Nowhere</flowName>"
        f"{connector('Explain', 'faultConnector')}</subflows>",
        assign("Explain", [("why", "Assign", ref("$Flow.FaultMessage"))]),
        start="Call",
    )
    assert outputs_of(run(flow)) == {"why": "The subflow Nowhere doesn't exist in the org or has no active version"}


def test_a_failing_subflow_fails_the_parent(run: Callable[..., InterviewOutcome], library: dict[str, Flow]) -> None:
    library["Bad_Child"] = build(
        "<recordCreates><name>Make</name><label>Make</label><object>Account</object></recordCreates>",
        start="Make",
        name="Bad_Child",
    )
    flow = build(
        "<subflows><name>Call</name><label>Call</label><flowName>Bad_Child</flowName></subflows>", start="Call"
    )
    outcome = run(flow)
    assert outcome.status == "Error" and outcome.current_element == "Call"
    assert "The subflow Bad_Child failed" in str(outcome.error_message)
    assert "Required fields are missing: [Name]" in str(outcome.error_message)


# ---- faults, rollback, limits, unsupported elements -------------------------------------------------------------


def _create(
    name: str, sobject: str, fields: dict[str, str], *, then: str | None = None, fault: str | None = None
) -> str:
    assignments = "".join(
        f"<inputAssignments><field>{f}</field><value>{lit('stringValue', v)}</value></inputAssignments>"
        for f, v in fields.items()
    )
    return (
        f"<recordCreates><name>{name}</name><label>{name}</label>{connector(then)}"
        f"{connector(fault, 'faultConnector')}{assignments}<object>{sobject}</object></recordCreates>"
    )


def test_fault_connector_sets_fault_message(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    flow = build(
        var("why", "String", out=True),
        _create("Make", "Account", {"Industry": "Tech"}, fault="Explain"),
        assign("Explain", [("why", "Assign", ref("$Flow.FaultMessage"))]),
        start="Make",
    )
    assert outputs_of(run(flow)) == {
        "why": "This error occurred when the flow tried to create records: REQUIRED_FIELD_MISSING: Required fields "
        "are missing: [Name]. You can look up ExceptionCode values in the SOAP API Developer Guide."
    }


def test_unhandled_fault_is_an_error_and_rolls_back(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    flow = build(
        _create("Make_Contact", "Contact", {"LastName": "Saved first"}, then="Make_Account"),
        _create("Make_Account", "Account", {"Industry": "Tech"}),
        start="Make_Contact",
    )
    outcome = run(flow)
    assert outcome.status == "Error"
    assert outcome.error_code == "UNKNOWN_EXCEPTION"
    assert outcome.current_element == "Make_Account"
    assert str(outcome.error_message).startswith("An error occurred when executing a flow interview.")
    assert "REQUIRED_FIELD_MISSING: Required fields are missing: [Name]" in str(outcome.error_message)
    # The whole interview is one transaction: the contact saved before the fault is gone too.
    assert store.rows("Contact") == [] and store.rows("Account") == []


def test_infinite_loop_guard_is_configurable(store: RecordStore) -> None:
    flow = build(
        var("items", "String", inp=True, many=True),
        var("n", "Number", out=True, scale=0),
        "<loops><name>Each</name><label>Each</label><collectionReference>items</collectionReference>"
        f"{connector('Count', 'nextValueConnector')}</loops>",
        assign("Count", [("n", "Add", lit("numberValue", "1"))], then="Each"),
        start="Each",
    )
    engine = FlowEngine(store, lambda name: None, loop_guard=10)
    assert outputs_of(engine.run(flow, {"items": ["x"] * 4})) == {"n": 4}  # 9 elements
    outcome = engine.run(flow, {"items": ["x"] * 5})
    assert outcome.status == "Error" and outcome.current_element == "Each"
    assert "Infinite-loop guard" in str(outcome.error_message)


def test_unsupported_element_errors_only_when_reached(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("fancy", "Boolean", inp=True),
        var("done", "Boolean", out=True),
        decision("Route", [cond("fancy", "EqualTo", lit("booleanValue", "true"))], "Undo", "Plain"),
        "<apexPluginCalls><name>Undo</name><label>Undo</label><apexClass>Legacy</apexClass></apexPluginCalls>",
        assign("Plain", [("done", "Assign", lit("booleanValue", "true"))]),
        start="Route",
    )
    assert flow.unsupported == ("apexPluginCalls:Undo",)
    assert outputs_of(run(flow, {"fancy": False})) == {"done": True}
    outcome = run(flow, {"fancy": True})
    assert outcome.status == "Error" and outcome.current_element == "Undo"
    assert "cannot run the apexPluginCalls element 'Undo' yet" in str(outcome.error_message)


def test_custom_error(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("email", "String", inp=True),
        "<customErrors><name>Stop</name><label>Stop</label><customErrorMessages>"
        "<errorMessage>The address {!email} is taken</errorMessage><isFieldError>false</isFieldError>"
        "</customErrorMessages></customErrors>",
        start="Stop",
    )
    outcome = run(flow, {"email": "a@b.c"})
    assert (outcome.status, outcome.error_code, outcome.error_message) == (
        "Error",
        "FIELD_CUSTOM_VALIDATION_EXCEPTION",
        "The address a@b.c is taken",
    )


def test_formula_errors_are_faults(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("out", "String", out=True),
        var("why", "String", out=True),
        "<formulas><name>broken</name><dataType>String</dataType><expression>NOSUCHFN(1)</expression></formulas>",
        f"<assignments><name>Use</name><label>Use</label><assignmentItems><assignToReference>out</assignToReference>"
        f"<operator>Assign</operator><value>{ref('broken')}</value></assignmentItems>"
        f"{connector('Explain', 'faultConnector')}</assignments>",
        assign("Explain", [("why", "Assign", ref("$Flow.FaultMessage"))]),
        start="Use",
    )
    result = outputs_of(run(flow))
    assert result["out"] is None and "The formula broken couldn't be evaluated" in result["why"]


def test_screens_and_waits_pause(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("name", "String", inp=True, out=True),
        "<screens><name>Ask</name><label>Tell us more</label><fields><name>Answer</name>"
        "<fieldType>InputField</fieldType><dataType>String</dataType></fields></screens>",
        start="Ask",
        process_type="Flow",
    )
    outcome = run(flow, {"name": "Ada"})
    assert (outcome.status, outcome.current_element, outcome.pause_label) == ("Paused", "Ask", "Tell us more")
    assert outcome.outputs == {"name": "Ada"} and outcome.error_code is None


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
        var("now", "DateTime", out=True),
        var("started", "DateTime", out=True),
        var("guid", "String", out=True),
        var("username", "String", out=True),
        var("label", "String", out=True),
        var("api", "String", out=True),
        var("empty", "String", out=True),
        var("recordName", "String", out=True),
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


# ---- actions ---------------------------------------------------------------------------------------------------


def _action_flow(action_type: str, action_name: str) -> Flow:
    return build(
        var("x", "Number", inp=True, scale=2),
        var("y", "Number", out=True, scale=2),
        var("why", "String", out=True),
        f"<actionCalls><name>Call</name><label>Call</label><actionName>{action_name}</actionName>"
        f"<actionType>{action_type}</actionType>{connector('Explain', 'faultConnector')}"
        f"<inputParameters><name>value</name><value>{ref('x')}</value></inputParameters>"
        "<outputParameters><assignToReference>y</assignToReference><name>result</name></outputParameters>"
        "</actionCalls>",
        assign("Explain", [("why", "Assign", ref("$Flow.FaultMessage"))]),
        start="Call",
    )


def test_registered_action_stub(run: Callable[..., InterviewOutcome], actions: ActionRegistry) -> None:
    seen: list[dict[str, Any]] = []
    actions.register("apex:Tripler", lambda inputs: seen.append(inputs) or {"result": inputs["value"] * 3})
    assert outputs_of(run(_action_flow("apex", "Tripler"), {"x": 1.5})) == {"y": 4.5, "why": None}
    assert seen == [{"value": 1.5}]


def test_failing_action_stubs_fault(run: Callable[..., InterviewOutcome], actions: ActionRegistry) -> None:
    def refuse(inputs: dict[str, Any]) -> dict[str, Any]:
        raise ActionError("card declined")

    actions.register("apex:Charge", refuse)
    assert (
        outputs_of(run(_action_flow("apex", "Charge"), {"x": 1}))["why"]
        == "The action apex:Charge failed: card declined"
    )
    actions.register("apex:Buggy", lambda inputs: {"result": 1 / 0})
    assert "ZeroDivisionError" in outputs_of(run(_action_flow("apex", "Buggy"), {"x": 1}))["why"]


def test_canned_action_outputs(run: Callable[..., InterviewOutcome], actions: ActionRegistry, tmp_path: Path) -> None:
    path = tmp_path / "stubs.json"
    path.write_text(json.dumps({"apex:Quote": [{"result": 1}, {"$error": "out of stock"}]}))
    actions.load_json(path)
    flow = _action_flow("apex", "Quote")
    assert outputs_of(run(flow, {"x": 0}))["y"] == 1.0
    assert outputs_of(run(flow, {"x": 0}))["why"] == "The action apex:Quote failed: out of stock"
    assert outputs_of(run(flow, {"x": 0}))["why"] == "The action apex:Quote failed: out of stock"  # the last repeats
    bad = tmp_path / "bad.json"
    bad.write_text(json.dumps({"apex:Quote": "nope"}))
    with pytest.raises(ValueError, match="must map to an object"):
        actions.load_json(bad)


def test_unregistered_action_is_an_error_even_with_a_fault_path(run: Callable[..., InterviewOutcome]) -> None:
    outcome = run(_action_flow("apex", "Missing"), {"x": 1})
    assert outcome.status == "Error" and outcome.current_element == "Call"
    assert "Action 'apex:Missing' is not available in the embedded org; register a stub with" in str(
        outcome.error_message
    )


def test_email_simple_is_built_in(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("sent", "Boolean", out=True),
        "<actionCalls><name>Mail</name><label>Mail</label><actionName>emailSimple</actionName>"
        f"<actionType>emailSimple</actionType>{connector('Done')}<inputParameters><name>emailAddresses</name>"
        f"<value>{lit('stringValue', 'a@example.com')}</value></inputParameters></actionCalls>",
        assign("Done", [("sent", "Assign", lit("booleanValue", "true"))]),
        start="Mail",
    )
    assert outputs_of(run(flow)) == {"sent": True}


# ---- record elements -------------------------------------------------------------------------------------------


def _seed_accounts(store: RecordStore) -> list[str]:
    return [
        store.insert("Account", {"Name": name, "Industry": industry, "AnnualRevenue": revenue})
        for name, industry, revenue in [
            ("Acme", "Tech", 500),
            ("Globex", "Tech", 900),
            ("Initech", "Retail", 300),
            ("Umbrella", "tech", None),
        ]
    ]


def _lookup(filters: str, extra: str, output: str) -> str:
    head = "<recordLookups><name>Find</name><label>Find</label>"
    return f"{head}{filters}{extra}{output}<object>Account</object></recordLookups>"


def _filter(field: str, op: str, value: str) -> str:
    return f"<filters><field>{field}</field><operator>{op}</operator><value>{value}</value></filters>"


def test_lookup_filters_sort_limit_and_fields(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    _seed_accounts(store)
    flow = build(
        var("found", "SObject", out=True, many=True, obj="Account"),
        _lookup(
            _filter("Industry", "EqualTo", lit("stringValue", "TECH")),
            "<sortField>AnnualRevenue</sortField><sortOrder>Desc</sortOrder><limit>2</limit>"
            "<queriedFields>Name</queriedFields><getFirstRecordOnly>false</getFirstRecordOnly>",
            "<outputReference>found</outputReference>",
        ),
        start="Find",
    )
    found = outputs_of(run(flow))["found"]
    # SOQL-like: case-insensitive match (3 tech accounts), descending with nulls last, limit 2, Id + queried fields.
    assert [a["Name"] for a in found] == ["Globex", "Acme"]
    assert set(found[0]) == {"attributes", "Id", "Name"}


def test_lookup_first_record_custom_logic_and_output_assignments(
    run: Callable[..., InterviewOutcome], store: RecordStore
) -> None:
    ids = _seed_accounts(store)
    flow = build(
        var("name", "String", out=True),
        var("revenue", "Currency", out=True, scale=2),
        _lookup(
            _filter("Industry", "EqualTo", lit("stringValue", "Retail"))
            + _filter("AnnualRevenue", "GreaterThan", lit("numberValue", "800")),
            "<filterLogic>1 OR 2</filterLogic><sortField>Name</sortField><sortOrder>Asc</sortOrder>"
            "<assignNullValuesIfNoRecordsFound>true</assignNullValuesIfNoRecordsFound>",
            "<outputAssignments><assignToReference>name</assignToReference><field>Name</field></outputAssignments>"
            "<outputAssignments><assignToReference>revenue</assignToReference><field>AnnualRevenue</field>"
            "</outputAssignments>",
        ),
        start="Find",
    )
    assert outputs_of(run(flow)) == {"name": "Globex", "revenue": 900.0}
    store.delete("Account", ids[1])
    store.delete("Account", ids[2])
    assert outputs_of(run(flow)) == {"name": None, "revenue": None}


def test_create_update_delete_by_reference_and_filter(run: Callable[..., InterviewOutcome], store: RecordStore) -> None:
    flow = build(
        var("names", "String", inp=True, many=True),
        var("one", "SObject", obj="Account"),
        var("accounts", "SObject", out=True, many=True, obj="Account"),
        "<loops><name>Each</name><label>Each</label><collectionReference>names</collectionReference>"
        f"{connector('Fill', 'nextValueConnector')}{connector('Save', 'noMoreValuesConnector')}</loops>",
        assign("Fill", [("one.Name", "Assign", ref("Each")), ("accounts", "Add", ref("one"))], then="Each"),
        f"<recordCreates><name>Save</name><label>Save</label>{connector('Rate')}"
        "<inputReference>accounts</inputReference></recordCreates>",
        "<recordUpdates><name>Rate</name><label>Rate</label>"
        f"{connector('Drop')}{_filter('Name', 'StartsWith', lit('stringValue', 'B'))}"
        f"<inputAssignments><field>Rating</field><value>{lit('stringValue', 'Hot')}</value></inputAssignments>"
        "<object>Account</object></recordUpdates>",
        "<recordDeletes><name>Drop</name><label>Drop</label>"
        f"{_filter('Name', 'EqualTo', lit('stringValue', 'Cee'))}<object>Account</object></recordDeletes>",
        start="Each",
    )
    result = outputs_of(run(flow, {"names": ["Ay", "Bee", "Cee"]}))
    # The created records get their Ids back in the collection.
    assert [a["Id"][:3] for a in result["accounts"]] == ["001", "001", "001"]
    assert [(a["Name"], a.get("Rating")) for a in store.rows("Account")] == [("Ay", None), ("Bee", "Hot")]


def test_update_without_id_faults(run: Callable[..., InterviewOutcome]) -> None:
    flow = build(
        var("acct", "SObject", inp=True, obj="Account"),
        "<recordUpdates><name>Save</name><label>Save</label><inputReference>acct</inputReference></recordUpdates>",
        start="Save",
    )
    outcome = run(flow, {"acct": {"attributes": {"type": "Account"}, "Name": "No Id"}})
    assert outcome.status == "Error"
    assert "This error occurred when the flow tried to update records: MISSING_ARGUMENT" in str(outcome.error_message)
