"""Invocable flow actions: /actions/custom, /actions/custom/flow[/{name}] (list, describe, invoke)."""

from __future__ import annotations

from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute

from ..errors import bad_request, json_response, not_found
from ..flows.engine.flow_engine import FAULT_MESSAGE
from ..store.flow_registry import FlowVersion
from ..store.state import InvocationResult, OrgState
from .common import api_version, flow_api_name, org_state, read_json_object, resource, session

MAX_INPUTS = 200  # Salesforce documents no cap; 200 matches a trigger batch and keeps a request bounded
# InterviewOutcome.status -> Flow__InterviewStatus (Created, Started, Finished, Error, Waiting)
INTERVIEW_STATUS = {"Finished": "Finished", "Paused": "Waiting"}


async def custom_actions(request: Request) -> Response:
    return json_response({"flow": f"/services/data/v{api_version(request)}/actions/custom/flow"})


async def list_flow_actions(request: Request) -> Response:
    """Every invocable flow with an active version."""
    version = api_version(request)
    actions = [
        d.active.summary(version)
        for d in org_state(request).flows.definitions()
        if d.active is not None and d.active.invocable
    ]
    actions.sort(key=lambda a: str(a["name"]).lower())
    return json_response({"actions": actions})


def _action_version(request: Request) -> FlowVersion:
    """The version the caller runs (facts §1: a flow admin the latest, a flow user the active one, else the latest);
    404 when unknown or not invocable."""
    state = org_state(request)
    name = flow_api_name(request.path_params["name"])
    definition = state.flows.by_name(name)
    version = None if definition is None else definition.runnable_for(flow_admin=state.is_flow_admin(session(request)))
    if version is None or not version.invocable:
        raise not_found(f"The action flow/{name} does not exist or is not an invocable flow.")
    return version


async def describe_flow_action(request: Request) -> Response:
    version = _action_version(request)
    return json_response(version.describe(api_version(request)))


def _inputs(body: dict[str, Any]) -> list[Any]:
    inputs = body.get("inputs")
    if not isinstance(inputs, list):
        raise bad_request(
            "INVALID_INPUT" if "inputs" in body else "JSON_PARSER_ERROR",
            'The request body needs an "inputs" array with one object of flow input values per invocation, '
            'e.g. {"inputs": [{"recordId": "001..."}]}.',
            ["inputs"],
        )
    if len(inputs) > MAX_INPUTS:
        raise bad_request(
            "LIMIT_EXCEEDED",
            f"Too many inputs: {len(inputs)}. One request can invoke a flow at most {MAX_INPUTS} times; "
            "split the inputs over several requests.",
            ["inputs"],
        )
    return inputs


def _error_item(name: str, code: str, message: str) -> dict[str, Any]:
    return {
        "actionName": name,
        "errors": [{"statusCode": code, "message": message, "fields": []}],
        "invocationId": None,
        "isSuccess": False,
        "outputValues": None,
        "sortOrder": -1,
        "version": 1,
    }


def _result_item(name: str, result: InvocationResult) -> dict[str, Any]:
    outcome = result.outcome
    if outcome.status == "Error":
        return _error_item(name, outcome.error_code or "UNKNOWN_EXCEPTION", outcome.error_message or FAULT_MESSAGE)
    outputs = dict(outcome.outputs)
    outputs["Flow__InterviewGuid"] = outcome.guid
    outputs["Flow__InterviewStatus"] = INTERVIEW_STATUS.get(outcome.status, outcome.status)
    return {
        "actionName": name,
        "errors": None,
        "invocationId": None,
        "isSuccess": True,
        "outputValues": outputs,
        "sortOrder": -1,
        "version": 1,
    }


def run_batch(state: OrgState, version: FlowVersion, inputs: list[Any], user_id: str) -> list[dict[str, Any]]:
    """All inputs run in one transaction, sharing its governor limits; whether one failed input undoes the others
    is the org's partial-save setting (flows/engine/batch.py)."""
    return [_result_item(version.api_name, result) for result in state.invoke(version, inputs, user_id=user_id)]


async def invoke_flow_action(request: Request) -> Response:
    """An array with one result per input; HTTP 400 when any input failed (the whole array still comes back)."""
    state = org_state(request)
    version = _action_version(request)
    inputs = _inputs(await read_json_object(request))
    results = await state.call(run_batch, state, version, inputs, session(request).user_id)
    failed = any(not r["isSuccess"] for r in results)
    return json_response(results, status=400 if failed else 200)


def routes() -> list[BaseRoute]:
    return [
        resource("/actions/custom", GET=custom_actions),
        resource("/actions/custom/flow", GET=list_flow_actions),
        resource("/actions/custom/flow/{name}", GET=describe_flow_action, POST=invoke_flow_action),
    ]
