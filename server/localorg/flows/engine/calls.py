"""Runners for the elements that call something outside the flow: subflows, actions (`actionCalls`) and legacy Apex
plug-ins (`apexPluginCalls`). Actions and plug-ins run through the stubs of the ActionRegistry (actions.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..model import ActionCall, ApexPluginCall, Element, FieldValue, Flow, OutputAssignment, Subflow
from .actions import ActionError, ActionHandler, action_key
from .governor import LimitExceeded, LoopGuardTripped
from .interview_state import FlowFault, FlowHalt, Interview, Paused, new_guid
from .values import ConversionError, normalize, to_json

__all__ = [
    "MAX_SUBFLOW_DEPTH",
    "child_interview",
    "pause_parent",
    "run_call_table",
    "subflow_call",
    "subflow_done",
    "subflow_failures",
]

log = logging.getLogger(__name__)
MAX_SUBFLOW_DEPTH = 20


def subflow_call(iv: Interview, el: Subflow) -> tuple[Flow, dict[str, Any]]:
    """The referenced flow and the inputs of a subflow element (faults when the flow does not exist)."""
    if iv.depth >= MAX_SUBFLOW_DEPTH:
        raise FlowHalt(f"Subflows nest deeper than {MAX_SUBFLOW_DEPTH} levels (at {el.name})")
    child_flow = iv.runtime.resolve_flow(el.flow_name)
    if child_flow is None:
        raise FlowFault(f"The subflow {el.flow_name} doesn't exist in the org or has no active version")
    inputs: dict[str, Any] = {}
    for assignment in el.input_assignments:
        var = child_flow.variable(assignment.name)
        if var is None or not var.is_input:
            raise FlowHalt(f"Subflow {el.flow_name} has no input variable named {assignment.name}")
        inputs[assignment.name] = iv.value_of(assignment.value)
    return child_flow, inputs


def subflow_done(iv: Interview, el: Subflow, child_flow: Flow, child: Interview) -> str | None:
    """Copy the finished subflow's outputs into the parent; the parent goes on at the element's connector."""
    outputs = {var.name: child.values.get(var.name) for var in child_flow.variables if var.is_output}
    for out in el.output_assignments:
        if out.name not in outputs:
            raise FlowHalt(f"Subflow {el.flow_name} has no output variable named {out.name}")
        iv.write(out.target, outputs[out.name])
    if el.store_output_automatically:
        iv.values[el.name] = outputs
    return el.connector


def child_interview(parent: Interview, flow: Flow, inputs: dict[str, Any]) -> Interview:
    """The interview of a subflow: its parent's transaction, loop guard and running user."""
    child = Interview(
        parent.runtime,
        flow,
        guid=new_guid(),
        budget=parent.budget,
        tx=parent.tx,
        user=parent.user,
        depth=parent.depth + 1,
    )
    for name, value in inputs.items():
        var = flow.variable(name)
        assert var is not None
        child.set_variable(var, value)
    return child


@contextmanager
def subflow_failures(flow: Flow) -> Iterator[None]:
    """A subflow's failure is a fault of its element in the parent, except limits and the loop guard."""
    try:
        yield
    except (LimitExceeded, LoopGuardTripped):
        raise  # the subflow shares its parent's transaction and guard: no fault path catches these
    except FlowHalt as halt:
        raise FlowFault(f"The subflow {flow.api_name} failed: {halt.message}") from None


def pause_parent(parent: Interview, paused: Paused | None) -> None:
    """A subflow that pauses pauses its parent at the subflow element."""
    if paused is not None:
        assert parent.current is not None
        raise Paused(parent.current, paused.label)


def run_subflow(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, Subflow)
    child_flow, inputs = subflow_call(iv, el)
    assert iv.runtime.run_child is not None
    return subflow_done(iv, el, child_flow, iv.runtime.run_child(iv, child_flow, inputs))


