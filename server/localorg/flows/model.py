"""The Flow model: frozen dataclasses built by the loader from `*.flow-meta.xml` and read by the engine.

Names follow the Flow metadata (Metadata API `Flow` type); only what the embedded org reads is kept.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Value:
    """A `<value>`/`<rightValue>`/`<defaultValue>` element: one typed literal or a reference.

    kind is the child tag (stringValue, numberValue, booleanValue, dateValue, dateTimeValue, elementReference, ...);
    text is its text ("" when the element is empty).
    """

    kind: str
    text: str


@dataclass(frozen=True)
class FlowVariable:
    name: str
    data_type: str
    is_input: bool
    is_output: bool
    is_collection: bool
    object_type: str | None
    apex_class: str | None
    scale: int | None
    description: str | None
    default: Value | None = None


@dataclass(frozen=True)
class Constant:
    name: str
    data_type: str
    value: Value | None
    description: str | None = None


@dataclass(frozen=True)
class Formula:
    name: str
    data_type: str
    expression: str
    scale: int | None = None
    description: str | None = None


@dataclass(frozen=True)
class TextTemplate:
    name: str
    text: str
    plain_text: bool = False
    description: str | None = None


@dataclass(frozen=True)
class Choice:
    name: str
    data_type: str
    value: Value | None
    choice_text: str | None = None


@dataclass(frozen=True)
class DynamicChoiceSet:
    """Record/picklist choice sets only feed screens, which the engine pauses at; kept for listing."""

    name: str
    data_type: str | None
    object: str | None


@dataclass(frozen=True)
class Stage:
    """A FlowStage: a section of the flow shown as progress; `is_active` ones start in $Flow.ActiveStages."""

    name: str
    label: str
    is_active: bool
    order: int


@dataclass(frozen=True)
class Condition:
    """A decision condition or a record filter: `left` is a reference (decisions) or a field name (filters)."""

    left: str
    operator: str
    right: Value | None


@dataclass(frozen=True)
class FieldValue:
    """inputAssignments of record elements, inputParameters of actions, inputAssignments of subflows."""

    name: str
    value: Value | None


@dataclass(frozen=True)
class OutputAssignment:
    """outputAssignments/outputParameters: copy `name` (a field or output parameter) into `target` (a reference)."""

    name: str
    target: str


@dataclass(frozen=True)
class Element:
    """Common part of every flow element. kind is the metadata tag (assignments, decisions, ...)."""

    name: str
    label: str
    kind: str
    connector: str | None = None
    fault_connector: str | None = None
    description: str | None = None


@dataclass(frozen=True)
class AssignmentItem:
    target: str
    operator: str
    value: Value | None


@dataclass(frozen=True)
class Assignment(Element):
    items: tuple[AssignmentItem, ...] = ()


@dataclass(frozen=True)
class Rule:
    name: str
    label: str
    logic: str
    conditions: tuple[Condition, ...]
    connector: str | None


@dataclass(frozen=True)
class Decision(Element):
    rules: tuple[Rule, ...] = ()
    default_connector: str | None = None
    default_connector_label: str | None = None


@dataclass(frozen=True)
class Loop(Element):
    """A loop over a collection. `loop_variable` is the manual loop variable (`assignNextValueToReference`, what
    Flow Builder wrote before API 55's automatic loop variables); without it the current item is the loop itself."""

    collection: str = ""
    descending: bool = False
    loop_variable: str | None = None
    next_connector: str | None = None
    no_more_connector: str | None = None


@dataclass(frozen=True)
class RecordLookup(Element):
    object: str = ""
    filters: tuple[Condition, ...] = ()
    filter_logic: str = "and"
    first_only: bool | None = None
    store_output_automatically: bool = False
    output_reference: str | None = None
    output_assignments: tuple[OutputAssignment, ...] = ()
    queried_fields: tuple[str, ...] = ()
    sort_field: str | None = None
    sort_order: str | None = None
    limit: int | None = None
    limit_value: Value | None = None  # API 63.0+: <limit> is a FlowElementReferenceOrValue
    assign_null_if_none: bool = False


@dataclass(frozen=True)
class RecordCreate(Element):
    object: str | None = None
    input_reference: str | None = None
    input_assignments: tuple[FieldValue, ...] = ()
    assign_record_id_to: str | None = None
    store_output_automatically: bool = False
    # API 61.0+: "check for matching records" (filters, operation*MatchingRecords) or an upsert (doesUpsert);
    # the engine does not run either yet, and says so instead of inserting.
    matches_or_upserts: str | None = None


@dataclass(frozen=True)
class RecordChange(Element):
    """What Update and Delete Records name: the records of a variable (`input_reference`), or those of `object`
    that match the filters."""

    object: str | None = None
    input_reference: str | None = None
    filters: tuple[Condition, ...] = ()
    filter_logic: str = "and"


@dataclass(frozen=True)
class RecordUpdate(RecordChange):
    input_assignments: tuple[FieldValue, ...] = ()


@dataclass(frozen=True)
class RecordDelete(RecordChange):
    pass


@dataclass(frozen=True)
class Screen(Element):
    field_names: tuple[str, ...] = ()
    allow_pause: bool = True


@dataclass(frozen=True)
class Wait(Element):
    event_names: tuple[str, ...] = ()


@dataclass(frozen=True)
class Subflow(Element):
    flow_name: str = ""
    input_assignments: tuple[FieldValue, ...] = ()
    output_assignments: tuple[OutputAssignment, ...] = ()
    store_output_automatically: bool = False


@dataclass(frozen=True)
class ActionCall(Element):
    action_name: str = ""
    action_type: str = ""
    input_parameters: tuple[FieldValue, ...] = ()
    output_parameters: tuple[OutputAssignment, ...] = ()
    store_output_automatically: bool = False


@dataclass(frozen=True)
class ApexPluginCall(Element):
    """A legacy Apex action (`apexPluginCalls`, Metadata API FlowApexPluginCall): a class implementing
    Process.Plugin, called with named inputParameters and copying named outputParameters into references."""

    apex_class: str = ""
    input_parameters: tuple[FieldValue, ...] = ()
    output_parameters: tuple[OutputAssignment, ...] = ()


@dataclass(frozen=True)
class CustomError(Element):
    messages: tuple[str, ...] = ()


@dataclass(frozen=True)
class CollectionProcessor(Element):
    processor_type: str = ""
    collection: str = ""
    limit: int | None = None
    sort_field: str | None = None
    sort_order: str | None = None
    nulls_first: bool = False
    item_reference: str | None = None
    conditions: tuple[Condition, ...] = ()
    condition_logic: str = "and"
    formula: str | None = None
    map_items: tuple[AssignmentItem, ...] = ()  # RecommendationMapCollectionProcessor: rules for each output record
    output_object: str | None = None  # its outputSObjectType


@dataclass(frozen=True)
class RecordRollback(Element):
    """Roll Back Records: cancels the pending record changes of the current transaction."""


@dataclass(frozen=True)
class TransformAction:
    """One transformValueActions entry: Map a value into `output_field` (or the output itself), or aggregate
    (Sum, Count, ...) with its inputParameters (aggregationValues, aggregationField)."""

    transform_type: str
    output_field: str | None
    value: Value | None
    parameters: tuple[FieldValue, ...] = ()


@dataclass(frozen=True)
class Transform(Element):
    """A Transform element (API 59.0+): builds a record, a record collection or a value from other data."""

    data_type: str = "String"
    is_collection: bool = False
    object_type: str | None = None
    scale: int | None = None
    actions: tuple[TransformAction, ...] = ()


@dataclass(frozen=True)
class UnsupportedElement(Element):
    """An element kind the engine cannot run (steps, orchestratedStages, a tag it does not know); `subtype` names
    the variant of a kind it runs only in part (a collection processor type)."""

    subtype: str | None = None


@dataclass(frozen=True)
class CustomMetadataRecord:
    """A custom metadata record (Metadata API CustomMetadata): its type (with `__mdt`), DeveloperName, label, and
    each field's value as the file types it (None for xsi:nil)."""

    type_name: str
    developer_name: str
    label: str
    values: tuple[FieldValue, ...] = ()


@dataclass(frozen=True)
class Start:
    connector: str | None = None
    trigger_type: str | None = None
    object: str | None = None
    record_trigger_type: str | None = None
    filters: tuple[Condition, ...] = ()
    filter_logic: str = "and"
    scheduled_path_connectors: tuple[str, ...] = ()


@dataclass(frozen=True)
class Flow:
    api_name: str
    label: str
    description: str | None
    process_type: str
    status: str  # Active | Draft | Obsolete | InvalidDraft
    api_version: str | None
    trigger_type: str | None
    trigger_object: str | None
    variables: tuple[FlowVariable, ...]
    unsupported: tuple[str, ...]  # "kind:Name" of elements the engine cannot run
    start: Start = field(default_factory=Start)
    elements: dict[str, Element] = field(default_factory=dict, hash=False, compare=False)
    constants: tuple[Constant, ...] = ()
    formulas: tuple[Formula, ...] = ()
    text_templates: tuple[TextTemplate, ...] = ()
    choices: tuple[Choice, ...] = ()
    dynamic_choice_sets: tuple[DynamicChoiceSet, ...] = ()
    stages: tuple[Stage, ...] = ()
    interview_label: str | None = None
    run_in_mode: str | None = None
    element_counts: dict[str, int] = field(default_factory=dict, hash=False, compare=False)

    def variable(self, name: str) -> FlowVariable | None:
        for var in self.variables:
            if var.name == name:
                return var
        return None

    @property
    def input_variables(self) -> tuple[FlowVariable, ...]:
        return tuple(v for v in self.variables if v.is_input)
