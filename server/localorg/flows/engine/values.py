"""Flow values: JSON inputs to typed values, coercion on assignment, literals, and JSON-ready outputs.

Inside the engine every number is a Decimal, dates are datetime.date, datetimes are UTC-aware datetime.datetime,
records are dicts with "attributes": {"type": ...}, collections are lists and null is None.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from ...datetimes import format_datetime, format_time, to_utc
from ...datetimes import parse_datetime as parse_iso_datetime
from ..formula.values import type_name
from ..model import FlowVariable, Value

__all__ = [
    "ConversionError",
    "coerce",
    "convert_input",
    "literal",
    "normalize",
    "parse_date",
    "parse_datetime",
    "parse_time",
    "to_json",
    "to_number",
]

NUMBER_TYPES = frozenset({"Number", "Currency"})
TEXT_TYPES = frozenset({"String", "Picklist", "Multipicklist"})
_DATE_RE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MAX_INPUT_ITEMS = 10_000


class ConversionError(ValueError):
    """A value that does not fit a flow data type; the message names what was expected."""


def to_number(value: Any) -> Decimal | None:
    if value is None:
        return None
    if isinstance(value, bool):
        raise ConversionError(f"expected a number, got the boolean {str(value).lower()}")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ConversionError("expected a finite number")
        return Decimal(repr(value))
    if isinstance(value, str):
        try:
            number = Decimal(value.strip())
        except InvalidOperation:
            raise ConversionError(f"expected a number, got {_show(value)}") from None
        if not number.is_finite():
            raise ConversionError("expected a finite number")
        return number
    raise ConversionError(f"expected a number, got {_kind(value)}")


def parse_date(value: Any) -> dt.date | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.UTC).date() if value.tzinfo else value.date()
    if isinstance(value, dt.date):
        return value
    if isinstance(value, str):
        text = value.strip()
        try:
            if _DATE_RE.match(text):
                return dt.date.fromisoformat(text)
            moment = parse_datetime(text)
            return moment.date() if moment else None
        except (ValueError, ConversionError):
            pass
        raise ConversionError(f"expected a date (YYYY-MM-DD), got {_show(value)}")
    raise ConversionError(f"expected a date (YYYY-MM-DD), got {_kind(value)}")


def parse_datetime(value: Any) -> dt.datetime | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return to_utc(value)
    if isinstance(value, dt.date):
        return dt.datetime(value.year, value.month, value.day, tzinfo=dt.UTC)
    if isinstance(value, str):
        try:
            return parse_iso_datetime(value.strip())
        except ValueError:
            raise ConversionError(
                f"expected a datetime (ISO 8601, e.g. 2024-05-01T09:30:00Z), got {_show(value)}"
            ) from None
    raise ConversionError(f"expected a datetime (ISO 8601), got {_kind(value)}")


def parse_time(value: Any) -> dt.time | None:
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, dt.datetime):
        return value.timetz().replace(tzinfo=None)
    if isinstance(value, dt.time):
        return value
    if isinstance(value, str):
        text = value.strip().removesuffix("Z")
        try:
            return dt.time.fromisoformat(text)
        except ValueError:
            raise ConversionError(f"expected a time (HH:MM:SS), got {_show(value)}") from None
    raise ConversionError(f"expected a time (HH:MM:SS), got {_kind(value)}")


def normalize(value: Any, depth: int = 0) -> Any:
    """JSON (or stub output) values -> engine values: numbers become Decimal, recursively."""
    if depth > 64:
        raise ConversionError("value nested too deeply")
    if isinstance(value, bool) or value is None or isinstance(value, str | Decimal | dt.date | dt.time):
        return value
    if isinstance(value, int | float):
        return to_number(value)
    if isinstance(value, dict):
        return {str(k): normalize(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [normalize(v, depth + 1) for v in value]
    raise ConversionError(f"unsupported value of type {type(value).__name__}")


def round_scale(number: Decimal, scale: int | None) -> Decimal:
    if scale is None or scale < 0:
        return number
    try:
        return number.quantize(Decimal(1).scaleb(-scale), rounding=ROUND_HALF_UP)
    except InvalidOperation:
        return number


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, int | float):
        return format(to_number(value), "f")
    if isinstance(value, dt.datetime):
        return format_datetime(value)
    if isinstance(value, dt.date | dt.time):
        return value.isoformat()
    if isinstance(value, str):
        return value
    raise ConversionError(f"expected text, got {_kind(value)}")


def _boolean(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    raise ConversionError(f"expected a boolean (true or false), got {_show(value)}")


def _record(value: Any, object_type: str | None) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise ConversionError(f"expected {_record_kind(object_type)} (a JSON object), got {_kind(value)}")
    attributes = value.get("attributes")
    record_type = attributes.get("type") if isinstance(attributes, dict) else None
    if object_type and record_type and str(record_type).lower() != object_type.lower():
        raise ConversionError(f"expected {_record_kind(object_type)}, got a record of type {record_type}")
    if object_type and not record_type:
        value["attributes"] = {"type": object_type}
    return value


# Flow data type -> the conversion of one value (numbers, text and records take more than the value).
_SCALAR_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "Boolean": _boolean,
    "Date": parse_date,
    "DateTime": parse_datetime,
    "Time": parse_time,
}
# A literal's tag (FlowElementReferenceOrValue) -> how its text reads.
_LITERALS: dict[str, Callable[[str], Any]] = {
    "stringValue": lambda raw: raw,
    "numberValue": lambda raw: to_number(raw.strip()) if raw.strip() else None,
    "booleanValue": lambda raw: raw.strip().lower() == "true",
    "dateValue": parse_date,
    "dateTimeValue": parse_datetime,
    "timeValue": parse_time,
}


def coerce_scalar(value: Any, data_type: str, scale: int | None = None, object_type: str | None = None) -> Any:
    if value is None:
        return None
    if data_type in NUMBER_TYPES:
        number = to_number(value)
        return None if number is None else round_scale(number, scale)
    if data_type in TEXT_TYPES:
        return _text(value)
    if data_type == "SObject":
        return _record(value, object_type)
    convert = _SCALAR_CONVERTERS.get(data_type)
    return value if convert is None else convert(value)  # Apex-defined and anything newer: kept as given


def coerce(
    value: Any, data_type: str, *, collection: bool, scale: int | None = None, object_type: str | None = None
) -> Any:
    """A value as a variable of this type holds it; ConversionError when it cannot."""
    if value is None:
        return None
    if collection:
        if not isinstance(value, list):
            raise ConversionError(f"expected a collection (a list), got {_kind(value)}")
        return [coerce_scalar(item, data_type, scale, object_type) for item in value]
    if isinstance(value, list):
        raise ConversionError(f"expected a single value, got a collection of {len(value)}")
    return coerce_scalar(value, data_type, scale, object_type)


def convert_input(var: FlowVariable, raw: Any) -> Any:
    """A JSON input value for an input variable; ConversionError with a message naming what was expected."""
    if raw is None:
        return None
    if var.is_collection:
        if not isinstance(raw, list):
            raise ConversionError(f"expected a list of {describe_type(var)} values, got {_kind(raw)}")
        if len(raw) > _MAX_INPUT_ITEMS:
            raise ConversionError(f"at most {_MAX_INPUT_ITEMS} items are accepted")
        return [_convert_one(var, item) for item in raw]
    return _convert_one(var, raw)


def _convert_one(var: FlowVariable, raw: Any) -> Any:
    if raw is None:
        return None
    data_type = var.data_type
    if data_type in TEXT_TYPES and (isinstance(raw, bool) or not isinstance(raw, str | int | float | Decimal)):
        raise ConversionError(f"expected text, got {_kind(raw)}")
    if data_type in ("Date", "DateTime", "Time") and not isinstance(raw, str):
        raise ConversionError(f"expected a {describe_type(var)} string, got {_kind(raw)}")
    if data_type in ("SObject", "Apex"):
        if not isinstance(raw, dict):
            raise ConversionError(f"expected an object ({describe_type(var)}), got {_kind(raw)}")
        return coerce_scalar(normalize(raw), data_type, var.scale, var.object_type)
    return coerce_scalar(raw, data_type, var.scale, var.object_type)


def _record_kind(object_type: str | None) -> str:
    return f"a record of type {object_type}" if object_type else "a record"


def describe_type(var: FlowVariable) -> str:
    if var.data_type == "SObject":
        return f"{var.object_type or 'sObject'} record"
    if var.data_type == "Apex":
        return f"Apex-defined {var.apex_class or 'object'}"
    return {"Number": "number", "Currency": "currency amount", "String": "text", "DateTime": "datetime"}.get(
        var.data_type, var.data_type.lower()
    )


def literal(value: Value) -> Any:
    """The value of a literal <value> (not elementReference); ConversionError for kinds the engine cannot read."""
    read = _LITERALS.get(value.kind)
    if read is None:
        raise ConversionError(f"value kind <{value.kind}> is not supported by the embedded org")
    return read(value.text)


def to_json(value: Any, *, scale: int | None = None, depth: int = 0) -> Any:
    """JSON-ready: Decimal -> int when integral with scale 0 (or no scale and no fraction digits), else float."""
    if depth > 64:
        return None
    if value is None or isinstance(value, bool | str):
        return value
    if isinstance(value, Decimal):
        exponent = value.as_tuple().exponent
        integral = isinstance(exponent, int) and value == value.to_integral_value()
        if integral and (scale == 0 or (scale is None and isinstance(exponent, int) and exponent >= 0)):
            return int(value)
        return float(value)
    if isinstance(value, int | float):
        return value
    if isinstance(value, dt.datetime):
        return format_datetime(value, zone="Z")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, dt.time):
        return format_time(value)
    if isinstance(value, dict):
        return {str(k): _record_field_json(v, depth) for k, v in value.items()}
    if isinstance(value, list):
        return [to_json(v, scale=scale, depth=depth + 1) for v in value]
    return str(value)


def _record_field_json(value: Any, depth: int) -> Any:
    if isinstance(value, dt.datetime):
        return format_datetime(value)  # record fields keep Salesforce's sObject datetime format
    return to_json(value, depth=depth + 1)


def _kind(value: Any) -> str:
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return f"the text {_show(value)}"
    return {"Boolean": "a boolean", "Number": "a number"}.get(type_name(value), f"a {type(value).__name__}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "...'"
