"""Runners for Get/Create/Update/Delete Records on the RecordStore.

Get Records filters behave like SOQL (case-insensitive text, nulls sort first ascending). DML strips the read-only
audit fields a queried record carries, as the platform ignores them, and a failure becomes a fault whose message is
worded like Salesforce's ($Flow.FaultMessage).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ...store.records import AUDIT_FIELDS, RecordError
from ..model import (
    Condition,
    Element,
    RecordChange,
    RecordCreate,
    RecordDelete,
    RecordLookup,
    RecordRollback,
    RecordUpdate,
)
from .conditions import checks_hold, compare
from .interview_state import FlowFault, FlowHalt, Interview, as_record, get_field, set_field
from .values import ConversionError, to_number

__all__ = ["run_record_table"]

_VERBS = {"create": "create records", "update": "update records", "delete": "delete records", "lookup": "look up"}


def _dml_fault(verb: str, exc: RecordError) -> FlowFault:
    return FlowFault(
        f"This error occurred when the flow tried to {_VERBS[verb]}: {exc.status_code}: {exc.message}. "
        "You can look up ExceptionCode values in the SOAP API Developer Guide."
    )


def _matches(iv: Interview, record: dict[str, Any], filters: tuple[Condition, ...], logic: str) -> bool:
    checks = ((flt.operator, _field_path(iv, record, flt.left), iv.value_of(flt.right)) for flt in filters)
    return not filters or checks_hold(iv.current, checks, logic, for_filter=True)


def _field_path(iv: Interview, record: dict[str, Any], path: str) -> Any:
    parts = path.split(".")
    found, value = get_field(record, parts[0])
    if len(parts) == 1:
        return value if found else None
    return iv.walk(record, parts)


def _query(iv: Interview, sobject: str, filters: tuple[Condition, ...], logic: str) -> list[dict[str, Any]]:
    store = iv.runtime.records
    name = store.object_name(sobject) or sobject
    rows = [as_record(name, row) for row in store.rows(sobject)]
    return [row for row in rows if _matches(iv, row, filters, logic)]


def _sorted(records: list[dict[str, Any]], field_name: str, descending: bool) -> list[dict[str, Any]]:
    def cmp(a: dict[str, Any], b: dict[str, Any]) -> int:
        left, right = get_field(a, field_name)[1], get_field(b, field_name)[1]
        if left is None or right is None:
            if left is None and right is None:
                return 0
            return -1 if left is None else 1  # SOQL: NULLS FIRST ascending, NULLS LAST descending
        return compare(left, right, ignore_case=True) or 0

    return sorted(records, key=functools.cmp_to_key(cmp), reverse=descending)


def _project(record: dict[str, Any], fields: tuple[str, ...]) -> dict[str, Any]:
    result: dict[str, Any] = {"attributes": record["attributes"]}
    for name in ("Id", *fields):
        found, value = get_field(record, name)
        result[name] = value if found else None
    return result


def _key(iv: Interview, el: Element) -> tuple[str, str]:
    return (iv.flow.api_name, el.name)


def _limit(iv: Interview, el: RecordLookup) -> int | None:
    """Get Records' limit: a number, or (API 63.0+) a FlowElementReferenceOrValue read when the element runs."""
    if el.limit_value is None:
        return el.limit
    try:
        number = to_number(iv.value_of(el.limit_value))
    except ConversionError as exc:
        raise FlowFault(f"The limit of {el.name} is not a number: {exc}") from None
    return None if number is None else int(number)


def run_lookup(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, RecordLookup)
    records = _query(iv, el.object, el.filters, el.filter_logic)
    if el.sort_field:
        records = _sorted(records, el.sort_field, (el.sort_order or "Asc").lower() == "desc")
    limit = _limit(iv, el)
    if limit is not None:
        records = records[: max(limit, 0)]
    elif el.first_only and records:
        records = records[:1]  # getFirstRecordOnly is a LIMIT 1 query
    iv.tx.query(_key(iv, el), len(records))
    if el.queried_fields:
        records = [_project(r, el.queried_fields) for r in records]
    collection = el.first_only is False
    if el.output_reference:
        var = iv.variable(el.output_reference)
        collection = var.is_collection if var is not None else collection
    result: Any = (records or None) if collection else (records[0] if records else None)
    if el.output_reference and (records or el.assign_null_if_none):
        iv.write(el.output_reference, result)
    if el.store_output_automatically:
        iv.values[el.name] = result
    if el.output_assignments and (records or el.assign_null_if_none):
        first = records[0] if records else {}
        for out in el.output_assignments:
            iv.write(out.target, get_field(first, out.name)[1])
    return el.connector


def _records_of(iv: Interview, reference: str) -> list[dict[str, Any]]:
    value = iv.read(reference)
    if value is None:
        return []
    items = value if isinstance(value, list) else [value]
    for item in items:
        if not isinstance(item, dict):
            raise FlowHalt(f"{reference} does not hold records, so it can't be saved or deleted")
    return items


def _object_of(iv: Interview, record: dict[str, Any], reference: str, fallback: str | None) -> str:
    attributes = record.get("attributes")
    if isinstance(attributes, dict) and attributes.get("type"):
        return str(attributes["type"])
    var = iv.variable(reference.split(".")[0])
    if var is not None and var.object_type:
        return var.object_type
    if fallback:
        return fallback
    record_id = record.get("Id")
    known = iv.runtime.records.object_for_id(record_id) if isinstance(record_id, str) else None
    if known:
        return known
    raise FlowHalt(f"The object of the records in {reference} is unknown")


