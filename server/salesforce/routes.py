"""ONE routing table, two dialects: which HTTP request(s) serve each seed operation.

`seed` uses the seed spec's paths verbatim; `salesforce` is what a real org serves (Flow is a Tooling object,
interviews start by invoking the flow, activation goes through FlowDefinition). Arguments reaching this module are
already validated by the tool layer; path parameters are still percent-encoded here so nothing can reach another
endpoint.
"""

from __future__ import annotations

import string
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from ..aliases import Args, Dialect
from . import flow_versions, normalize, soql
from .action_answers import ActionAnswer, first_error_code, read_action_answer
from .client import SalesforceClient
from .definition_view import read_flow_versions
from .errors import SalesforceAPIError, SalesforceError

Handler = Callable[[SalesforceClient, Args], Awaitable[Any]]

# The invocable flow actions: listed, described and invoked at these paths in both dialects.
FLOW_ACTIONS_PATH = "/actions/custom/flow"
FLOW_ACTION_PATH = FLOW_ACTIONS_PATH + "/{flowApiName}"

SEED_FLOW_FIELDS = "Id, ApiName, Label, ProcessType, Status, VersionNumber"


def fill_path(template: str, args: Args) -> str:
    names = [field for _, field, _, _ in string.Formatter().parse(template) if field]
    return template.format(**{name: quote(str(args[name]), safe="") for name in names})


@dataclass(frozen=True)
class Call:
    """One request whose answer, normalised, is the tool's result."""

    method: str
    path: str
    params: Callable[[Args], dict[str, str]] | None = None
    body: Callable[[Args], Any] | None = None
    normalize: Callable[[Any], Any] = lambda body: body
    accept_statuses: tuple[int, ...] = ()

    async def __call__(self, client: SalesforceClient, args: Args) -> Any:
        reply = await client.request(
            self.method,
            fill_path(self.path, args),
            params=self.params(args) if self.params else None,
            json_body=self.body(args) if self.body else None,
            accept_statuses=self.accept_statuses,
        )
        return self.normalize(reply.body)


def _flow_inputs(args: Args) -> dict[str, Any]:
    """The seed's `inputs: [{name, value}]` as one invocable-action input record."""
    return {item["name"]: item.get("value") for item in args.get("inputs") or []}


# --- the salesforce dialect's multi-request operations -------------------------------------------------------------


async def _sf_create_interview(client: SalesforceClient, args: Args) -> Any:
    """Interviews start by invoking the flow; a paused one is then found as a FlowInterview record by its GUID."""
    api_name = args["FlowDefinitionView"]["ApiName"]
    answer = await invoke_flow_action(client, api_name, [_flow_inputs(args)])
    result = answer.results[0]
    if not result.get("isSuccess"):
        raise SalesforceAPIError(
            answer.status,
            first_error_code(result),
            normalize.describe_failure(result),
            errors=result.get("errors") or [],
        )
    outputs = result.get("outputValues") or {}
    guid = outputs.get("Flow__InterviewGuid")
    status = outputs.get("Flow__InterviewStatus")
    record_id = None
    if guid and status in ("Waiting", "Paused", "Started"):
        found = await client.query(f"SELECT Id FROM FlowInterview WHERE Guid = {soql.literal(guid)}")
        if found.get("records"):
            record_id = found["records"][0]["Id"]
    return {
        # Only a paused interview is a FlowInterview record; a GUID here would be refused by get_flow_interview.
        "id": record_id,
        "success": True,
        "errors": [],
        "interviewGuid": guid,
        "interviewStatus": status,
        "outputValues": outputs,
        "message": _interview_message(status, record_id),
    }


def _interview_message(status: Any, record_id: str | None) -> str:
    if record_id:
        return f"The interview is paused ({status}): get_flow_interview reads it, delete_flow_interview removes it."
    if status in ("Waiting", "Paused", "Started"):
        return f"The interview reported {status} but no FlowInterview record was found for its GUID."
    return (
        f"The interview ran to the end ({status}). Salesforce does not store a finished interview, so there is no "
        "FlowInterview record (id is null); its outputs are in outputValues."
    )


