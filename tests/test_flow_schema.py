"""JSON Schemas of per-flow tools, derived from invocable-action describes.

Each test builds a describe as Salesforce sends it, derives the schemas, checks they are valid draft 2020-12 schemas,
and validates the arguments an agent would send against them. Outputs are said once, in the tool description.
"""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.tools.flow_schema import (
    MAX_FLOW_DESCRIPTION,
    MAX_PARAMETERS,
    FlowToolSchemas,
    parameter_schema,
    schemas_from_describe,
)
from salesforce_flow_mcp.tools.flow_types import MAX_PICKLIST_VALUES, TYPE_TABLE

ACCOUNT_ID = "001000000000001AAA"
ACCOUNT_ID_15 = "001000000000001"

# Salesforce type -> (a value it accepts, a value it refuses)
SAMPLES: dict[str, tuple[Any, Any]] = {
    "STRING": ("hello", 12),
    "TEXTAREA": ("line one\nline two", ["not", "text"]),
    "ENCRYPTEDSTRING": ("s3cret", True),
    "EMAIL": ("ada@example.com", 1.5),
    "PHONE": ("+44 20 7946 0000", 442079460000),
    "URL": ("https://example.com", {"url": "x"}),
    "BOOLEAN": (True, "true"),
    "INTEGER": (42, 4.5),
    "LONG": (9007199254740993, "9007199254740993"),
    "INT": (-3, "three"),
    "DOUBLE": (3.25, "3.25"),
    "CURRENCY": (1999.99, "$1999.99"),
    "PERCENT": (12.5, "12.5%"),
    "NUMBER": (7, None),
    "DECIMAL": (0.1, [0.1]),
    "DATE": ("2024-05-01", "01/05/2024"),
    "DATETIME": ("2024-05-01T12:34:56Z", 1714566896),
    "TIME": ("12:34:56.000Z", 1234),
    "ID": (ACCOUNT_ID, "001-not-an-id"),
    "REFERENCE": (ACCOUNT_ID_15, "001000000000001aaa"),  # an 18-char Id's suffix is upper case
    "PICKLIST": ("Gold", "Platinum"),
    "MULTIPICKLIST": ("Gold;Silver", "Gold;Platinum"),
    "SOBJECT": ({"attributes": {"type": "Account"}, "Name": "Acme"}, {"attributes": {"type": "Contact"}}),
}
PICKLIST = ["Gold", {"value": "Silver", "label": "Silver", "active": True}, {"value": "Bronze"}]


def make_param(name: str, type_name: Any, **extra: Any) -> dict[str, Any]:
    """A parameter as Salesforce describes it (inputs carry byteLength and required, outputs do not)."""
    param = {
        "apexClass": None,
        "byteLength": 0,
        "description": None,
        "label": name.replace("_", " ").title(),
        "maxOccurs": 1,
        "name": name,
        "picklistValues": None,
        "required": False,
        "sobjectType": None,
        "type": type_name,
    }
    param.update(extra)
    return param


def typed_param(type_name: str, *, collection: bool = False) -> dict[str, Any]:
    name = type_name.lower() + ("_list" if collection else "")
    extra: dict[str, Any] = {"maxOccurs": 2 if collection else 1}
    if type_name in ("PICKLIST", "MULTIPICKLIST"):
        extra["picklistValues"] = PICKLIST
    if type_name == "SOBJECT":
        extra["sobjectType"] = "Account"
    return make_param(name, type_name, **extra)


def every_type_describe() -> dict[str, Any]:
    params = [typed_param(t) for t in SAMPLES] + [typed_param(t, collection=True) for t in SAMPLES]
    return {
        "name": "Every_Type",
        "label": "Every Type",
        "description": "Takes one parameter of each Salesforce type.",
        "inputs": params,
        "outputs": [{k: v for k, v in p.items() if k not in ("byteLength", "required")} for p in params]
        + [
            make_param("Flow__InterviewStatus", "PICKLIST", label="Flow Interview Status"),
            make_param("Flow__InterviewGuid", "STRING", label="Flow Interview GUID"),
        ],
        "type": "FLOW",
    }


@pytest.fixture(scope="module")
def every_type() -> FlowToolSchemas:
    return schemas_from_describe(every_type_describe())


def accepts(schema: dict[str, Any], value: Any) -> bool:
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER).is_valid(value)


def test_the_sample_table_covers_every_type_of_the_table() -> None:
    assert set(SAMPLES) == set(TYPE_TABLE) - {"APEX"}


