"""The embedded org's flow engine: runs a Flow interview from JSON inputs to an InterviewOutcome.

Synchronous and pure Python; the org calls it in a worker thread under its own lock. An interview's DML is undone
when it ends in Error (as Salesforce rolls back the transaction); an interview that pauses at a screen or wait keeps
what it saved before pausing.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from ... import datetimes
from ...store.records import RecordStore
from ..model import Element, Flow, UnsupportedElement
from .actions import ActionRegistry
from .elements import run_element_table, run_unsupported
from .interview_state import Budget, EngineServices, FlowFault, FlowHalt, Interview, Paused, as_record, new_guid
from .record_elements import run_record_table
from .values import ConversionError, convert_input, describe_type, to_json

__all__ = ["DEFAULT_ELEMENT_LIMIT", "FAULT_MESSAGE", "FlowEngine", "InterviewOutcome"]

log = logging.getLogger(__name__)

DEFAULT_ELEMENT_LIMIT = 2000
# What Salesforce says first when an interview fails (the failure follows it), and all it says when nothing does.
FAULT_MESSAGE = "An error occurred when executing a flow interview."

_HANDLERS: dict[type[Element], Callable[[Interview, Element], str | None]] = {
    **run_element_table(),
    **run_record_table(),
    UnsupportedElement: run_unsupported,
}


@dataclass
class InterviewOutcome:
    guid: str
    status: Literal["Finished", "Paused", "Error"]
    outputs: dict[str, Any]  # JSON-ready values of the flow's output variables
    current_element: str | None  # where it paused (or faulted)
    pause_label: str | None
    error_code: str | None  # Salesforce statusCode, e.g. "UNKNOWN_EXCEPTION", "INVALID_INPUT"
    error_message: str | None
    elements_executed: int = field(default=0, compare=False)


class _InvalidInput(Exception):
    pass


class FlowEngine:
    def __init__(
        self,
        records: RecordStore,
        resolve_flow: Callable[[str], Flow | None],
        actions: ActionRegistry | None = None,
        element_limit: int = DEFAULT_ELEMENT_LIMIT,
        *,
        base_url: str = "http://127.0.0.1",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.records = records
        self.resolve_flow = resolve_flow
        self.actions = actions if actions is not None else ActionRegistry()
        self.element_limit = element_limit
        self.base_url = base_url
        self._clock = clock or datetimes.now
        self._runtime = EngineServices(
            records=records,
            resolve_flow=resolve_flow,
            actions=self.actions,
            clock=self._clock,
            base_url=base_url,
        )
        self._runtime.run_child = self._run_child

    # ---- public ---------------------------------------------------------------------------------------------------

    def run(
        self,
        flow: Flow,
        inputs: Mapping[str, Any],
        *,
        user: Mapping[str, Any] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> InterviewOutcome:
        """Run one interview. Never raises for bad flows or inputs: problems come back as status Error."""
        guid = new_guid()
        try:
            typed = self._convert_inputs(flow, inputs)
        except _InvalidInput as exc:
            return _outcome(guid, "Error", {}, None, None, "INVALID_INPUT", str(exc))
        budget = Budget(limit=self.element_limit)
        iv: Interview | None = None
        try:
            iv = Interview(
                self._runtime,
                flow,
                guid=guid,
                budget=budget,
                user=self._user(user),
                record=_record(flow, record),
            )
            for name, value in typed.items():
                iv.values[name] = value
            with self.records.savepoint():
                paused = self._drive(iv)
        except FlowHalt as halt:
            message = f"{FAULT_MESSAGE} {halt.message}" if halt.prefixed else halt.message
            where = iv.current if iv is not None else None
            return _outcome(guid, "Error", self._outputs(iv), where, None, halt.code, message, budget.used)
        except Exception as exc:  # a bug in the engine must not take the org down
            log.exception("Flow engine failure in %s", flow.api_name)
            where = iv.current if iv is not None else None
            message = f"{FAULT_MESSAGE} The embedded org failed: {type(exc).__name__}: {exc}"
            return _outcome(guid, "Error", self._outputs(iv), where, None, "UNKNOWN_EXCEPTION", message, budget.used)
        outputs = self._outputs(iv)
        if paused is not None:
            return _outcome(guid, "Paused", outputs, paused.element, paused.label, None, None, budget.used)
        return _outcome(guid, "Finished", outputs, None, None, None, None, budget.used)

    # ---- running --------------------------------------------------------------------------------------------------

    def _drive(self, iv: Interview) -> Paused | None:
        """Run elements from the start; returns the pause, or None when the interview finished."""
        start = iv.flow.start
        current = start.connector or (start.scheduled_path_connectors[0] if start.scheduled_path_connectors else None)
        while current is not None:
            element = iv.flow.elements.get(current)
            if element is None:
                raise FlowHalt(f"The flow connects to {current!r}, which is not one of its elements")
            iv.budget.used += 1
            iv.current = current
            if iv.budget.used > iv.budget.limit:
                raise FlowHalt(
                    f"Number of iterations exceeded: the interview executed more than {iv.budget.limit} elements "
                    f"(stopped at {element.name}); check for a loop that never ends"
                )
            handler = _HANDLERS.get(type(element), run_unsupported)
            try:
                current = handler(iv, element)
            except Paused as pause:
                return pause
            except FlowFault as fault:
                if element.fault_connector is None:
                    raise FlowHalt(f"Error element {element.name} ({element.kind}): {fault.message}") from None
                iv.fault_message = fault.message
                current = element.fault_connector
        return None

    def _run_child(self, parent: Interview, flow: Flow, inputs: dict[str, Any]) -> Interview:
        child = Interview(
            self._runtime, flow, guid=new_guid(), budget=parent.budget, user=parent.user, depth=parent.depth + 1
        )
        for name, value in inputs.items():
            var = flow.variable(name)
            assert var is not None
            child.set_variable(var, value)
        try:
            paused = self._drive(child)
        except FlowHalt as halt:
            if halt.message.startswith("Number of iterations exceeded"):
                raise
            raise FlowFault(f"The subflow {flow.api_name} failed: {halt.message}") from None
        if paused is not None:
            assert parent.current is not None
            raise Paused(parent.current, paused.label)
        return child

    # ---- inputs and outputs ---------------------------------------------------------------------------------------

    def _convert_inputs(self, flow: Flow, inputs: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(inputs, Mapping):
            raise _InvalidInput("The inputs must be an object mapping input variable names to values")
        typed: dict[str, Any] = {}
        for name, raw in inputs.items():
            var = flow.variable(name) if isinstance(name, str) else None
            if var is None or not var.is_input:
                known = ", ".join(v.name for v in flow.input_variables) or "none"
                raise _InvalidInput(
                    f"Invalid input '{name}': the flow {flow.api_name} has no input variable named {name} "
                    f"(its inputs: {known})"
                )
            try:
                typed[name] = convert_input(var, raw)
            except ConversionError as exc:
                shape = f"collection of {describe_type(var)}" if var.is_collection else describe_type(var)
                raise _InvalidInput(f"Invalid input '{name}' ({shape}): {exc}") from None
        return typed

    def _user(self, user: Mapping[str, Any] | None) -> dict[str, Any]:
        if user is not None:
            return as_record("User", dict(user))
        admin = self.records.get("User", self.records.admin_user_id) or {}
        return as_record("User", admin)

    def _outputs(self, iv: Interview | None) -> dict[str, Any]:
        if iv is None:
            return {}
        outputs: dict[str, Any] = {}
        for var in iv.flow.variables:
            if var.is_output:
                scale = var.scale if var.data_type in ("Number", "Currency") else None
                outputs[var.name] = to_json(iv.values.get(var.name), scale=scale)
        return outputs


def _record(flow: Flow, record: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if record is None:
        return None
    sobject = flow.trigger_object or "SObject"
    attributes = record.get("attributes")
    if isinstance(attributes, Mapping) and attributes.get("type"):
        sobject = str(attributes["type"])
    fields = {k: v for k, v in record.items() if k != "attributes"}
    return as_record(sobject, fields)


def _outcome(
    guid: str,
    status: Literal["Finished", "Paused", "Error"],
    outputs: dict[str, Any],
    element: str | None,
    label: str | None,
    code: str | None,
    message: str | None,
    used: int = 0,
) -> InterviewOutcome:
    return InterviewOutcome(
        guid=guid,
        status=status,
        outputs=outputs,
        current_element=element,
        pause_label=label,
        error_code=code,
        error_message=message,
        elements_executed=used,
    )
