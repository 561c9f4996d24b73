"""Output schemas come from the seed spec and accept what real Salesforce sends."""

from __future__ import annotations

import pytest
import yaml
from jsonschema import Draft202012Validator

from salesforce_flow_mcp.tools.operations import OPERATION_TOOLS
from salesforce_flow_mcp.tools.schemas import output_schema, seed_components
from tests.support import SEED_SPEC


def test_bundled_components_are_the_seed_specs() -> None:
    spec = yaml.safe_load(SEED_SPEC.read_text())
    assert seed_components() == spec["components"]["schemas"]


@pytest.mark.parametrize("tool", OPERATION_TOOLS, ids=lambda t: t.name)
def test_tool_schemas_are_valid_json_schema(tool: object) -> None:
    Draft202012Validator.check_schema(tool.input_schema)  # type: ignore[attr-defined]
    Draft202012Validator.check_schema(tool.output)  # type: ignore[attr-defined]
    assert tool.output["type"] == "object"  # type: ignore[attr-defined]


def test_relaxed_schema_accepts_nulls_extras_and_floats_where_salesforce_sends_them() -> None:
    # A describe as real orgs send it: null type/description/picklistValues, extra fields, maxOccurs as 2000.0.
    describe = {
        "name": "X",
        "label": None,
        "type": "FLOW",
        "standard": False,
        "inputs": [{"name": "a", "type": None, "description": None, "maxOccurs": 2000.0, "picklistValues": None}],
        "outputs": None,
    }
    Draft202012Validator(output_schema("InvocableFlowMetadata")).validate(describe)
    # CreateResponse.errors: the seed says strings, Salesforce sends objects.
    created = {"id": "0Fo5g0000000001AAA", "success": True, "errors": [{"statusCode": "X", "message": "m"}]}
    Draft202012Validator(output_schema("CreateResponse")).validate(created)


def test_relaxed_schema_still_rejects_wrong_shapes() -> None:
    validator = Draft202012Validator(output_schema("FlowListResponse"))
    assert list(validator.iter_errors({"records": "not a list"}))
    assert list(validator.iter_errors({"done": "yes"}))


def test_enum_values_are_kept_as_documentation() -> None:
    status = output_schema("FlowListResponse")["properties"]["records"]["items"]["properties"]["Status"]
    assert "enum" not in status
    assert "Active" in status["description"] and "InvalidDraft" in status["description"]