def test_every_schema_is_valid_json_schema(every_type: FlowToolSchemas) -> None:
    Draft202012Validator.check_schema(every_type.input_schema)
    assert every_type.output_schema is None  # the outputs are in the description
    for prop in every_type.input_schema["properties"].values():
        Draft202012Validator.check_schema(prop)
        assert "title" not in prop  # each label is the name in other words ("String" for string)


def test_input_schema_shape(every_type: FlowToolSchemas) -> None:
    schema = every_type.input_schema
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is False
    assert set(schema["properties"]) == {t.lower() for t in SAMPLES} | {t.lower() + "_list" for t in SAMPLES}
    assert "required" not in schema  # nothing in this describe is required
    assert accepts(schema, {})
    assert not accepts(schema, {"not_a_parameter": 1})


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


def test_required_inputs_are_listed() -> None:
    describe = {
        "name": "Needs_Two",
        "inputs": [
            make_param("accountId", "ID", required=True),
            make_param("note", "STRING"),
            make_param("amount", "CURRENCY", required=True),
        ],
        "outputs": [],
    }
    schemas = schemas_from_describe(describe)
    assert schemas.input_schema["required"] == ["accountId", "amount"]
    assert accepts(schemas.input_schema, {"accountId": ACCOUNT_ID, "amount": 10})
    assert not accepts(schemas.input_schema, {"accountId": ACCOUNT_ID, "note": "x"})
    assert "description" not in schemas.input_schema["properties"]["amount"]  # `required` says it


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


def test_sobject_records_carry_their_type() -> None:
    schema = parameter_schema(make_param("account", "SOBJECT", sobjectType="Account"))
    assert schema["type"] == "object"
    assert schema["additionalProperties"] is True
    assert schema["properties"]["attributes"]["properties"]["type"] == {"const": "Account"}
    assert "Account" in schema["description"]
    assert accepts(schema, {"attributes": {"type": "Account"}, "Name": "Acme", "AnnualRevenue": 5})
    assert accepts(schema, {"Name": "Acme"})  # attributes may be left out
    assert not accepts(schema, {"attributes": {"type": "Contact"}, "LastName": "X"})
    assert not accepts(schema, "Acme")
    # No sobjectType: any record.
    anything = parameter_schema(make_param("record", "SOBJECT"))
    assert "properties" not in anything
    assert accepts(anything, {"attributes": {"type": "Lead"}})


def test_apex_types_are_unconstrained_and_name_the_class() -> None:
    for type_name in ("APEX", None, ""):
        schema = parameter_schema(make_param("payload", type_name, apexClass="Webhook_Payload"))
        assert {k: v for k, v in schema.items() if k not in ("title", "description")} == {}
        assert "Webhook_Payload" in schema["description"]
        assert accepts(schema, {"any": ["shape"]})
    listed = parameter_schema(make_param("payloads", None, apexClass="Webhook_Payload", maxOccurs=3))
    assert listed["type"] == "array" and listed["items"] == {} and listed["maxItems"] == 3


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


def test_outputs_are_named_once_in_the_description_with_their_kind(every_type: FlowToolSchemas) -> None:
    returns = every_type.description.split(" Returns ", 1)[1]
    for type_name in SAMPLES:
        name = type_name.lower()
        assert f"{name} (" in returns and f"{name}_list (" in returns, name
    assert "sobject (Account)" in returns and "sobject_list (Account[])" in returns
    assert "boolean (boolean)" in returns and "long_list (integer[])" in returns
    # Salesforce's own outputs are explained once, in the server instructions, not in every tool.
    assert "Flow__Interview" not in every_type.description


def test_an_output_description_is_kept_short() -> None:
    describe = {
        "name": "Out",
        "inputs": [],
        "outputs": [make_param("total", "DOUBLE", description="The total. " * 30), make_param("n", "INTEGER")],
    }
    text = schemas_from_describe(describe).description
    assert text.startswith("Runs the flow Out. Returns total (number): The total. The total.")
    assert text.endswith("...; n (integer).")
    assert len(text) < 200
    none = schemas_from_describe({"name": "Quiet", "inputs": [], "outputs": []})
    assert none.description == "Runs the flow Quiet. Returns no outputs of its own."


def test_description_says_each_thing_once(every_type: FlowToolSchemas) -> None:
    text = every_type.description
    assert text.startswith("Takes one parameter of each Salesforce type. Returns ")
    assert "Salesforce type STRING" not in text and "Inputs" not in text  # inputs are described in the inputSchema
    sobject = every_type.input_schema["properties"]["sobject"]["description"]
    assert sobject == 'Account record: an object of its field values, "attributes": {"type": "Account"}.'
    assert every_type.title is None  # "Every Type" is the API name with spaces: the tool name says it


