"""Control flow of an interview: loops, subflows, fault connectors and rollback, the infinite-loop guard, elements
the engine does not run, custom errors, formula faults, screens and waits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.localorg.flow_builders import assign, build, cond, connector, decision, lit, outputs_of, ref, var

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
        "<futureElements><name>Undo</name><label>Undo</label></futureElements>",  # a tag the engine does not know
        assign("Plain", [("done", "Assign", lit("booleanValue", "true"))]),
        start="Route",
    )
    assert flow.unsupported == ("futureElements:Undo",)
    assert outputs_of(run(flow, {"fancy": False})) == {"done": True}
    outcome = run(flow, {"fancy": True})
    assert outcome.status == "Error" and outcome.current_element == "Undo"
    assert "cannot run the futureElements element 'Undo' yet" in str(outcome.error_message)


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


@pytest.mark.parametrize(
    ("kind", "body"),
    [
        (
            "orchestratedStages",
            "<stageSteps><name>Provision</name><actionName>Provision_Account</actionName>"
            "<actionType>stepBackground</actionType><label>Provision</label></stageSteps>",
        ),
        ("steps", ""),
    ],
)
def test_orchestration_stages_and_placeholder_steps_fault_naming_their_kind(
    run: Callable[..., InterviewOutcome], kind: str, body: str
) -> None:
    """Metadata API Flow: FlowOrchestratedStage (a stage of an orchestration) and FlowStep ("Steps function as
    placeholders when you're building a flow"); docs/flow-engine.md says why neither runs here. Reaching one stops
    the interview with a message naming the element kind, never a silent skip."""
    flow = build(f"<{kind}><name>Stage_One</name><label>Stage One</label>{body}</{kind}>", start="Stage_One")
    outcome = run(flow)
    assert (outcome.status, outcome.current_element) == ("Error", "Stage_One")
    assert f"cannot run the {kind} element 'Stage_One' yet" in str(outcome.error_message)
