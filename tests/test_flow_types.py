"""Salesforce parameter types -> JSON Schema (tools/flow_types.TYPE_TABLE): each type's schema accepts what
Salesforce accepts for it and refuses the rest; picklists, multi-select picklists, records, Apex and unknown types.

Types and parameter fields as the invocable-action describe gives them (Actions Developer Guide, "Flow Actions";
Apex Reference, Action.InputParameter: byteLength, maxOccurs, picklistValues, required, sObjectType, type)."""

from __future__ import annotations

import logging
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.tools.flow_schema import FlowToolSchemas, parameter_schema, schemas_from_describe
from salesforce_flow_mcp.tools.flow_types import TYPE_TABLE
from tests.flow_describes import SAMPLES, accepts, every_type_describe, make_param, typed_param


@pytest.fixture(scope="module")
def every_type() -> FlowToolSchemas:
    return schemas_from_describe(every_type_describe())


def test_the_sample_table_covers_every_type_of_the_table() -> None:
    assert set(SAMPLES) == set(TYPE_TABLE) - {"APEX"}


@pytest.mark.parametrize("type_name", list(SAMPLES))
def test_single_value_of_each_type(every_type: FlowToolSchemas, type_name: str) -> None:
    good, bad = SAMPLES[type_name]
    name = type_name.lower()
    schema = every_type.input_schema
    assert accepts(schema, {name: good})
    assert not accepts(schema, {name: bad})
    # The same type as a collection of at most 2 values.
    assert accepts(schema, {name + "_list": [good, good]})
    assert accepts(schema, {name + "_list": []})
    assert not accepts(schema, {name + "_list": [good, good, good]})  # 3 items for maxOccurs 2
    assert not accepts(schema, {name + "_list": [good, bad]})
    assert not accepts(schema, {name + "_list": good})  # a collection needs a list


@pytest.mark.parametrize(
    ("type_name", "json_type", "extra"),
    [
        ("STRING", "string", {}),
        ("BOOLEAN", "boolean", {}),
        ("LONG", "integer", {}),
        ("CURRENCY", "number", {}),
        ("DATE", "string", {"format": "date"}),
        ("DATETIME", "string", {"format": "date-time"}),
        ("TIME", "string", {"format": "time"}),
        ("REFERENCE", "string", {"pattern": r"^[a-zA-Z0-9]{15}(?:[A-Z0-5]{3})?$"}),
        ("PICKLIST", "string", {"enum": ["Gold", "Silver", "Bronze"]}),
    ],
)
def test_the_table_gives_the_documented_json_schema(type_name: str, json_type: str, extra: dict[str, Any]) -> None:
    schema = parameter_schema(typed_param(type_name))
    assert schema == {"type": json_type, **extra}  # no words where the schema says it all
    collection = parameter_schema(typed_param(type_name, collection=True))
    assert collection["type"] == "array"
    assert collection["maxItems"] == 2
    assert collection["items"] == {"type": json_type, **extra}


def test_types_are_case_insensitive() -> None:
    for spelling in ("boolean", "Boolean", " BOOLEAN "):
        assert parameter_schema(make_param("flag", spelling))["type"] == "boolean"
    assert parameter_schema(make_param("when", "dateTime"))["format"] == "date-time"


def test_byte_length_becomes_max_length_only_when_positive() -> None:
    limited = parameter_schema(make_param("code", "STRING", byteLength=5))
    assert limited["maxLength"] == 5
    assert "description" not in limited
    assert accepts(limited, "12345")
    assert not accepts(limited, "123456")
    for no_limit in (0, -1, None, "80", True):
        assert "maxLength" not in parameter_schema(make_param("code", "TEXTAREA", byteLength=no_limit))


def test_picklist_values_as_strings_or_objects_use_active_values() -> None:
    values: list[Any] = ["Low", {"value": "Medium", "label": "Medium", "active": True}]
    values.append({"value": "Old", "active": False})
    values += [{"label": "High", "active": True}, "Low", 7, None, {"value": None}]
    schema = parameter_schema(make_param("priority", "PICKLIST", picklistValues=values))
    # duplicates and non-text entries dropped; an entry with only a label uses the label
    assert schema["enum"] == ["Low", "Medium", "High"]
    assert "description" not in schema  # the enum says it
    assert accepts(schema, "Medium")
    assert not accepts(schema, "Old")  # inactive
    assert not accepts(schema, "medium")  # picklist values are exact


def test_a_picklist_without_values_is_any_string() -> None:
    for values in (None, [], [{"value": "X", "active": False}], "Gold"):
        schema = parameter_schema(make_param("status", "PICKLIST", picklistValues=values))
        assert "enum" not in schema
        assert schema["type"] == "string"
        assert accepts(schema, "anything")


def test_multipicklist_accepts_values_joined_by_semicolons_only_from_the_list() -> None:
    values = ["a.b", "C++", "x|y", "plain (1)"]
    schema = parameter_schema(make_param("tags", "MULTIPICKLIST", picklistValues=values))
    Draft202012Validator.check_schema(schema)
    for good in ("a.b", "C++;x|y", "plain (1);a.b;C++", ""):
        assert accepts(schema, good), good
    for bad in ("axb", "C", "C++;", "x", "a.b;nope", "plain 1"):
        assert not accepts(schema, bad), bad


def test_sobject_records_are_objects_named_in_words() -> None:
    """The object's name is in the description; `attributes.type` is the server's to fill (tests/test_flow_records)."""
    schema = parameter_schema(make_param("account", "SOBJECT", sobjectType="Account"))
    assert schema == {"description": "Account record.", "type": "object"}
    assert accepts(schema, {"attributes": {"type": "Account"}, "Name": "Acme", "AnnualRevenue": 5})
    assert accepts(schema, {"Name": "Acme"})  # attributes may be left out
    assert not accepts(schema, "Acme")
    # No sobjectType: any record.
    anything = parameter_schema(make_param("record", "SOBJECT"))
    assert anything["type"] == "object" and "A Salesforce record" in anything["description"]
    assert accepts(anything, {"attributes": {"type": "Lead"}})


def test_apex_types_are_unconstrained_and_name_the_class() -> None:
    for type_name in ("APEX", None, ""):
        schema = parameter_schema(make_param("payload", type_name, apexClass="Webhook_Payload"))
        assert {k: v for k, v in schema.items() if k not in ("title", "description")} == {}
        assert "Webhook_Payload" in schema["description"]
        assert accepts(schema, {"any": ["shape"]})
    listed = parameter_schema(make_param("payloads", None, apexClass="Webhook_Payload", maxOccurs=3))
    assert listed["type"] == "array" and "items" not in listed and listed["maxItems"] == 3  # any item: the default


@pytest.mark.parametrize("type_name", ["FOO", "anyType", 17, ["STRING"]])
def test_unknown_types_are_unconstrained_and_named(type_name: Any, caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING):
        schema = parameter_schema(make_param("mystery", type_name))
    assert {k: v for k, v in schema.items() if k not in ("title", "description")} == {}
    shown = type_name.upper() if isinstance(type_name, str) else repr(type_name).upper()
    assert schema["description"] == f"Any value (type {shown})."
    assert "unknown Salesforce type" in caplog.text


def test_a_null_type_without_an_apex_class_is_unconstrained() -> None:
    schema = parameter_schema(make_param("mystery", None))
    assert {k: v for k, v in schema.items() if k not in ("title", "description")} == {}
    assert "no type" in schema["description"]