def test_description_and_schema_carry_labels_and_descriptions() -> None:
    describe = {
        "name": "Quote",
        "label": "Quote Calculator",
        "description": "Computes a discounted quote.",
        "inputs": [make_param("amount", "DOUBLE", label="List Price", description="The list price.", required=True)],
        "outputs": [make_param("discount", "DOUBLE", label="Discount", description="What the customer saves.")],
    }
    schemas = schemas_from_describe(describe)
    amount = schemas.input_schema["properties"]["amount"]
    assert amount == {"title": "List Price", "description": "The list price.", "type": "number"}
    assert schemas.description == "Computes a discounted quote. Returns discount (number): What the customer saves."
    assert schemas.title == "Quote Calculator"
    with_effects = schemas_from_describe(describe, effects="creates Case; reads Account")
    assert "Computes a discounted quote. Creates Case; reads Account. Returns discount" in with_effects.description


def test_a_describe_that_is_not_a_mapping_raises() -> None:
    bad_describes: list[Any] = [None, [], "Flow", 3]
    for bad in bad_describes:
        with pytest.raises(TypeError):
            schemas_from_describe(bad)


def test_malformed_describes_keep_what_is_valid(caplog: pytest.LogCaptureFixture) -> None:
    describe: dict[str, Any] = {
        "name": "Broken",
        "inputs": [
            make_param("ok", "STRING"),
            "not a parameter",
            None,
            {"type": "STRING"},  # no name
            make_param("", "STRING"),
            {"name": 12, "type": "STRING"},
            make_param("ok", "BOOLEAN"),  # a second "ok"
            {"name": "bare"},  # nothing else at all
            make_param("weird_occurs", "STRING", maxOccurs="3"),
            make_param("nan_occurs", "STRING", maxOccurs=math.nan),
            make_param("bool_occurs", "STRING", maxOccurs=True),
            make_param("float_occurs", "STRING", maxOccurs=3.0),
            make_param("text_fields", "STRING", label=["x"], description={"y": 1}, required="yes"),
        ],
    }
    with caplog.at_level(logging.WARNING):
        schemas = schemas_from_describe(describe)
    props = schemas.input_schema["properties"]
    assert list(props) == ["ok", "bare", "weird_occurs", "nan_occurs", "bool_occurs", "float_occurs", "text_fields"]
    assert props["ok"]["type"] == "string"
    assert props["weird_occurs"]["type"] == "string"
    assert props["float_occurs"]["maxItems"] == 3
    assert "title" not in props["text_fields"] and "description" not in props["text_fields"]
    assert "required" not in schemas.input_schema
    assert schemas.output_schema is None
    Draft202012Validator.check_schema(schemas.input_schema)
    assert "has no name" in caplog.text and "not an object" in caplog.text and "twice" in caplog.text
    assert "'outputs'" in caplog.text


@pytest.mark.parametrize("inputs", [None, "inputs", {"name": "x"}, 5])
def test_inputs_that_are_not_a_list_give_a_tool_without_inputs(inputs: Any) -> None:
    schemas = schemas_from_describe({"name": "Odd", "inputs": inputs, "outputs": None})
    assert schemas.input_schema == {"type": "object", "properties": {}, "additionalProperties": False}
    assert schemas.output_schema is None


def test_huge_lists_are_capped(caplog: pytest.LogCaptureFixture) -> None:
    many = [make_param(f"p{i}", "STRING") for i in range(MAX_PARAMETERS + 100)]
    values = [f"v{i}" for i in range(MAX_PICKLIST_VALUES * 5)]
    with caplog.at_level(logging.WARNING):
        schemas = schemas_from_describe(
            {"name": "Huge", "inputs": many, "outputs": [*many, make_param("pick", "PICKLIST", picklistValues=values)]}
        )
        big_pick = parameter_schema(make_param("pick", "PICKLIST", picklistValues=values))
    assert len(schemas.input_schema["properties"]) == MAX_PARAMETERS
    assert "more than" in caplog.text
    assert len(big_pick["enum"]) == MAX_PICKLIST_VALUES
    assert len(schemas.description) < 50_000
    assert schemas.description.endswith("; and 400 more.")  # 500 outputs kept, 100 named


def test_long_texts_are_shortened_in_wording() -> None:
    describe = {
        "name": "Wordy",
        "label": "Wordy",
        "description": "word " * 5000,
        "inputs": [make_param("p", "STRING", description="long " * 1000)],
        "outputs": [],
    }
    schemas = schemas_from_describe(describe)
    assert len(schemas.input_schema["properties"]["p"]["description"]) < 700
    assert schemas.description.startswith("Word word") and len(schemas.description) < MAX_FLOW_DESCRIPTION + 50
    assert schemas.description.split(" Returns ")[0].endswith("...")
