"""Parsers for each Flow element kind and resource kind (one small function per metadata tag)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from xml.etree.ElementTree import Element as XmlElement

from ..model import (
    ActionCall,
    ApexPluginCall,
    Assignment,
    AssignmentItem,
    CollectionProcessor,
    CustomError,
    Decision,
    Element,
    Loop,
    RecordCreate,
    RecordDelete,
    RecordLookup,
    RecordRollback,
    RecordUpdate,
    Rule,
    Screen,
    Start,
    Subflow,
    Transform,
    TransformAction,
    UnsupportedElement,
    Wait,
)
from . import xml_helpers as x

FlowLoadError = x.FlowLoadError

# The collectionProcessorType values the engine runs: every one the Metadata API lists (FlowCollectionProcessor);
# another (a later release's) loads as an unsupported element that faults naming it.
SUPPORTED_COLLECTION_PROCESSORS = frozenset(
    {"SortCollectionProcessor", "FilterCollectionProcessor", "RecommendationMapCollectionProcessor"}
)


def _common(el: XmlElement, kind: str) -> dict[str, Any]:
    name = x.required_text(el, "name", f"<{kind}> element")
    where = f"{kind} '{name}'"
    label = x.text(el, "label")
    return {
        "name": name,
        "label": (label or name).strip() or name,
        "kind": kind,
        "connector": x.connector(el, "connector"),
        "fault_connector": x.connector(el, "faultConnector"),
        "description": x.cleaned(el, "description"),
        "_where": where,
    }


def _pop_where(common: dict[str, Any]) -> str:
    where: str = common.pop("_where")
    return where


def _assignment_items(el: XmlElement, tag: str, target_tag: str, where: str) -> tuple[AssignmentItem, ...]:
    """FlowAssignmentItem (assignToReference) and FlowCollectionMapItem (assignToFieldReference) rows."""
    return tuple(
        AssignmentItem(
            target=x.required_text(node, target_tag, where),
            operator=x.required_text(node, "operator", where),
            value=x.value(node, "value"),
        )
        for node in x.children(el, tag)
    )


def parse_assignment(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return Assignment(**common, items=_assignment_items(el, "assignmentItems", "assignToReference", where))


def parse_decision(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    rules = []
    for node in x.children(el, "rules"):
        rule_name = x.required_text(node, "name", where)
        rule_where = f"{where} outcome '{rule_name}'"
        rules.append(
            Rule(
                name=rule_name,
                label=(x.text(node, "label") or rule_name).strip(),
                logic=(x.text(node, "conditionLogic") or "and").strip(),
                conditions=x.conditions(node, "conditions", "leftValueReference", rule_where),
                connector=x.connector(node, "connector"),
            )
        )
    return Decision(
        **common,
        rules=tuple(rules),
        default_connector=x.connector(el, "defaultConnector"),
        default_connector_label=x.cleaned(el, "defaultConnectorLabel"),
    )


def parse_loop(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    order = (x.text(el, "iterationOrder") or "Asc").strip()
    return Loop(
        **common,
        collection=x.required_text(el, "collectionReference", where),
        descending=order.lower() == "desc",
        loop_variable=x.cleaned(el, "assignNextValueToReference"),
        next_connector=x.connector(el, "nextValueConnector"),
        no_more_connector=x.connector(el, "noMoreValuesConnector"),
    )


def _filters(el: XmlElement, where: str) -> dict[str, Any]:
    """Record filters (FlowRecordFilter: field, operator, value) and their filterLogic."""
    return {
        "filters": x.conditions(el, "filters", "field", where),
        "filter_logic": (x.text(el, "filterLogic") or "and").strip(),
    }


def _records_of(el: XmlElement) -> dict[str, Any]:
    """The object and the record (collection) variable a Create/Update/Delete Records element saves."""
    return {"object": x.cleaned(el, "object"), "input_reference": x.cleaned(el, "inputReference")}


def parse_record_lookup(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    first_raw = x.text(el, "getFirstRecordOnly")
    limit_value = x.value(el, "limit")  # <limit><numberValue>5</numberValue></limit> (API 63.0+) or <limit>5</limit>
    return RecordLookup(
        **common,
        **_filters(el, where),
        object=x.required_text(el, "object", where),
        first_only=None if first_raw is None else first_raw.strip().lower() == "true",
        store_output_automatically=x.flag(el, "storeOutputAutomatically"),
        output_reference=x.cleaned(el, "outputReference"),
        output_assignments=x.output_assignments(el, "outputAssignments", "field", where),
        queried_fields=tuple(f for f in x.texts(el, "queriedFields") if f),
        sort_field=x.cleaned(el, "sortField"),
        sort_order=x.cleaned(el, "sortOrder"),
        limit=None if limit_value is not None else x.integer(el, "limit", where),
        limit_value=limit_value,
        assign_null_if_none=x.flag(el, "assignNullValuesIfNoRecordsFound"),
    )


def parse_record_create(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return RecordCreate(
        **common,
        **_records_of(el),
        input_assignments=x.field_values(el, "inputAssignments", "field", where),
        assign_record_id_to=x.cleaned(el, "assignRecordIdToReference"),
        store_output_automatically=x.flag(el, "storeOutputAutomatically"),
        matches_or_upserts=(
            "upserts (doesUpsert)"
            if x.flag(el, "doesUpsert")
            else "checks for matching records (filters)"
            if x.child(el, "filters") is not None
            else None
        ),
    )


def parse_record_update(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return RecordUpdate(
        **common,
        **_records_of(el),
        **_filters(el, where),
        input_assignments=x.field_values(el, "inputAssignments", "field", where),
    )


def parse_record_delete(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return RecordDelete(**common, **_records_of(el), **_filters(el, where))


def parse_screen(el: XmlElement, common: dict[str, Any]) -> Element:
    _pop_where(common)
    names = x.child_texts(el, "fields", "name")
    return Screen(**common, field_names=names, allow_pause=x.flag(el, "allowPause", default=True))


def parse_wait(el: XmlElement, common: dict[str, Any]) -> Element:
    _pop_where(common)
    return Wait(**common, event_names=x.child_texts(el, "waitEvents", "name"))


def parse_subflow(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return Subflow(
        **common,
        flow_name=x.required_text(el, "flowName", where),
        input_assignments=x.field_values(el, "inputAssignments", "name", where),
        output_assignments=x.output_assignments(el, "outputAssignments", "name", where),
        store_output_automatically=x.flag(el, "storeOutputAutomatically"),
    )


def _parameters(el: XmlElement, where: str) -> dict[str, Any]:
    """inputParameters (name, value) and outputParameters (name, assignToReference) of an action or plug-in call."""
    return {
        "input_parameters": x.field_values(el, "inputParameters", "name", where),
        "output_parameters": x.output_assignments(el, "outputParameters", "name", where),
    }


def parse_action_call(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return ActionCall(
        **common,
        **_parameters(el, where),
        action_name=x.required_text(el, "actionName", where),
        action_type=x.required_text(el, "actionType", where),
        store_output_automatically=x.flag(el, "storeOutputAutomatically"),
    )


def parse_apex_plugin_call(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    return ApexPluginCall(**common, **_parameters(el, where), apex_class=x.required_text(el, "apexClass", where))


def parse_custom_error(el: XmlElement, common: dict[str, Any]) -> Element:
    _pop_where(common)
    return CustomError(**common, messages=x.child_texts(el, "customErrorMessages", "errorMessage"))


def parse_collection_processor(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    processor_type = (x.text(el, "collectionProcessorType") or x.text(el, "elementSubtype") or "").strip()
    if processor_type not in SUPPORTED_COLLECTION_PROCESSORS:
        return UnsupportedElement(**common, subtype=processor_type or None)
    sort = x.child(el, "sortOptions")
    return CollectionProcessor(
        **common,
        processor_type=processor_type,
        collection=x.required_text(el, "collectionReference", where),
        limit=x.integer(el, "limit", where),
        sort_field=x.cleaned(sort, "sortField") if sort is not None else None,
        sort_order=x.cleaned(sort, "sortOrder") if sort is not None else None,
        nulls_first=x.flag(sort, "doesPutEmptyStringAndNullFirst") if sort is not None else False,
        item_reference=x.cleaned(el, "assignNextValueToReference"),
        conditions=x.conditions(el, "conditions", "leftValueReference", where),
        condition_logic=(x.text(el, "conditionLogic") or "and").strip(),
        formula=x.cleaned(el, "formula"),
        map_items=_assignment_items(el, "mapItems", "assignToFieldReference", where),
        output_object=x.cleaned(el, "outputSObjectType"),
    )


def parse_transform(el: XmlElement, common: dict[str, Any]) -> Element:
    where = _pop_where(common)
    actions = [
        TransformAction(
            transform_type=x.required_text(node, "transformType", where),
            output_field=x.cleaned(node, "outputFieldApiName"),
            value=x.value(node, "value"),
            parameters=x.field_values(node, "inputParameters", "name", where),
        )
        for values in x.children(el, "transformValues")
        for node in x.children(values, "transformValueActions")
    ]
    return Transform(
        **common,
        data_type=x.data_type(el),
        is_collection=x.flag(el, "isCollection"),
        object_type=x.cleaned(el, "objectType"),
        scale=x.integer(el, "scale", where),
        actions=tuple(actions),
    )


def parse_record_rollback(el: XmlElement, common: dict[str, Any]) -> Element:
    _pop_where(common)
    return RecordRollback(**common)


def parse_unsupported(el: XmlElement, common: dict[str, Any]) -> Element:
    _pop_where(common)
    return UnsupportedElement(**common)


ELEMENT_PARSERS: dict[str, Callable[[XmlElement, dict[str, Any]], Element]] = {
    "assignments": parse_assignment,
    "decisions": parse_decision,
    "loops": parse_loop,
    "recordLookups": parse_record_lookup,
    "recordCreates": parse_record_create,
    "recordUpdates": parse_record_update,
    "recordDeletes": parse_record_delete,
    "screens": parse_screen,
    "waits": parse_wait,
    "subflows": parse_subflow,
    "actionCalls": parse_action_call,
    "apexPluginCalls": parse_apex_plugin_call,
    "customErrors": parse_custom_error,
    "collectionProcessors": parse_collection_processor,
    "transforms": parse_transform,
    # Known kinds the engine does not run: loaded, listed and described; a run that reaches one errors.
    "recordRollbacks": parse_record_rollback,
    "steps": parse_unsupported,
    "orchestratedStages": parse_unsupported,
}


def parse_element(el: XmlElement, kind: str) -> Element:
    parser = ELEMENT_PARSERS.get(kind, parse_unsupported)
    return parser(el, _common(el, kind))


def parse_start(el: XmlElement) -> Start:
    scheduled = tuple(
        target for node in x.children(el, "scheduledPaths") if (target := x.connector(node, "connector")) is not None
    )
    return Start(
        connector=x.connector(el, "connector"),
        trigger_type=x.cleaned(el, "triggerType"),
        object=x.cleaned(el, "object"),
        record_trigger_type=x.cleaned(el, "recordTriggerType"),
        filters=x.conditions(el, "filters", "field", "start"),
        filter_logic=(x.text(el, "filterLogic") or "and").strip(),
        scheduled_path_connectors=scheduled,
    )
