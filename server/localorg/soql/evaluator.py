"""Evaluating a parsed SOQL query over rows: field resolution against an object schema, WHERE, ORDER BY,
LIMIT/OFFSET, COUNT() and projection into Salesforce's record shape (with `attributes`)."""

from __future__ import annotations

import datetime
import decimal
import functools
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from ..datetimes import parse_datetime
from ..errors import OrgError
from .parser import (
    And,
    Compare,
    Condition,
    FieldRef,
    In,
    Like,
    Not,
    Or,
    Query,
    Value,
    position_message,
)

MAX_OFFSET = 2000
Row = Mapping[str, Any]  # canonical field name -> JSON value, or a zero-argument callable computing it


@dataclass(frozen=True)
class ObjectSchema:
    """What SOQL may select from one object."""

    name: str
    fields: tuple[str, ...]
    url_path: str = "sobjects"  # "sobjects" (data API) or "tooling/sobjects"
    url_id_field: str = "Id"
    relationships: Mapping[str, str] = field(default_factory=dict)  # relationship name -> object name
    single_row_fields: frozenset[str] = frozenset()  # FullName/Metadata: only when the result has one row

    def field_name(self, name: str) -> str | None:
        lower = name.lower()
        return next((f for f in self.fields if f.lower() == lower), None)

    def relationship(self, name: str) -> str | None:
        lower = name.lower()
        return next((r for r in self.relationships if r.lower() == lower), None)

    def url(self, row: Row, api_version: str) -> str:
        return f"/services/data/v{api_version}/{self.url_path}/{self.name}/{value_of(row, self.url_id_field)}"


@dataclass(frozen=True)
class QueryCatalog:
    """The objects one query endpoint serves."""

    schemas: Mapping[str, ObjectSchema]  # by lower-case name
    rows: Callable[[ObjectSchema], Sequence[Row]]

    def schema(self, name: str) -> ObjectSchema | None:
        return self.schemas.get(name.lower())


@dataclass(frozen=True)
class QueryOutcome:
    entity: str
    total_size: int
    records: list[dict[str, Any]]


def value_of(row: Row, name: str) -> Any:
    value = row.get(name)
    return value() if callable(value) else value


def invalid_type(query: Query) -> OrgError:
    return OrgError(
        400,
        "INVALID_TYPE",
        position_message(
            query.text,
            query.sobject_line,
            query.sobject_column,
            f"sObject type '{query.sobject}' is not supported. If you are attempting to use a custom object, be sure "
            "to append the '__c' after the entity name. Please reference your WSDL or the describe call for the "
            "appropriate names.",
        ),
    )


def execute(query: Query, catalog: QueryCatalog, api_version: str) -> QueryOutcome:
    schema = catalog.schema(query.sobject)
    if schema is None:
        raise invalid_type(query)
    resolve = functools.partial(_resolve, query, catalog, schema)
    select = _unique([resolve(f) for f in query.fields])
    where = _compile(query.where, resolve) if query.where is not None else None
    order = [(resolve(item.field), item.descending, item.nulls_first) for item in query.order_by]
    if query.offset is not None and query.offset > MAX_OFFSET:
        raise OrgError(400, "NUMBER_OUTSIDE_VALID_RANGE", f"Maximum SOQL offset allowed is {MAX_OFFSET}", ["OFFSET"])

    rows: list[Row] = [row for row in catalog.rows(schema) if where is None or where(row)]
    if order:
        rows.sort(key=functools.cmp_to_key(functools.partial(_compare_rows, order)))
    if query.offset:
        rows = rows[query.offset :]
    if query.limit is not None:
        rows = rows[: query.limit]
    if query.count:
        return QueryOutcome(schema.name, len(rows), [])

    restricted = [path[0] for path in select if path[0] in schema.single_row_fields]
    if restricted and len(rows) > 1:
        raise OrgError(
            400,
            "MALFORMED_QUERY",
            f"When retrieving results with Metadata or FullName fields, the query qualifications must specify no "
            f"more than one row for retrieval. Result size: {len(rows)}",
        )
    records = [_project(row, schema, catalog, select, api_version) for row in rows]
    return QueryOutcome(schema.name, len(records), records)


