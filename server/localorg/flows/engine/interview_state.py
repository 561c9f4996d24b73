"""One flow interview's state: variables, element outputs, loop cursors, and reading/writing references.

A reference is `name`, `name.Field`, `Loop.Item.Field`, or a global (`$Flow.CurrentDate`, `$Record.Name`, `$User.Id`,
`$Label.X`, `$Api.Partner_Server_URL_470`, ...). Reading a field of a null record gives null; a relationship
(`Case.AccountId`, `Account__r.Name`) is followed through the record store.
"""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ...store.records import RecordStore
from ..formula.compiler import CompiledFormula, FormulaError, compile_formula, render_template
from ..model import Flow, FlowVariable, Formula, Screen, Value
from .actions import ActionRegistry
from .merge_globals import read_global
from .values import ConversionError, coerce, literal, normalize, round_scale, to_number

if TYPE_CHECKING:
    from .governor import Transaction

__all__ = ["Budget", "EngineServices", "FlowFault", "FlowHalt", "Interview", "Paused", "new_guid"]

MAX_FORMULA_DEPTH = 40
# The globals an Assignment may change (Metadata API FlowAssignmentOperator: "or the $Flow.ActiveStages global
# variable"; Help: $Flow.CurrentStage is set with Assign) -> the interview attribute that holds them.
_STAGE_GLOBALS = {"$Flow.ActiveStages": "active_stages", "$Flow.CurrentStage": "current_stage"}
_FORMULA_CACHE_SIZE = 1024


class FlowFault(Exception):
    """A failure a fault connector can catch; message becomes $Flow.FaultMessage."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class FlowHalt(Exception):
    """A failure that ends the interview whatever fault connectors say (limits, unsupported parts, custom errors)."""

    def __init__(self, message: str, code: str = "UNKNOWN_EXCEPTION", *, prefixed: bool = True) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.prefixed = prefixed


class Paused(Exception):
    """A screen or wait element: the interview stops here with status Paused."""

    def __init__(self, element: str, label: str) -> None:
        super().__init__(f"paused at {element}")
        self.element = element
        self.label = label


@dataclass
class Budget:
    """Executed-element count shared by an interview and its subflows, for the infinite-loop guard."""

    limit: int
    used: int = 0


@dataclass
class EngineServices:
    records: RecordStore
    resolve_flow: Callable[[str], Flow | None]
    actions: ActionRegistry
    clock: Callable[[], dt.datetime]
    base_url: str
    run_child: Callable[[Interview, Flow, dict[str, Any]], Interview] | None = None
    formula_cache: dict[str, CompiledFormula] = field(default_factory=dict)
    # The org's configuration that globals answer from: custom labels ($Label), the custom permissions the running
    # user has ($Permission) and the organization's fields ($Organization); $Setup reads custom settings records and
    # $UserRole the running user's UserRole record from the store.
    labels: dict[str, str] = field(default_factory=dict)
    permissions: set[str] = field(default_factory=set)
    organization: dict[str, Any] = field(default_factory=dict)
    # $CustomMetadata: type (lower case, with __mdt) -> DeveloperName (lower case) -> the record (org_config.py).
    custom_metadata: dict[str, dict[str, dict[str, Any]]] = field(default_factory=dict)

    def compile(self, text: str) -> CompiledFormula:
        compiled = self.formula_cache.get(text)
        if compiled is None:
            if len(self.formula_cache) >= _FORMULA_CACHE_SIZE:
                self.formula_cache.clear()
            compiled = compile_formula(text)
            self.formula_cache[text] = compiled
        return compiled


def new_guid() -> str:
    """An interview GUID shaped like Salesforce's (34 hex digits, a dash, 4 hex digits)."""
    return f"{secrets.token_hex(17)}-{secrets.token_hex(2)}"


@dataclass
class LoopCursor:
    items: list[Any]
    index: int = 0


def get_field(record: dict[str, Any], name: str) -> tuple[bool, Any]:
    """(found, value) for a field, matching names case-insensitively as Salesforce does."""
    if name in record:
        return True, record[name]
    lower = name.lower()
    for key, value in record.items():
        if key.lower() == lower and key != "attributes":
            return True, value
    return False, None


def set_field(record: dict[str, Any], name: str, value: Any) -> None:
    lower = name.lower()
    existing = next((key for key in record if key.lower() == lower), name)
    record[existing] = value


