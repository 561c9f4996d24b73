"""The inputSchema of a per-flow tool, derived from an invocable-action describe: valid draft 2020-12, closed to
unknown keys (checked by the server), `required` as described, and a malformed or huge describe never breaks it."""

from __future__ import annotations

import logging
import math
from typing import Any

import pytest
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.tools.flow_schema import (
    MAX_PARAMETERS,
    FlowToolSchemas,
    parameter_schema,
    schemas_from_describe,
)
from salesforce_flow_mcp.tools.flow_types import MAX_PICKLIST_VALUES
from tests.flow_describes import ACCOUNT_ID, SAMPLES, accepts, every_type_describe, make_param


@pytest.fixture(scope="module")
def every_type() -> FlowToolSchemas:
    return schemas_from_describe(every_type_describe())


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