# -- field resolution ------------------------------------------------------------------------------------------------
def _resolve(query: Query, catalog: QueryCatalog, schema: ObjectSchema, ref: FieldRef) -> tuple[str, ...]:
    """The canonical path of a field reference, or INVALID_FIELD naming it."""
    path: list[str] = []
    current = schema
    for i, part in enumerate(ref.path):
        last = i == len(ref.path) - 1
        if last:
            name = current.field_name(part)
            if name is None:
                raise _invalid_field(
                    query,
                    ref,
                    f"No such column '{part}' on entity '{current.name}'. If you are "
                    "attempting to use a custom field, be sure to append the '__c' after the custom "
                    "field name. Please reference your WSDL or the describe call for the appropriate "
                    "names.",
                )
            path.append(name)
        else:
            rel = current.relationship(part)
            related = catalog.schema(current.relationships[rel]) if rel is not None else None
            if rel is None or related is None:
                raise _invalid_field(
                    query,
                    ref,
                    f"Didn't understand relationship '{part}' in field path. If you are "
                    "attempting to use a custom relationship, be sure to append the '__r' after the "
                    "custom relationship name. Please reference your WSDL or the describe call for "
                    "the appropriate names.",
                )
            path.append(rel)
            current = related
    return tuple(path)


def _invalid_field(query: Query, ref: FieldRef, message: str) -> OrgError:
    return OrgError(400, "INVALID_FIELD", position_message(query.text, ref.line, ref.column, message))


def _unique(paths: Iterable[tuple[str, ...]]) -> list[tuple[str, ...]]:
    seen: dict[tuple[str, ...], None] = {}
    for path in paths:
        seen.setdefault(path, None)
    return list(seen)


def _get(row: Row, path: tuple[str, ...]) -> Any:
    value: Any = row
    for part in path:
        if not isinstance(value, Mapping):
            return None
        value = value_of(value, part)
    return value


# -- WHERE -----------------------------------------------------------------------------------------------------------
Predicate = Callable[[Row], bool]


def _compile(cond: Condition, resolve: Callable[[FieldRef], tuple[str, ...]]) -> Predicate:
    if isinstance(cond, And):
        every = [_compile(c, resolve) for c in cond.operands]
        return lambda row: all(p(row) for p in every)
    if isinstance(cond, Or):
        some = [_compile(c, resolve) for c in cond.operands]
        return lambda row: any(p(row) for p in some)
    if isinstance(cond, Not):
        inner = _compile(cond.operand, resolve)
        return lambda row: not inner(row)
    path = resolve(cond.field)
    if isinstance(cond, Compare):
        return functools.partial(_compare_op, path, cond.op, cond.value)
    if isinstance(cond, Like):
        regex = _like_regex(cond.pattern)
        return lambda row: isinstance(v := _get(row, path), str) and regex.fullmatch(v) is not None
    assert isinstance(cond, In)
    values = cond.values
    if cond.negated:
        return lambda row: not any(_equals(_get(row, path), v) for v in values)
    return lambda row: any(_equals(_get(row, path), v) for v in values)


def _compare_op(path: tuple[str, ...], op: str, literal: Value, row: Row) -> bool:
    actual = _get(row, path)
    if op == "=":
        return _equals(actual, literal)
    if op == "!=":
        return not _equals(actual, literal)
    order = _order(actual, literal)
    if order is None:
        return False
    return {"<": order < 0, "<=": order <= 0, ">": order > 0, ">=": order >= 0}[op]


def _equals(actual: Any, literal: Value) -> bool:
    if literal is None or actual is None:
        return actual is None and literal is None
    return _order(actual, literal) == 0


def _like_regex(pattern: str) -> re.Pattern[str]:
    out: list[str] = []
    i = 0
    while i < len(pattern):
        ch = pattern[i]
        if ch == "\\" and i + 1 < len(pattern):
            out.append(re.escape(pattern[i + 1]))
            i += 2
            continue
        out.append(".*" if ch == "%" else "." if ch == "_" else re.escape(ch))
        i += 1
    return re.compile("".join(out), re.IGNORECASE | re.DOTALL)