async def _seed_create_interview(client: SalesforceClient, args: Args) -> Any:
    body = {"FlowDefinitionView": {"ApiName": args["FlowDefinitionView"]["ApiName"]}}
    if args.get("inputs"):
        body["inputs"] = args["inputs"]
    reply = await client.request("POST", "/sobjects/FlowInterview", json_body=body)
    return reply.body


async def _query(client: SalesforceClient, args: Args) -> Any:
    return await client.query(args["q"], tooling=soql.is_tooling_query(args["q"]))


async def _seed_query(client: SalesforceClient, args: Args) -> Any:
    return await client.query(args["q"])


async def invoke_flow_action(client: SalesforceClient, api_name: str, inputs: list[dict[str, Any]]) -> ActionAnswer:
    """POST the inputs to the flow's action: one result per input, or the request-level error raised."""
    reply = await client.request(
        "POST",
        fill_path(FLOW_ACTION_PATH, {"flowApiName": api_name}),
        json_body={"inputs": inputs},
        accept_statuses=(400,),
    )
    return read_action_answer(reply, len(inputs))


async def _invoke(client: SalesforceClient, args: Args) -> Any:
    answer = await invoke_flow_action(client, args["flowApiName"], args["inputs"])
    return normalize.invoke_results(answer.results)


async def _list_invocable_with_status(client: SalesforceClient, args: Args) -> Any:
    """The flow actions, each with which of its versions runs (FlowDefinitionView: one more request)."""
    listing = await client.get(FLOW_ACTIONS_PATH)
    try:
        versions = await read_flow_versions(client)
    except SalesforceError:
        return listing  # the list still answers; only the version status is missing
    for action in (listing or {}).get("actions") or []:
        found = versions.get(str(action.get("name"))) if isinstance(action, dict) else None
        if found is not None:
            action["versionStatus"] = found.status()
    return listing


# operation -> dialect -> handler. Shared entries are the same object in both columns.
_describe_invocable = Call("GET", FLOW_ACTION_PATH)
_get_interview = Call("GET", "/sobjects/FlowInterview/{interviewId}", normalize=normalize.interview)
_delete_interview = Call("DELETE", "/sobjects/FlowInterview/{interviewId}", normalize=lambda _: normalize.success())

ROUTES: dict[str, dict[Dialect, Handler]] = {
    "list_flows": {
        "seed": Call(
            "GET",
            "/sobjects/Flow",
            params=lambda a: {"q": flow_versions.list_flows_query(SEED_FLOW_FIELDS, a)},
            normalize=normalize.flow_list,
        ),
        "salesforce": flow_versions.list_flows,
    },
    "get_flow": {
        "seed": Call("GET", "/sobjects/Flow/{flowId}"),
        "salesforce": flow_versions.get_flow,
    },
    "update_flow": {
        "seed": Call(
            "PATCH",
            "/sobjects/Flow/{flowId}",
            body=lambda a: {k: a[k] for k in ("Description", "Status") if k in a},
            normalize=lambda _: normalize.success(),
        ),
        "salesforce": flow_versions.update_flow,
    },
    "create_flow_interview": {"seed": _seed_create_interview, "salesforce": _sf_create_interview},
    "get_flow_interview": {"seed": _get_interview, "salesforce": _get_interview},
    "delete_flow_interview": {"seed": _delete_interview, "salesforce": _delete_interview},
    "list_invocable_flows": {"seed": _list_invocable_with_status, "salesforce": _list_invocable_with_status},
    "get_invocable_flow_metadata": {"seed": _describe_invocable, "salesforce": _describe_invocable},
    "invoke_flow": {"seed": _invoke, "salesforce": _invoke},
    "query_flows": {"seed": _seed_query, "salesforce": _query},
}


def handler_for(operation: str, dialect: Dialect) -> Handler:
    return ROUTES[operation][dialect]
