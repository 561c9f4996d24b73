"""Loops as the Metadata API's FlowLoop describes them: `collectionReference`, `iterationOrder` (Asc/Desc),
`nextValueConnector`/`noMoreValuesConnector`, and the current item either in the manual loop variable named by
`assignNextValueToReference` (the form Flow Builder wrote before API 55.0) or in the loop element itself
(automatic loop variable). Metadata API Developer Guide, Flow, FlowLoop:
https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm
and Salesforce Help, Flow Element: Loop (https://help.salesforce.com/s/articleView?id=sf.flow_ref_elements_loop.htm):
"first item to last item" or "last item to first item"."""

from __future__ import annotations

import pytest

from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine
from tests.localorg.flow_builders import assign, build, lit, loop, outputs_of, ref, var


def test_a_manual_loop_variable_receives_each_item(engine: FlowEngine) -> None:
    """assignNextValueToReference: "the variable that holds the current item" (FlowLoop). The sum of 1.5, 2 and
    3.25 is 6.75; before manual loop variables were read, the sum stayed 0."""
    flow = build(
        var("amounts", "Number", inp=True, many=True, scale=2),
        var("current", "Number", scale=2),
        var("total", "Number", out=True, scale=2, default=lit("numberValue", "0")),
        loop("Each", "amounts", "Sum", None, manual="current"),
        assign("Sum", [("total", "Add", ref("current"))], then="Each"),
        start="Each",
    )
    assert outputs_of(engine.run(flow, {"amounts": [1.5, 2, 3.25]})) == {"total": 6.75}


def test_a_manual_loop_variable_keeps_the_last_item_and_the_loop_name_holds_nothing(engine: FlowEngine) -> None:
    """Descending order visits c, b, a: the text built is "cba", and the manual variable keeps the item it was given
    last ("a"). The loop element itself is no variable when a manual one is named, so {!Each} stays null."""
    flow = build(
        var("letters", "String", inp=True, many=True),
        var("letter", "String", out=True),
        var("joined", "String", out=True),
        var("loop_itself", "String", out=True),
        loop("Each", "letters", "Join", "Peek", manual="letter", order="Desc"),
        assign("Join", [("joined", "Add", ref("letter"))], then="Each"),
        assign("Peek", [("loop_itself", "Assign", ref("Each"))]),
        start="Each",
    )
    assert outputs_of(engine.run(flow, {"letters": ["a", "b", "c"]})) == {
        "letter": "a",
        "joined": "cba",
        "loop_itself": None,
    }


@pytest.mark.parametrize(("order", "expected"), [("Asc", "abc"), ("Desc", "cba"), ("", "abc")])
def test_iteration_order_with_the_automatic_loop_variable(engine: FlowEngine, order: str, expected: str) -> None:
    """iterationOrder Asc (the default when absent) goes first to last, Desc last to first; the automatic loop
    variable is the loop element's name."""
    flow = build(
        var("letters", "String", inp=True, many=True),
        var("joined", "String", out=True),
        loop("Each", "letters", "Join", None, order=order),
        assign("Join", [("joined", "Add", ref("Each"))], then="Each"),
        start="Each",
    )
    assert outputs_of(engine.run(flow, {"letters": ["a", "b", "c"]})) == {"joined": expected}


def test_nested_manual_loops_over_records(engine: FlowEngine) -> None:
    """A record loop variable (SObject) with a nested loop over a text collection: 2 accounts x 2 suffixes give four
    names, in order; each visit of the inner loop starts it afresh."""
    flow = build(
        var("accounts", "SObject", inp=True, many=True, obj="Account"),
        var("suffixes", "String", inp=True, many=True),
        var("account", "SObject", obj="Account"),
        var("suffix", "String"),
        var("names", "String", out=True, many=True),
        loop("Each_Account", "accounts", "Each_Suffix", None, manual="account"),
        loop("Each_Suffix", "suffixes", "Name_It", "Each_Account", manual="suffix"),
        "<formulas><name>Full</name><dataType>String</dataType><expression>{!account.Name} &amp; &quot;-&quot; "
        "&amp; {!suffix}</expression></formulas>",
        assign("Name_It", [("names", "Add", ref("Full"))], then="Each_Suffix"),
        start="Each_Account",
    )
    accounts = [{"attributes": {"type": "Account"}, "Name": n} for n in ("Acme", "Globex")]
    assert outputs_of(engine.run(flow, {"accounts": accounts, "suffixes": ["EU", "US"]})) == {
        "names": ["Acme-EU", "Acme-US", "Globex-EU", "Globex-US"]
    }


def test_a_manual_loop_variable_of_the_wrong_type_faults(engine: FlowEngine) -> None:
    """The loop variable must match the collection's type (Flow Builder refuses anything else); a Number variable
    given a text item cannot hold it, and the interview fails naming the variable."""
    flow = build(
        var("letters", "String", inp=True, many=True),
        var("n", "Number", scale=0),
        loop("Each", "letters", None, None, manual="n"),
        start="Each",
    )
    outcome = engine.run(flow, {"letters": ["not a number"]})
    assert outcome.status == "Error"
    assert "Couldn't assign a value to n" in str(outcome.error_message)