def _order(actual: Any, literal: Any) -> int | None:
    """-1/0/1 comparing a row value with a literal of SOQL's type, or None when they cannot be compared."""
    if actual is None or literal is None:
        return None
    if isinstance(literal, bool) or isinstance(actual, bool):
        return (0 if actual == literal else None) if isinstance(actual, bool) and isinstance(literal, bool) else None
    if isinstance(literal, decimal.Decimal):
        number = _as_decimal(actual)
        return None if number is None else _sign(number, literal)
    if isinstance(literal, datetime.datetime):
        moment = _as_datetime(actual)
        return None if moment is None else _sign(moment, literal)
    if isinstance(literal, datetime.date):
        day = _as_date(actual)
        return None if day is None else _sign(day, literal)
    if isinstance(literal, str) and isinstance(actual, str):
        return _sign(actual.casefold(), literal.casefold())
    return None


def _sign(a: Any, b: Any) -> int:
    return int(a > b) - int(a < b)


def _as_decimal(value: Any) -> decimal.Decimal | None:
    if isinstance(value, bool) or not isinstance(value, int | float | decimal.Decimal):
        return None
    return decimal.Decimal(str(value))


def _as_datetime(value: Any) -> datetime.datetime | None:
    if isinstance(value, datetime.datetime):
        return value if value.tzinfo else value.replace(tzinfo=datetime.UTC)
    if isinstance(value, str) and len(value) >= 10:
        try:
            return parse_datetime(value)
        except ValueError:
            return None
    return None


def _as_date(value: Any) -> datetime.date | None:
    moment = _as_datetime(value)
    if moment is not None and isinstance(value, str) and "T" in value:
        return moment.astimezone(datetime.UTC).date()
    if isinstance(value, str):
        try:
            return datetime.date.fromisoformat(value[:10])
        except ValueError:
            return None
    return value if isinstance(value, datetime.date) else None


# -- ORDER BY --------------------------------------------------------------------------------------------------------
def _compare_rows(order: list[tuple[tuple[str, ...], bool, bool]], a: Row, b: Row) -> int:
    for path, descending, nulls_first in order:
        x, y = _get(a, path), _get(b, path)
        if x is None or y is None:
            if x is None and y is None:
                continue
            return (-1 if x is None else 1) * (1 if nulls_first else -1)
        result = _sort_sign(x, y)
        if result:
            return -result if descending else result
    return 0


def _sort_sign(x: Any, y: Any) -> int:
    if isinstance(x, str) and isinstance(y, str):
        return _sign(x.casefold(), y.casefold()) or _sign(x, y)
    if isinstance(x, bool) or isinstance(y, bool):
        return _sign(bool(x), bool(y)) if isinstance(x, bool) and isinstance(y, bool) else _sign(str(x), str(y))
    if isinstance(x, int | float | decimal.Decimal) and isinstance(y, int | float | decimal.Decimal):
        return _sign(decimal.Decimal(str(x)), decimal.Decimal(str(y)))
    return _sign(str(x), str(y))


# -- projection ------------------------------------------------------------------------------------------------------
def _project(
    row: Row, schema: ObjectSchema, catalog: QueryCatalog, select: list[tuple[str, ...]], api_version: str
) -> dict[str, Any]:
    record: dict[str, Any] = {"attributes": {"type": schema.name, "url": schema.url(row, api_version)}}
    for path in select:
        _place(record, row, schema, catalog, path, api_version)
    return record


def _place(
    record: dict[str, Any],
    row: Row,
    schema: ObjectSchema,
    catalog: QueryCatalog,
    path: tuple[str, ...],
    api_version: str,
) -> None:
    head = path[0]
    if len(path) == 1:
        record[head] = value_of(row, head)
        return
    related_row = value_of(row, head)
    if related_row is None:
        record[head] = None
        return
    related = catalog.schema(schema.relationships[head])
    assert related is not None
    nested = record.get(head)
    if not isinstance(nested, dict):
        nested = {"attributes": {"type": related.name, "url": related.url(related_row, api_version)}}
        record[head] = nested
    _place(nested, related_row, related, catalog, path[1:], api_version)
