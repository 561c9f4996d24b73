"""Salesforce invocable-action parameter types -> JSON Schema, as a table (one row per type, read by flow_schema).

Each row gives the JSON type a value has and, for inputs, the value constraints Salesforce states (length, format,
Id shape, picklist values; a record's sObject is named in words and filled in by the server, tools/flow_records.py).
Outputs use only the JSON type: a schema stricter than what Salesforce returns would make clients reject the whole
tool result, so output constraints are stated in words instead.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from salesforce_flow_mcp.aliases import JSONSchema
from salesforce_flow_mcp.sfid import SALESFORCE_ID_PATTERN

__all__ = [
    "MAX_PICKLIST_VALUES",
    "TYPE_TABLE",
    "TypeRule",
    "apex_class_of",
    "max_occurs",
    "picklist_values",
    "rule_for",
    "sobject_type_of",
]

logger = logging.getLogger(__name__)

Param = Mapping[str, Any]

MAX_PICKLIST_VALUES = 1000  # more than any real picklist; keeps a hostile describe from producing a huge schema
_REGEX_SYNTAX = frozenset("\\^$.|?*+()[]{}/")  # escaped this way the pattern reads the same in Python and ECMA-262


def _text(value: Any) -> str | None:
    return value.strip() if isinstance(value, str) and value.strip() else None


def apex_class_of(param: Param) -> str | None:
    return _text(param.get("apexClass"))


def picklist_values(param: Param) -> list[str]:
    """Active values of `picklistValues`: strings, or objects with value/label/active (a missing active counts as
    active). Duplicates and non-text entries are dropped; the list is capped at MAX_PICKLIST_VALUES."""
    raw = param.get("picklistValues")
    if not isinstance(raw, list):
        return []
    values: list[str] = []
    for entry in raw:
        if isinstance(entry, Mapping):
            if entry.get("active", True) is False:
                continue
            value = entry.get("value")
            if not isinstance(value, str):
                value = entry.get("label")
        else:
            value = entry
        if isinstance(value, str) and value not in values:
            values.append(value)
        if len(values) >= MAX_PICKLIST_VALUES:
            logger.warning(
                "Parameter %r lists more than %d picklist values; the rest are ignored",
                param.get("name"),
                MAX_PICKLIST_VALUES,
            )
            break
    return values


def _regex_literal(text: str) -> str:
    return "".join("\\" + ch if ch in _REGEX_SYNTAX else ch for ch in text)


# -- value constraints (inputs only) -------------------------------------------------------------------------------


def _no_constraints(param: Param) -> JSONSchema:
    return {}


def _byte_length(param: Param) -> JSONSchema:
    length = param.get("byteLength")
    if isinstance(length, int) and not isinstance(length, bool) and length > 0:
        return {"maxLength": length}
    return {}


def _format(name: str) -> Callable[[Param], JSONSchema]:
    return lambda param: {"format": name}


def _salesforce_id(param: Param) -> JSONSchema:
    return {"pattern": SALESFORCE_ID_PATTERN}


def _picklist(param: Param) -> JSONSchema:
    values = picklist_values(param)
    return {"enum": values} if values else {}


def _multipicklist(param: Param) -> JSONSchema:
    """Several values joined by ';' (Salesforce's multi-select form), so an enum would refuse every combination."""
    values = picklist_values(param)
    if not values:
        return {}
    one = "(?:" + "|".join(_regex_literal(v) for v in values) + ")"
    return {"pattern": f"^(?:{one}(?:;{one})*)?$"}


def max_occurs(param: Param) -> int:
    """How many values the parameter takes: its `maxOccurs`, 1 when absent or not a finite number (> 1: a list)."""
    raw = param.get("maxOccurs")
    if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
        return 1
    return max(int(raw), 1)


def sobject_type_of(param: Param) -> str | None:
    """The sObject a record parameter holds (its describe's `sobjectType`); None for any other parameter."""
    raw = param.get("type")
    is_record = isinstance(raw, str) and raw.strip().upper() == "SOBJECT"
    return _text(param.get("sobjectType")) if is_record else None


# -- words for the description -------------------------------------------------------------------------------------


def _plain_note(word: str) -> Callable[[Param], str]:
    return lambda param: word


def _text_note(param: Param) -> str:
    limit = _byte_length(param).get("maxLength")
    return f"text of at most {limit} bytes" if limit else "text"


def _id_note(param: Param) -> str:
    return "a 15- or 18-character Salesforce record Id"


def _picklist_note(param: Param) -> str:
    values = picklist_values(param)
    return "a picklist value" + (": one of " + ", ".join(values[:50]) if values else "")


def _multipicklist_note(param: Param) -> str:
    values = picklist_values(param)
    return "picklist values joined by ';'" + (" from " + ", ".join(values[:50]) if values else "")


def _sobject_note(param: Param) -> str:
    """The schema says "an object" (or a list of them): the fields are the record's, its `attributes.type` is filled
    in by the server (flow_records), so the words only name the sObject."""
    sobject_type = _text(param.get("sobjectType"))
    return f"{sobject_type or 'a Salesforce'} record" + ("s" if max_occurs(param) > 1 else "")


def _apex_note(param: Param) -> str:
    apex_class = apex_class_of(param)
    return f"an instance of the Apex class {apex_class}, a JSON object" if apex_class else "an Apex-defined value"


@dataclass(frozen=True)
class TypeRule:
    """How one Salesforce type becomes JSON Schema: the JSON type (None: any value), input-only value constraints,
    and a phrase for the description."""

    json_type: str | None
    constraints: Callable[[Param], JSONSchema]
    note: Callable[[Param], str]
    # The schema alone does not tell an agent what to send (a record's shape, ';'-joined values, an Apex object, an
    # unknown type): the property description says it in words. Otherwise the schema speaks for itself.
    spelled_out: bool = False


_TEXT = TypeRule("string", _byte_length, _text_note)
_BOOLEAN = TypeRule("boolean", _no_constraints, _plain_note("true or false"))
_INTEGER = TypeRule("integer", _no_constraints, _plain_note("a whole number"))
_NUMBER = TypeRule("number", _no_constraints, _plain_note("a number"))
_ID = TypeRule("string", _salesforce_id, _id_note)
_PICKLIST = TypeRule("string", _picklist, _picklist_note)
_APEX = TypeRule(None, _no_constraints, _apex_note, spelled_out=True)

# Keys are upper case; lookups upper-case the describe's type (Salesforce's casing varies: STRING, picklist...).
TYPE_TABLE: dict[str, TypeRule] = {
    "STRING": _TEXT,
    "TEXTAREA": _TEXT,
    "ENCRYPTEDSTRING": _TEXT,
    "EMAIL": _TEXT,
    "PHONE": _TEXT,
    "URL": _TEXT,
    "BOOLEAN": _BOOLEAN,
    "INTEGER": _INTEGER,
    "LONG": _INTEGER,
    "INT": _INTEGER,
    "DOUBLE": _NUMBER,
    "CURRENCY": _NUMBER,
    "PERCENT": _NUMBER,
    "NUMBER": _NUMBER,
    "DECIMAL": _NUMBER,
    "DATE": TypeRule("string", _format("date"), _plain_note("a date, YYYY-MM-DD")),
    "DATETIME": TypeRule("string", _format("date-time"), _plain_note("a date and time, ISO 8601")),
    "TIME": TypeRule("string", _format("time"), _plain_note("a time of day, HH:MM:SS.sssZ")),
    "ID": _ID,
    "REFERENCE": _ID,
    "PICKLIST": _PICKLIST,
    "MULTIPICKLIST": TypeRule("string", _multipicklist, _multipicklist_note, spelled_out=True),
    "SOBJECT": TypeRule("object", _no_constraints, _sobject_note, spelled_out=True),
    "APEX": _APEX,
}


def _unknown_rule(type_name: str) -> TypeRule:
    return TypeRule(None, _no_constraints, _plain_note(f"any value (type {type_name})"), spelled_out=True)


_UNTYPED = TypeRule(None, _no_constraints, _plain_note("any value (Salesforce gives no type)"), spelled_out=True)


def rule_for(param: Param) -> tuple[str | None, TypeRule]:
    """The parameter's type name as Salesforce wrote it (upper case; None when absent) and its rule. A null type with
    an apexClass is an Apex-defined type; anything else not in the table is an unconstrained value."""
    raw = param.get("type")
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None, (_APEX if apex_class_of(param) else _UNTYPED)
    type_name = (raw if isinstance(raw, str) else repr(raw)).strip().upper()[:80]
    rule = TYPE_TABLE.get(type_name)
    if rule is None:
        logger.warning(
            "Parameter %r has the unknown Salesforce type %s; it accepts any value", param.get("name"), type_name
        )
        return type_name, _unknown_rule(type_name)
    return type_name, rule
