"""Seed dialect: the seed spec's /sobjects/Flow and POST /sobjects/FlowInterview, with its response shapes."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import OrgError, bad_request, json_response, not_found
from ..flows.engine.flow_engine import FAULT_MESSAGE
from ..soql.evaluator import ObjectSchema, QueryCatalog, QueryOutcome, execute
from ..soql.objects import SEED_FLOW, record_shape, seed_catalog, seed_flow_row
from ..soql.parser import parse_soql
from ..store.flow_registry import ACTIVE, FlowRegistry, FlowVersion
from ..store.state import InvocationResult, OrgState
from .common import Endpoint, api_version, no_content, org_state, read_json_object, record_id, resource, session

SUMMARY_FIELDS = ("Id", "ApiName", "Label", "ProcessType", "Status", "VersionNumber")
MAX_INPUT_NAME = 255


# -- shared with the Tooling routes -----------------------------------------------------------------------------------
def flow_version(state: OrgState, raw_id: str) -> FlowVersion:
    version = state.flows.version(record_id(raw_id, "301"))
    if version is None:
        raise not_found()
    return version


def flow_record(
    schema: ObjectSchema, row: Callable[[FlowVersion, str], dict[str, Any]], statuses: tuple[str, ...]
) -> dict[str, Endpoint]:
    """GET and PATCH of one Flow version by its Id (the path's `{id}`), as `schema` shows it; PATCH may set one of
    `statuses`. The seed /sobjects/Flow and the Tooling API's Flow are the same versions in two shapes."""

    async def get(request: Request) -> Response:
        state = org_state(request)
        version = flow_version(state, request.path_params["id"])
        return json_response(record_shape(schema, row(version, state.user_id), api_version(request)))

    async def patch(request: Request) -> Response:
        state = org_state(request)
        version = flow_version(state, request.path_params["id"])
        body = await read_json_object(request)
        await state.call(patch_flow_version, state, version, body, statuses)
        return no_content()

    return {"GET": get, "PATCH": patch}


def check_fields(body: dict[str, Any], updatable: dict[str, type | tuple[type, ...]], sobject: str) -> None:
    """Unknown or read-only fields and wrong value types, as Salesforce reports them."""
    for key, value in body.items():
        if key == "attributes":
            continue
        if key not in updatable:
            raise bad_request(
                "INVALID_FIELD_FOR_INSERT_UPDATE" if key in SEED_FLOW.fields or key in ("FullName", "Metadata")
                else "INVALID_FIELD",
                f"Unable to create/update fields: {key}. Please check the security settings of this field and "
                "verify that it is read/write for your profile or permission set."
                if key in SEED_FLOW.fields
                else f"No such column '{key}' on sobject of type {sobject}",
                [key],
            )  # fmt: skip
        if value is not None and not isinstance(value, updatable[key]):
            raise bad_request("JSON_PARSER_ERROR", f"Cannot deserialize {key}: expected a string, got {value!r}", [key])


def patch_flow_version(state: OrgState, version: FlowVersion, body: dict[str, Any], statuses: tuple[str, ...]) -> None:
    """Description and/or Status of one version; Status Active activates it (the previous active one becomes
    Obsolete), any other status takes it out of activity."""
    check_fields(body, {"Description": str, "Status": str}, "Flow")
    status = body.get("Status")
    if "Status" in body:
        canonical = next((s for s in statuses if isinstance(status, str) and s.lower() == status.lower()), None)
        if canonical is None:
            raise bad_request(
                "INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST",
                f"Status: bad value for restricted picklist field: {status} (allowed: {', '.join(statuses)})",
                ["Status"],
            )
        status = canonical

    def apply(flows: FlowRegistry) -> None:
        if "Description" in body:
            flows.set_version_description(version, body["Description"])
        if isinstance(status, str):
            flows.set_status(version, status)

    state.mutate_flows(apply)


# -- seed routes ------------------------------------------------------------------------------------------------------
async def list_flows(request: Request) -> Response:
    state = org_state(request)
    version = api_version(request)
    q = request.query_params.get("q")

    def evaluate() -> QueryOutcome:
        if q is not None:
            return execute(parse_soql(q), seed_catalog(state), version)
        latest = [seed_flow_row(d.latest, state.user_id) for d in state.flows.definitions()]
        summary = ObjectSchema(SEED_FLOW.name, SUMMARY_FIELDS)
        default = parse_soql(f"SELECT {', '.join(SUMMARY_FIELDS)} FROM Flow ORDER BY ApiName")
        return execute(default, QueryCatalog({"flow": summary}, lambda _s: latest), version)

    outcome = await state.call(evaluate)
    return json_response({"totalSize": outcome.total_size, "done": True, "records": outcome.records})


def _interview_inputs(body: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    view = body.get("FlowDefinitionView")
    api_name = view.get("ApiName") if isinstance(view, dict) else None
    if not isinstance(api_name, str) or not api_name:
        raise bad_request(
            "REQUIRED_FIELD_MISSING",
            "Required fields are missing: [FlowDefinitionView.ApiName]",
            ["FlowDefinitionView"],
        )
    raw_inputs = body.get("inputs", [])
    if raw_inputs is None:
        raw_inputs = []
    if not isinstance(raw_inputs, list):
        raise bad_request("JSON_PARSER_ERROR", "inputs must be an array of {name, value} objects", ["inputs"])
    inputs: dict[str, Any] = {}
    for item in raw_inputs:
        name = item.get("name") if isinstance(item, dict) else None
        if not isinstance(name, str) or not name or len(name) > MAX_INPUT_NAME:
            raise bad_request(
                "INVALID_INPUT", f"Each input needs a variable name and a value; got {item!r}", ["inputs"]
            )
        inputs[name] = item.get("value")
    return api_name, inputs


async def create_interview(request: Request) -> Response:
    """Start an interview of the flow's active (else latest) version; 201 with the seed's CreateResponse."""
    state = org_state(request)
    api_name, inputs = _interview_inputs(await read_json_object(request))
    definition = state.flows.by_name(api_name)
    if definition is None:
        raise bad_request("NOT_FOUND", f"No flow named {api_name} exists in this org.", ["FlowDefinitionView"])
    target = definition.runnable
    result: InvocationResult = await state.call(state.run_interview, target, inputs, user_id=session(request).user_id)
    outcome = result.outcome
    if outcome.status == "Error":
        raise OrgError(
            400,
            outcome.error_code or "UNKNOWN_EXCEPTION",
            outcome.error_message or FAULT_MESSAGE,
            [],
        )
    # A finished interview leaves no FlowInterview row behind (as in Salesforce); its outputs are in this body.
    return json_response(
        {
            "id": result.interview_id,
            "success": True,
            "errors": [],
            "interviewGuid": outcome.guid,
            "interviewStatus": outcome.status,
            "outputValues": outcome.outputs,
        },
        status=201,
    )


def routes() -> list[BaseRoute]:
    return [
        resource("/sobjects/Flow", GET=list_flows),
        resource("/sobjects/Flow/{id}", **flow_record(SEED_FLOW, seed_flow_row, (ACTIVE, "Obsolete"))),
        resource("/sobjects/FlowInterview", POST=create_interview),
    ]