class Interview:
    def __init__(
        self,
        runtime: EngineServices,
        flow: Flow,
        *,
        guid: str,
        budget: Budget,
        tx: Transaction,
        user: dict[str, Any],
        record: dict[str, Any] | None = None,
        depth: int = 0,
    ) -> None:
        self.runtime = runtime
        self.flow = flow
        self.guid = guid
        self.budget = budget
        self.tx = tx
        self.user = user
        self.record = record
        self.depth = depth
        self.start_time = runtime.clock()
        self.fault_message: str | None = None
        self.current: str | None = None
        self.loops: dict[str, LoopCursor] = {}
        self.visited: set[str] = set()  # elements this interview has run (the WasVisited operator)
        self.values: dict[str, Any] = {}
        self._formula_depth = 0
        self._constants = {c.name: c for c in flow.constants}
        self._formulas = {f.name: f for f in flow.formulas}
        self._templates = {t.name: t for t in flow.text_templates}
        self._choices = {c.name: c for c in flow.choices}
        self._choice_sets = {c.name for c in flow.dynamic_choice_sets}
        self._screen_fields = {n for e in flow.elements.values() if isinstance(e, Screen) for n in e.field_names}
        # FlowStage: a stage reads as its qualified name; the active ones start in $Flow.ActiveStages by stageOrder,
        # the first of them in $Flow.CurrentStage.
        self._stages = {stage.name: f"{flow.api_name}:{stage.name}" for stage in flow.stages}
        starting = sorted((s for s in flow.stages if s.is_active), key=lambda stage: stage.order)
        self.active_stages: list[Any] = [self._stages[stage.name] for stage in starting]
        self.current_stage: Any = self.active_stages[0] if self.active_stages else None
        for var in flow.variables:
            self.values[var.name] = self._default(var)

    # ---- variables ----------------------------------------------------------------------------------------------

    def _default(self, var: FlowVariable) -> Any:
        if var.default is None:
            return None
        try:
            return coerce(
                self.value_of(var.default),
                var.data_type,
                collection=var.is_collection,
                scale=var.scale,
                object_type=var.object_type,
            )
        except ConversionError as exc:
            raise FlowHalt(f"The default value of variable {var.name} is not valid: {exc}") from None

    def variable(self, name: str) -> FlowVariable | None:
        return self.flow.variable(name)

    def set_variable(self, var: FlowVariable, value: Any) -> None:
        try:
            self.values[var.name] = coerce(
                value, var.data_type, collection=var.is_collection, scale=var.scale, object_type=var.object_type
            )
        except ConversionError as exc:
            raise FlowFault(f"Couldn't assign a value to {var.name} ({_type_label(var)}): {exc}") from None

    # ---- values -------------------------------------------------------------------------------------------------

    def value_of(self, value: Value | None) -> Any:
        """The runtime value of a <value>: a reference is read, a literal converted, text merge fields filled."""
        if value is None:
            return None
        if value.kind == "elementReference":
            return self.read(value.text)
        if value.kind == "stringValue":
            return self.render(value.text) if "{!" in value.text else value.text
        try:
            return literal(value)
        except ConversionError as exc:
            raise FlowHalt(str(exc)) from None

    def render(self, text: str) -> str:
        try:
            return render_template(text, self.resolve_merge_field, now=self.runtime.clock())
        except FormulaError as exc:
            raise FlowFault(f"The flow couldn't fill in the text {_short(text)!r}: {exc}") from None

    def read(self, reference: str) -> Any:
        """A reference's value; FlowHalt when it names nothing in the flow."""
        try:
            return self._read(reference)
        except KeyError:
            raise FlowHalt(
                f"The flow references {{!{reference}}}, which is not a variable, resource or element of the flow"
            ) from None

    def _read(self, reference: str) -> Any:
        parts = reference.strip().split(".")
        head = parts[0]
        if head.startswith("$"):
            base, rest = read_global(self, head, parts[1:])
        else:
            base, rest = self._resource(head), parts[1:]
        return self.walk(base, rest)

    def _resource(self, name: str) -> Any:
        if name in self.values:
            return self.values[name]
        if name in self._stages:
            return self._stages[name]
        if name in self._constants:
            return self.value_of(self._constants[name].value)
        if name in self._formulas:
            return self.formula_value(self._formulas[name])
        if name in self._templates:
            return self.render(self._templates[name].text)
        if name in self._choices:
            return self.value_of(self._choices[name].value)
        if name in self.flow.elements or name in self._choice_sets or name in self._screen_fields:
            return None  # an element that has not run (yet), or a screen input nobody entered
        raise KeyError(name)

    def walk(self, base: Any, parts: list[str]) -> Any:
        value = base
        for part in parts:
            if value is None:
                return None
            if not isinstance(value, dict):
                return None
            found, field_value = get_field(value, part)
            if not found:
                field_value = self._relationship(value, part)
            value = field_value
        return value

    def _relationship(self, record: dict[str, Any], name: str) -> Any:
        """Follow `Account` (AccountId) or `Parent__r` (Parent__c) to the related record in the store."""
        for key in (name[:-3] + "__c" if name.endswith("__r") else name + "Id",):
            found, related_id = get_field(record, key)
            if found and isinstance(related_id, str) and related_id:
                hit = self.runtime.records.find_by_id(related_id)
                if hit is not None:
                    return as_record(hit[0], hit[1])
        return None

    # ---- formulas -----------------------------------------------------------------------------------------------

    def formula_value(self, formula: Formula) -> Any:
        if self._formula_depth >= MAX_FORMULA_DEPTH:
            raise FlowHalt(f"Formula {formula.name} refers to itself (directly or through other formulas)")
        self._formula_depth += 1
        try:
            compiled = self.runtime.compile(formula.expression)
            result = compiled.evaluate(self.resolve_merge_field, now=self.runtime.clock())
        except FormulaError as exc:
            raise FlowFault(f"The formula {formula.name} couldn't be evaluated: {exc}") from None
        finally:
            self._formula_depth -= 1
        return _formula_result(formula, result)

    def resolve_merge_field(self, reference: str) -> Any:
        value = self._read(reference)  # KeyError propagates: the formula names the unknown reference
        if isinstance(value, float | int) and not isinstance(value, bool):
            return to_number(value)
        return value

    # ---- writing ------------------------------------------------------------------------------------------------

    def write(self, reference: str, value: Any) -> None:
        if reference.strip() in _STAGE_GLOBALS:
            setattr(self, _STAGE_GLOBALS[reference.strip()], value)
            return
        parts = reference.strip().split(".")
        head = parts[0]
        if len(parts) == 1:
            self._write_name(head, value)
            return
        container = self._container(parts[:-1])
        if not isinstance(container, dict):
            raise FlowFault(f"Couldn't assign {reference}: {'.'.join(parts[:-1])} is not a record")
        set_field(container, parts[-1], value)

    def _write_name(self, name: str, value: Any) -> None:
        if name.startswith("$"):
            raise FlowHalt(f"The global value {name} can't be assigned")
        var = self.variable(name)
        if var is not None:
            self.set_variable(var, value)
            return
        if name in self._constants or name in self._formulas or name in self._templates or name in self._choices:
            raise FlowHalt(f"{name} is a constant, formula, template or choice; it can't be assigned")
        if name in self.flow.elements or name in self.values:
            self.values[name] = value  # an element's stored output (e.g. a Get Records collection)
            return
        raise FlowHalt(f"The flow assigns to {name}, which is not a variable or element of the flow")

    def _container(self, parts: list[str]) -> Any:
        head = parts[0]
        if head == "$Record" and len(parts) == 1:
            if self.record is None:
                raise FlowFault("$Record is not available: the flow was not started by a record")
            return self.record
        current = self.read(".".join(parts))
        if current is None and len(parts) == 1:
            var = self.variable(head)
            if var is not None and not var.is_collection and var.data_type in ("SObject", "Apex"):
                # Assigning a field of an empty record variable creates the record, as Flow does.
                current = {"attributes": {"type": var.object_type}} if var.data_type == "SObject" else {}
                self.values[head] = current
            elif head in self.flow.elements:
                current = {}
                self.values[head] = current
        return current

    def is_collection_reference(self, reference: str) -> bool:
        if "." not in reference:
            var = self.variable(reference)
            if var is not None:
                return var.is_collection
            element = self.flow.elements.get(reference)
            first_only = getattr(element, "first_only", None)
            if first_only is False:
                return True
        try:
            return isinstance(self._read(reference), list)
        except KeyError:
            return False


def as_record(sobject: str, fields: dict[str, Any]) -> dict[str, Any]:
    """A stored record as the engine holds it: attributes first, numbers as Decimal."""
    record: dict[str, Any] = {"attributes": {"type": sobject}}
    record.update(normalize(fields))
    return record


def _formula_result(formula: Formula, result: Any) -> Any:
    data_type = formula.data_type
    if result is None:
        return None
    try:
        if data_type in ("Number", "Currency", "Percent"):
            number = to_number(result)
            return None if number is None else round_scale(number, formula.scale)
        return coerce(result, data_type, collection=False)
    except ConversionError as exc:
        raise FlowFault(f"The formula {formula.name} returned a value that is not a {data_type}: {exc}") from None


def _type_label(var: FlowVariable) -> str:
    label = var.object_type if var.data_type == "SObject" and var.object_type else var.data_type
    return f"{label} collection" if var.is_collection else label


def _short(text: str) -> str:
    return text if len(text) <= 60 else text[:57] + "..."
