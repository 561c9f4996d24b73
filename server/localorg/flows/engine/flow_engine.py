"""The embedded org's flow engine: runs Flow interviews from JSON inputs to InterviewOutcomes.

Synchronous and pure Python; the org calls it in a worker thread under its own lock. Each interview runs inside a
Transaction (governor.py) with Salesforce's per-transaction limits; `run` gives one interview a transaction of its
own, `batch.run_batch` runs all inputs of one invoke in one. A transaction that ends in Error is rolled back (as
Salesforce rolls it back); an interview that pauses at a screen or wait keeps what it saved before pausing.

An interview is walked by a generator that stops before each bulkifiable element (record elements and actions) when
it runs in a batch, so that the batch can run interviews waiting at the same element together, as Salesforce's flow
bulkification does.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Generator, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from ... import datetimes
from ...store.records import RecordStore
from ..model import (
    ActionCall,
    CollectionProcessor,
    Element,
    Flow,
    RecordCreate,
    RecordDelete,
    RecordLookup,
    RecordUpdate,
    Subflow,
    Transform,
    UnsupportedElement,
)
from .actions import ActionRegistry
from .calls import child_interview, pause_parent, subflow_call, subflow_done, subflow_failures
from .collection_processors import run_collection_processor
from .elements import run_element_table, run_unsupported
from .governor import DEFAULT_LOOP_GUARD, GovernorLimits, LoopGuardTripped, Transaction
from .interview_state import Budget, EngineServices, FlowFault, FlowHalt, Interview, Paused, as_record, new_guid
from .org_config import CustomMetadataInput, add_custom_metadata, load_project_configuration
from .record_elements import run_record_table
from .transforms import run_transform
from .values import ConversionError, convert_input, describe_type, to_json

__all__ = ["DEFAULT_LOOP_GUARD", "FAULT_MESSAGE", "FlowEngine", "InterviewOutcome", "PendingInterview"]

log = logging.getLogger(__name__)

# What Salesforce says first when an interview fails (the failure follows it), and all it says when nothing does.
FAULT_MESSAGE = "An error occurred when executing a flow interview."

_HANDLERS: dict[type[Element], Callable[[Interview, Element], str | None]] = {
    **run_element_table(),
    **run_record_table(),
    CollectionProcessor: run_collection_processor,
    Transform: run_transform,
    UnsupportedElement: run_unsupported,
}
# Elements Salesforce bulkifies across the interviews of one transaction (Help: "Bulkifiable Flow Elements").
BULKIFIABLE = (RecordLookup, RecordCreate, RecordUpdate, RecordDelete, ActionCall)

Walk = Generator[tuple[str, str], None, Paused | None]


@dataclass
class InterviewOutcome:
    guid: str
    status: Literal["Finished", "Paused", "Error"]
    outputs: dict[str, Any]  # JSON-ready values of the flow's output variables
    current_element: str | None  # where it paused (or faulted)
    pause_label: str | None
    error_code: str | None  # Salesforce statusCode, e.g. "UNKNOWN_EXCEPTION", "INVALID_INPUT", "LIMIT_EXCEEDED"
    error_message: str | None
    elements_executed: int = field(default=0, compare=False)
    record: dict[str, Any] | None = field(default=None, compare=False)  # $Record at the end (before-save changes)


class _InvalidInput(Exception):
    pass


class _RollBack(Exception):
    """Raised inside a savepoint to undo it."""


class PendingInterview:
    """An interview being walked: `advance()` runs it to its next bulkifiable element (returning that element's key)
    or to its end (returning None, with `outcome` set)."""

    def __init__(self, engine: FlowEngine, iv: Interview | None, outcome: InterviewOutcome | None = None) -> None:
        self._engine = engine
        self.iv = iv
        self.outcome = outcome
        self._walk: Walk | None = engine._walk(iv, bulk=True) if iv is not None and outcome is None else None

    def advance(self) -> tuple[str, str] | None:
        if self._walk is None:
            return None
        try:
            return next(self._walk)
        except StopIteration as stop:
            self.outcome = self._engine._ended(self.iv, stop.value)
        except FlowHalt as halt:
            self.outcome = self._engine._halted(self.iv, halt)
        except Exception as exc:  # a bug in the engine must not take the org down
            self.outcome = self._engine._crashed(self.iv, exc)
        self._walk = None
        return None


class FlowEngine:
    def __init__(
        self,
        records: RecordStore,
        resolve_flow: Callable[[str], Flow | None],
        actions: ActionRegistry | None = None,
        loop_guard: int = DEFAULT_LOOP_GUARD,
        *,
        limits: GovernorLimits | None = None,
        base_url: str = "http://127.0.0.1",
        clock: Callable[[], dt.datetime] | None = None,
    ) -> None:
        self.records = records
        self.resolve_flow = resolve_flow
        self.actions = actions if actions is not None else ActionRegistry()
        self.loop_guard = loop_guard
        self.limits = limits or GovernorLimits()
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

    def configure_org(
        self,
        *,
        labels: Mapping[str, str] | None = None,
        permissions: set[str] | frozenset[str] | None = None,
        organization: Mapping[str, Any] | None = None,
        custom_metadata: CustomMetadataInput | None = None,
    ) -> None:
        """What $Label, $Permission, $Organization and $CustomMetadata answer: custom labels, the running user's
        custom permissions, the organization's fields, custom metadata records (added to those already known)."""
        if labels is not None:
            self._runtime.labels = dict(labels)
        if permissions is not None:
            self._runtime.permissions = set(permissions)
        if organization is not None:
            self._runtime.organization = dict(organization)
        if custom_metadata is not None:
            add_custom_metadata(self._runtime, custom_metadata)

    def load_project_configuration(self, folder: Path) -> None:
        """Custom labels and custom metadata records from the files a retrieved project keeps under `folder`."""
        load_project_configuration(self._runtime, folder)

    def run(
        self,
        flow: Flow,
        inputs: Mapping[str, Any],
        *,
        user: Mapping[str, Any] | None = None,
        record: Mapping[str, Any] | None = None,
    ) -> InterviewOutcome:
        """Run one interview in a transaction of its own. Never raises for bad flows or inputs: problems come back as
        status Error, and the interview's record changes are rolled back."""
        tx = Transaction(self.limits)
        outcome: InterviewOutcome | None = None
        with suppress(_RollBack), self.records.savepoint():
            pending = self.start(flow, inputs, tx, user=user, record=record, bulk=False)
            while pending.advance() is not None:
                pass
            outcome = pending.outcome
            assert outcome is not None
            if outcome.status == "Error":
                raise _RollBack
        assert outcome is not None
        return outcome

    def start(
        self,
        flow: Flow,
        inputs: Any,
        tx: Transaction,
        *,
        user: Mapping[str, Any] | None = None,
        record: Mapping[str, Any] | None = None,
        bulk: bool = True,
    ) -> PendingInterview:
        """An interview ready to walk in `tx`; bad inputs give one that has already ended in Error."""
        guid = new_guid()
        try:
            typed = self._convert_inputs(flow, inputs)
        except _InvalidInput as exc:
            return PendingInterview(
                self, None, InterviewOutcome(guid, "Error", {}, None, None, "INVALID_INPUT", str(exc))
            )
        try:
            iv = Interview(
                self._runtime,
                flow,
                guid=guid,
                budget=Budget(limit=self.loop_guard),
                tx=tx,
                user=self._user(user),
                record=_record(flow, record),
            )
        except FlowHalt as halt:
            return PendingInterview(
                self, None, InterviewOutcome(guid, "Error", {}, None, None, halt.code, halt.message)
            )
        for name, value in typed.items():
            iv.values[name] = value
        pending = PendingInterview(self, iv)
        if not bulk:
            pending._walk = self._walk(iv, bulk=False)
        return pending

    # ---- running --------------------------------------------------------------------------------------------------

    def _walk(self, iv: Interview, *, bulk: bool) -> Walk:
        """Run elements from the start; yields before each bulkifiable element when `bulk`. Returns the pause, or
        None when the interview finished."""
        start = iv.flow.start
        current = start.connector or (start.scheduled_path_connectors[0] if start.scheduled_path_connectors else None)
        while current is not None:
            element = iv.flow.elements.get(current)
            if element is None:
                raise FlowHalt(f"The flow connects to {current!r}, which is not one of its elements")
            iv.budget.used += 1
            iv.current = current
            iv.visited.add(current)
            if iv.budget.used > iv.budget.limit:
                raise LoopGuardTripped(
                    f"Infinite-loop guard: the interview executed more than {iv.budget.limit} elements (stopped at "
                    f"{element.name}). This is the embedded org's guard against a loop that never ends, not a "
                    "Salesforce limit; raise it with the org's loop_guard setting if the flow is meant to run longer"
                )
            iv.tx.tick()
            if bulk and isinstance(element, BULKIFIABLE):
                yield (iv.flow.api_name, element.name)
            try:
                if bulk and isinstance(element, Subflow):
                    current = yield from self._walk_subflow(iv, element)
                else:
                    current = _HANDLERS.get(type(element), run_unsupported)(iv, element)
            except Paused as pause:
                return pause
            except FlowFault as fault:
                if element.fault_connector is None:
                    raise FlowHalt(f"Error element {element.name} ({element.kind}): {fault.message}") from None
                iv.fault_message = fault.message
                current = element.fault_connector
        return None

    def _drive(self, iv: Interview) -> Paused | None:
        walk = self._walk(iv, bulk=False)
        try:
            while True:
                next(walk)
        except StopIteration as stop:
            result: Paused | None = stop.value
            return result

    def _walk_subflow(self, parent: Interview, el: Subflow) -> Generator[tuple[str, str], None, str | None]:
        """A subflow of an interview walked in bulk: the child interview yields at its bulkifiable elements like its
        parent, so the children of many interviews (one flow, the same element) run each one together."""
        child_flow, inputs = subflow_call(parent, el)
        child = child_interview(parent, child_flow, inputs)
        with subflow_failures(child_flow):
            paused = yield from self._walk(child, bulk=True)
        pause_parent(parent, paused)
        return subflow_done(parent, el, child_flow, child)

    def _run_child(self, parent: Interview, flow: Flow, inputs: dict[str, Any]) -> Interview:
        child = child_interview(parent, flow, inputs)
        with subflow_failures(flow):
            paused = self._drive(child)
        pause_parent(parent, paused)
        return child

    # ---- ends -----------------------------------------------------------------------------------------------------

    def _ended(self, iv: Interview | None, paused: Paused | None) -> InterviewOutcome:
        assert iv is not None
        outputs, used = self._outputs(iv), iv.budget.used
        if paused is not None:
            return InterviewOutcome(iv.guid, "Paused", outputs, paused.element, paused.label, None, None, used)
        outcome = InterviewOutcome(iv.guid, "Finished", outputs, None, None, None, None, used)
        outcome.record = to_json(iv.record) if iv.record is not None else None
        return outcome

    def _halted(self, iv: Interview | None, halt: FlowHalt) -> InterviewOutcome:
        assert iv is not None
        message = f"{FAULT_MESSAGE} {halt.message}" if halt.prefixed else halt.message
        return InterviewOutcome(
            iv.guid, "Error", self._outputs(iv), iv.current, None, halt.code, message, iv.budget.used
        )

    def _crashed(self, iv: Interview | None, exc: Exception) -> InterviewOutcome:
        assert iv is not None
        log.error("Flow engine failure in %s", iv.flow.api_name, exc_info=exc)
        message = f"{FAULT_MESSAGE} The embedded org failed: {type(exc).__name__}: {exc}"
        return InterviewOutcome(
            iv.guid, "Error", self._outputs(iv), iv.current, None, "UNKNOWN_EXCEPTION", message, iv.budget.used
        )

    # ---- inputs and outputs ---------------------------------------------------------------------------------------

    def _convert_inputs(self, flow: Flow, inputs: Any) -> dict[str, Any]:
        if not isinstance(inputs, Mapping):
            raise _InvalidInput(f"Each input must be a JSON object of flow input values, got {type(inputs).__name__}.")
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