def _not_registered(what: str, key: str) -> FlowHalt:
    return FlowHalt(
        f"{what} '{key}' is not available in the embedded org; register a stub with "
        f"ActionRegistry.register('{key}', handler) or give canned outputs in a JSON file passed with --actions "
        f'(e.g. {{"{key}": {{"outputName": "value"}}}})'
    )


def _call_stub(iv: Interview, key: str, handler: ActionHandler, inputs: dict[str, Any]) -> dict[str, Any]:
    """The stub's outputs, normalised to engine values; its failure is a fault the flow can catch."""
    try:
        outputs = handler(inputs)
    except ActionError as exc:
        raise FlowFault(f"The action {key} failed: {exc}") from None
    except Exception as exc:  # a stub is user code: its bug is this action's failure, not the org's
        log.warning("Action stub %s raised %s", key, type(exc).__name__, exc_info=True)
        raise FlowFault(f"The action {key} failed: {type(exc).__name__}: {exc}") from None
    if outputs is None:
        outputs = {}
    if not isinstance(outputs, dict):
        raise FlowFault(f"The action {key} returned {type(outputs).__name__}, not an object of output values")
    try:
        values: dict[str, Any] = normalize(outputs)
    except ConversionError as exc:
        raise FlowFault(f"The action {key} returned an unusable value: {exc}") from None
    log.info("Action %s ran in interview %s", key, iv.guid)
    return values


def _inputs(iv: Interview, parameters: tuple[FieldValue, ...]) -> dict[str, Any]:
    return {p.name: to_json(iv.value_of(p.value)) for p in parameters if p.value is not None}


def _assign_outputs(iv: Interview, parameters: tuple[OutputAssignment, ...], values: dict[str, Any]) -> None:
    for out in parameters:
        iv.write(out.target, values.get(out.name))


def run_action(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, ActionCall)
    key = action_key(el.action_type, el.action_name)
    handler = iv.runtime.actions.lookup(el.action_type, el.action_name)
    if handler is None:
        raise _not_registered("Action", key)
    values = _call_stub(iv, key, handler, _inputs(iv, el.input_parameters))
    _assign_outputs(iv, el.output_parameters, values)
    if el.store_output_automatically:
        iv.values[el.name] = values
    return el.connector


def _plain(key: str, direction: str, values: dict[str, Any]) -> None:
    # Apex Developer Guide, "Passing Data to a Flow Using the Process.Plugin Interface": the interface "doesn't
    # support Blob, Collection, and sObject data types"; such a value cannot cross it.
    for name, value in values.items():
        if isinstance(value, (list, dict)):
            shape = "a collection" if isinstance(value, list) else "a record"
            raise FlowFault(
                f"The Apex plug-in {key} {direction} {name} as {shape}; Process.Plugin parameters cannot be "
                "collections or sObjects (use an invocable action for those)"
            )


def run_apex_plugin(iv: Interview, el: Element) -> str | None:
    """A legacy Apex action: the stub registered for the class (`apex:ClassName` or `ClassName`, as for an Apex
    invocable action) gets the inputParameters as Process.PluginRequest.inputParameters would hold them and returns
    what Process.PluginResult.outputParameters would. Plug-ins are not bulkified: each interview calls it once."""
    assert isinstance(el, ApexPluginCall)
    key = action_key("apex", el.apex_class)
    handler = iv.runtime.actions.lookup("apex", el.apex_class)
    if handler is None:
        raise _not_registered("The Apex plug-in (Process.Plugin class)", key)
    inputs = _inputs(iv, el.input_parameters)
    _plain(key, "was given", inputs)
    values = _call_stub(iv, key, handler, inputs)
    _plain(key, "returned", values)
    _assign_outputs(iv, el.output_parameters, values)
    return el.connector


def run_call_table() -> dict[type[Element], Callable[[Interview, Element], str | None]]:
    return {Subflow: run_subflow, ActionCall: run_action, ApexPluginCall: run_apex_plugin}
