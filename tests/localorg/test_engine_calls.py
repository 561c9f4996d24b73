"""Actions (`actionCalls`) and legacy Apex plug-ins (`apexPluginCalls`) run through the stubs of the ActionRegistry."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionError, ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import FlowLoadError
from tests.localorg.flow_builders import assign, build, connector, lit, outputs_of, ref, var

# ---- actions ---------------------------------------------------------------------------------------------------


def _call_flow(tag: str, target: str, value_var: str = "x") -> Flow:
    """A flow that calls an action or plug-in (element `Call`, `target` its actionName/actionType or apexClass)
    with `value` = {!value_var}, puts its output `result` into y, and records a fault's message in why."""
    return build(
        var("x", "Number", inp=True, scale=2),
        var("names", "String", inp=True, many=True),
        var("y", "Number", out=True, scale=2),
        var("why", "String", out=True),
        f"<{tag}><name>Call</name><label>Call</label>{target}{connector('Explain', 'faultConnector')}"
        f"<inputParameters><name>value</name><value>{ref(value_var)}</value></inputParameters>"
        f"<outputParameters><assignToReference>y</assignToReference><name>result</name></outputParameters></{tag}>",
        assign("Explain", [("why", "Assign", ref("$Flow.FaultMessage"))]),
        start="Call",
    )


def _action_flow(action_type: str, action_name: str) -> Flow:
    return _call_flow("actionCalls", f"<actionName>{action_name}</actionName><actionType>{action_type}</actionType>")


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


# ---- legacy Apex plug-ins --------------------------------------------------------------------------------------
# Metadata API Developer Guide, Flow, FlowApexPluginCall
# (https://developer.salesforce.com/docs/atlas.en-us.api_meta.meta/api_meta/meta_visual_workflow.htm): apexClass
# (required), inputParameters (name, value), outputParameters (name, assignToReference), connector, faultConnector.
# Apex Developer Guide, "Passing Data to a Flow Using the Process.Plugin Interface"
# (https://developer.salesforce.com/docs/atlas.en-us.apexcode.meta/apexcode/apex_process_plugin_using.htm): the class
# gets the inputs as Process.PluginRequest.inputParameters (Map<String, Object>) and returns
# Process.PluginResult.outputParameters; "The interface doesn't support Blob, Collection, and sObject data types, and
# it doesn't support bulk operations."


def _plugin_flow(apex_class: str, value_var: str = "x") -> Flow:
    return _call_flow("apexPluginCalls", f"<apexClass>{apex_class}</apexClass>", value_var)


def test_apex_plugin_call_runs_the_stub_registered_for_its_class(
    run: Callable[..., InterviewOutcome], actions: ActionRegistry
) -> None:
    """The stub registered as `apex:ClassName` (as for an Apex action) gets the inputParameters by name, and the
    outputParameters copy its outputs into the flow's variables."""
    seen: list[dict[str, Any]] = []
    actions.register("apex:LegacyDoubler", lambda inputs: seen.append(inputs) or {"result": inputs["value"] * 2})
    assert outputs_of(run(_plugin_flow("LegacyDoubler"), {"x": 1.25})) == {"y": 2.5, "why": None}
    assert seen == [{"value": 1.25}]


def test_apex_plugin_call_with_canned_outputs_from_the_actions_file(
    run: Callable[..., InterviewOutcome], actions: ActionRegistry, tmp_path: Path
) -> None:
    """`org serve --actions FILE` stubs plug-ins too; {"$error": ...} is the plug-in throwing, a fault."""
    path = tmp_path / "stubs.json"
    path.write_text(json.dumps({"LegacyQuote": [{"result": 7}, {"$error": "quote service down"}]}))
    actions.load_json(path)
    flow = _plugin_flow("LegacyQuote")
    assert outputs_of(run(flow, {"x": 0}))["y"] == 7.0
    assert outputs_of(run(flow, {"x": 0}))["why"] == "The action apex:LegacyQuote failed: quote service down"


def test_unregistered_apex_plugin_is_an_error_naming_the_class(run: Callable[..., InterviewOutcome]) -> None:
    """Like an unregistered action: not a fault the flow handles, an error that says how to stub the class."""
    outcome = run(_plugin_flow("MissingPlugin"), {"x": 1})
    assert outcome.status == "Error" and outcome.current_element == "Call"
    assert "The Apex plug-in (Process.Plugin class) 'apex:MissingPlugin' is not available in the embedded org" in str(
        outcome.error_message
    )
    assert "ActionRegistry.register('apex:MissingPlugin', handler)" in str(outcome.error_message)


def test_apex_plugin_parameters_cannot_be_collections_or_records(
    run: Callable[..., InterviewOutcome], actions: ActionRegistry
) -> None:
    """Process.Plugin "doesn't support ... Collection, and sObject data types": such a value faults, both ways."""
    actions.register("apex:Echo", lambda inputs: {"result": 1})
    why = outputs_of(run(_plugin_flow("Echo", value_var="names"), {"names": ["a"]}))["why"]
    assert why.startswith("The Apex plug-in apex:Echo was given value as a collection")
    actions.register("apex:Lister", lambda inputs: {"result": [1, 2]})
    why = outputs_of(run(_plugin_flow("Lister"), {"x": 1}))["why"]
    assert why.startswith("The Apex plug-in apex:Lister returned result as a collection")


def test_apex_plugin_call_without_a_class_is_refused_at_load() -> None:
    """apexClass is required (FlowApexPluginCall)."""
    with pytest.raises(FlowLoadError, match="apexPluginCalls 'Legacy': missing <apexClass>"):
        build("<apexPluginCalls><name>Legacy</name><label>Legacy</label></apexPluginCalls>", start="Legacy")
