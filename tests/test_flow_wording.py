"""What a per-flow tool says in words: outputs once, in the description, with their kind; the flow's own
description trimmed with an ellipsis; titles only where a label says more than the name."""

from __future__ import annotations

import pytest

from salesforce_flow_mcp.tools.flow_schema import MAX_FLOW_DESCRIPTION, FlowToolSchemas, schemas_from_describe
from tests.flow_describes import SAMPLES, every_type_describe, make_param


@pytest.fixture(scope="module")
def every_type() -> FlowToolSchemas:
    return schemas_from_describe(every_type_describe())


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
    assert text.startswith("Returns total (number): The total. The total.")  # no description: the name says it
    assert text.endswith("...; n (integer).")
    assert len(text) < 200
    none = schemas_from_describe({"name": "Quiet", "inputs": [], "outputs": []})
    assert none.description == "No outputs of its own."


def test_description_says_each_thing_once(every_type: FlowToolSchemas) -> None:
    text = every_type.description
    assert text.startswith("Takes one parameter of each Salesforce type. Returns ")
    assert "Salesforce type STRING" not in text and "Inputs" not in text  # inputs are described in the inputSchema
    sobject = every_type.input_schema["properties"]["sobject"]["description"]
    assert sobject == "Account record."  # the server fills attributes.type (tests/test_flow_records.py)
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
    assert schemas.description.split(" No outputs")[0].endswith("...")