def _writable(record: dict[str, Any]) -> dict[str, Any]:
    skip = {name.lower() for name in (*AUDIT_FIELDS, "attributes")}
    return {k: v for k, v in record.items() if k.lower() not in skip and not isinstance(v, dict | list)}


@contextmanager
def _statement(iv: Interview, verb: str) -> Iterator[None]:
    """One element's DML: all-or-nothing, as a Salesforce DML statement is; a failure is a fault worded like
    Salesforce's."""
    try:
        with iv.runtime.records.savepoint():
            yield
    except RecordError as exc:
        raise _dml_fault(verb, exc) from None


def run_create(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, RecordCreate)
    if el.matches_or_upserts:
        raise FlowHalt(
            f"The Create Records element {el.name} {el.matches_or_upserts}, which the embedded org does not run yet "
            "(docs/flow-engine.md); it would not insert the records the way Salesforce decides"
        )
    store = iv.runtime.records
    with _statement(iv, "create"):
        if el.input_reference:
            records = _records_of(iv, el.input_reference)
            iv.tx.dml(_key(iv, el), len(records))
            new_ids = []
            for record in records:
                fields = _writable(record)
                if fields.get("Id") in (None, ""):
                    fields.pop("Id", None)  # a cleared Id means "insert a new copy"
                new_ids.append(store.insert(_object_of(iv, record, el.input_reference, el.object), fields))
            for record, new_id in zip(records, new_ids, strict=True):
                record["Id"] = new_id
            return el.connector
        if not el.object:
            raise FlowHalt(f"Create Records element {el.name} names no object")
        fields = {fv.name: iv.value_of(fv.value) for fv in el.input_assignments}
        iv.tx.dml(_key(iv, el), 1)
        new_id = store.insert(el.object, fields)
    if el.assign_record_id_to:
        iv.write(el.assign_record_id_to, new_id)
    if el.store_output_automatically:
        iv.values[el.name] = new_id
    return el.connector


def _referenced(
    iv: Interview, reference: str, declared_object: str | None, verb: str
) -> list[tuple[str, str, dict[str, Any]]]:
    """(object, Id, record) for each record an update/delete by reference names; a record without Id faults."""
    targets = []
    for record in _records_of(iv, reference):
        record_id = record.get("Id")
        if not record_id:
            article = "an" if verb[0] in "aeiou" else "a"
            raise RecordError("MISSING_ARGUMENT", f"Id not specified in {article} {verb} call", ["Id"])
        targets.append((_object_of(iv, record, reference, declared_object), str(record_id), record))
    return targets


def _matched(iv: Interview, el: RecordChange, verb: str) -> tuple[str, list[dict[str, Any]]]:
    """The records an Update/Delete Records element with filters changes: a SOQL query and one DML statement."""
    if not el.object:
        raise FlowHalt(f"{verb} Records element {el.name} names no object")
    matched = _query(iv, el.object, el.filters, el.filter_logic)
    iv.tx.query(_key(iv, el), len(matched))  # filters make Update/Delete Records a SOQL query too
    iv.tx.dml(_key(iv, el), len(matched))
    return el.object, matched


def run_update(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, RecordUpdate)
    store = iv.runtime.records
    with _statement(iv, "update"):
        if el.input_reference:
            assigned = {fv.name: iv.value_of(fv.value) for fv in el.input_assignments}
            if el.input_reference == "$Record" and iv.flow.trigger_type == "RecordBeforeSave":
                # Before save, updating the triggering record sets its fields in memory: Salesforce saves them
                # with the record, with no DML of the flow's own (Help, "Flow Trigger Types").
                for name, value in assigned.items():
                    set_field(iv.record if iv.record is not None else {}, name, value)
                return el.connector
            targets = _referenced(iv, el.input_reference, el.object, "update")
            iv.tx.dml(_key(iv, el), len(targets))
            for sobject, record_id, record in targets:
                # With field assignments, only those fields change ("Use the ... record" plus "Set Field
                # Values"); without them every field the record variable holds is saved.
                fields = dict(assigned) if el.input_assignments else _writable(record)
                fields.pop("Id", None)
                store.update(sobject, record_id, fields)
                for name, value in assigned.items():
                    set_field(record, name, value)
            return el.connector
        values = {fv.name: iv.value_of(fv.value) for fv in el.input_assignments}
        sobject, matched = _matched(iv, el, "Update")
        for record in matched:
            store.update(sobject, str(record["Id"]), values)
    return el.connector


def run_delete(iv: Interview, el: Element) -> str | None:
    assert isinstance(el, RecordDelete)
    store = iv.runtime.records
    with _statement(iv, "delete"):
        if el.input_reference:
            targets = _referenced(iv, el.input_reference, el.object, "delete")
            iv.tx.dml(_key(iv, el), len(targets))
            for sobject, record_id, _record in targets:
                store.delete(sobject, record_id)
            return el.connector
        sobject, matched = _matched(iv, el, "Delete")
        for record in matched:
            store.delete(sobject, str(record["Id"]))
    return el.connector


def run_rollback(iv: Interview, el: Element) -> str | None:
    """Help, "Flow Element: Roll Back Records": cancels all pending record changes in the current transaction,
    which is the request's (every input of an invoke shares it); the interview goes on."""
    assert isinstance(el, RecordRollback)
    iv.runtime.records.undo_to_savepoint()
    return el.connector


def run_record_table() -> dict[type[Element], Callable[[Interview, Element], str | None]]:
    return {
        RecordLookup: run_lookup,
        RecordCreate: run_create,
        RecordUpdate: run_update,
        RecordDelete: run_delete,
        RecordRollback: run_rollback,
    }
