"""Salesforce dialect, Tooling API: /tooling/query over Flow and FlowDefinition, and the two objects by Id.

Activation follows the Tooling API: PATCH Flow {Status} activates or deactivates a version; PATCH FlowDefinition
{Metadata: {activeVersionNumber}} activates version N, and 0 or leaving it out deactivates the flow.
"""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import bad_request, json_response, not_found
from ..soql.evaluator import QueryCatalog
from ..soql.objects import (
    TOOLING_FLOW,
    TOOLING_FLOW_DEFINITION,
    flow_definition_row,
    record_shape,
    tooling_catalog,
    tooling_flow_row,
)
from ..store.flow_registry import ACTIVE, DRAFT, OBSOLETE, FlowDefinitionRecord, FlowRegistry
from ..store.state import OrgState
from .common import api_version, no_content, org_state, read_json_object, record_id, resource
from .query import pager, run_query
from .seed_flows import check_fields, flow_record


def _catalog(state: OrgState, _sobject: str) -> QueryCatalog:
    return tooling_catalog(state)


async def query(request: Request) -> Response:
    return await run_query(request, _catalog, tooling=True)


async def query_more(request: Request) -> Response:
    return json_response(pager(request).next_page(request.path_params["locator"], tooling=True))


def _definition(state: OrgState, raw_id: str) -> FlowDefinitionRecord:
    definition = state.flows.definition(record_id(raw_id, "300"))
    if definition is None:
        raise not_found()
    return definition


async def get_definition(request: Request) -> Response:
    state = org_state(request)
    definition = _definition(state, request.path_params["id"])
    row = flow_definition_row(definition, state.user_id)
    return json_response(record_shape(TOOLING_FLOW_DEFINITION, row, api_version(request)))


def _metadata_patch(definition: FlowDefinitionRecord, body: dict[str, Any]) -> tuple[int, str | None, bool]:
    """(active version number or 0, description, whether the description is set) from a PATCH body."""
    check_fields(body, {"Metadata": dict}, "FlowDefinition")
    metadata = body.get("Metadata")
    if not isinstance(metadata, dict):
        raise bad_request("REQUIRED_FIELD_MISSING", "Required fields are missing: [Metadata]", ["Metadata"])
    number = metadata.get("activeVersionNumber")
    if number is None:
        number = 0
    if isinstance(number, bool) or not isinstance(number, int | float) or number != int(number) or number < 0:
        raise bad_request(
            "JSON_PARSER_ERROR", f"Metadata.activeVersionNumber must be a version number, got {number!r}", ["Metadata"]
        )
    if number and definition.version_by_number(int(number)) is None:
        raise bad_request(
            "FIELD_INTEGRITY_EXCEPTION",
            f"Flow {definition.developer_name} has no version {int(number)} "
            f"(versions 1 to {definition.latest.version_number}).",
            ["Metadata"],
        )
    description = metadata.get("description")
    if description is not None and not isinstance(description, str):
        raise bad_request("JSON_PARSER_ERROR", "Metadata.description must be a string", ["Metadata"])
    return int(number), description, "description" in metadata


async def update_definition(request: Request) -> Response:
    state = org_state(request)
    definition = _definition(state, request.path_params["id"])
    number, description, set_description = _metadata_patch(definition, await read_json_object(request))

    def apply(flows: FlowRegistry) -> None:
        target = definition.version_by_number(number) if number else None
        if target is not None:
            flows.activate(target)
        else:
            flows.deactivate(definition)
        if set_description:
            flows.set_definition_description(definition, description)

    await state.call(state.mutate_flows, apply)
    return no_content()


def routes() -> list[BaseRoute]:
    return [
        resource("/tooling/query", GET=query),
        resource("/tooling/query/{locator}", GET=query_more),
        resource(
            "/tooling/sobjects/Flow/{id}", **flow_record(TOOLING_FLOW, tooling_flow_row, (ACTIVE, OBSOLETE, DRAFT))
        ),
        resource("/tooling/sobjects/FlowDefinition/{id}", GET=get_definition, PATCH=update_definition),
    ]
