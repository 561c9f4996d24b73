"""The ten operation tools of the seed spec, as a table: name, schemas, wording, annotations, argument checks, and
each operation's own behaviour (how its result reads, which argument names a flow, whether it changes the flows)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from salesforce_flow_mcp.aliases import Args, JSONSchema
from salesforce_flow_mcp.salesforce.normalize import describe_failure
from salesforce_flow_mcp.sfid import API_NAME_PATTERN, SALESFORCE_ID_PATTERN

from .keyset import after_id, keyset_condition, keyset_rest
from .outcome import Outcome, as_is
from .result_bounds import ResultRule, bounded, bounded_describe, offset_hint
from .schemas import SUCCESS_SCHEMA, output_schema
from .validation import ArgumentError, check_flow_soql, require_api_name, require_record_id


@dataclass(frozen=True)
class Hints:
    read_only: bool
    destructive: bool = False
    idempotent: bool = True


READ = Hints(read_only=True)
CHANGE = Hints(read_only=False, destructive=True, idempotent=True)
RUN = Hints(read_only=False, destructive=True, idempotent=False)


@dataclass(frozen=True)
class OperationTool:
    name: str
    title: str
    description: str
    properties: dict[str, JSONSchema]
    # The shape of the result, relaxed from the seed's component (tests check results against it). Not sent in
    # tools/list: the description names what comes back, where hosts show it to the model.
    output: JSONSchema
    hints: Hints
    required: tuple[str, ...] = ()
    checks: tuple[Callable[[Args], None], ...] = field(default=())
    # How the route's answer becomes the tool's result (invoke_flow: a failed record makes the call an error).
    result: ResultRule = as_is
    # The flow API name the arguments name, if any: a NOT_FOUND then answers with the closest known flow names.
    flow_name: Callable[[Args], str | None] | None = None
    # A successful call changes which flows are active: the flow catalogue is refreshed right after.
    changes_flows: bool = False
    # Its `inputs` items get their records' attributes.type from the flow's describe (tools/flow_records.py).
    types_records: bool = False

    @property
    def input_schema(self) -> JSONSchema:
        schema: JSONSchema = {"type": "object", "properties": self.properties, "additionalProperties": False}
        if self.required:
            schema["required"] = list(self.required)
        return schema


def _record_id(description: str) -> JSONSchema:
    return {"type": "string", "pattern": SALESFORCE_ID_PATTERN, "description": description}


def _api_name(description: str) -> JSONSchema:
    return {"type": "string", "pattern": API_NAME_PATTERN, "maxLength": 255, "description": description}


def _check_id(arg: str) -> Callable[[Args], None]:
    def check(args: Args) -> None:
        if arg in args:
            require_record_id(arg, args[arg])

    return check


def _one_id(arg: str, schema: JSONSchema) -> dict[str, Any]:
    """The fields of an operation whose one argument is a record Id: the property, required, checked as an Id."""
    return {"properties": {arg: schema}, "required": (arg,), "checks": (_check_id(arg),)}


def _check_api_name(get: Callable[[Args], str | None], label: str) -> Callable[[Args], None]:
    def check(args: Args) -> None:
        value = get(args)
        if value is not None:
            require_api_name(label, value)

    return check


def _require_one_of(*names: str) -> Callable[[Args], None]:
    """At least one of these arguments: checked here, not with a root anyOf, which several hosts refuse."""

    def check(args: Args) -> None:
        if not any(name in args for name in names):
            raise ArgumentError(f"give at least one of {', '.join(names)}")

    return check


# What Salesforce documents for several inputs in one request (InvocableActionSettings.isPartialSaveAllowed;
# docs/salesforce-behaviour.md, "Several inputs, one transaction").
SHARED_TRANSACTION = (
    "All records of this call ran in one transaction: if the org's partial save for invocable actions is off, a "
    "failure rolls back every record, those reported as successful included; if it is on, Salesforce runs the "
    "successful ones again (up to three attempts) and keeps them. Check the records before running the flow again."
)


def _invoke_results(result: Any, args: Args) -> Outcome:
    """invoke_flow reports per-record results; any failed record makes the call an error, with all results kept."""
    if isinstance(result, dict):
        failed = [(i, r) for i, r in enumerate(result.get("outputs") or []) if not r.get("isSuccess")]
        if failed:
            total = len(result["outputs"])
            lines = [f"record {i}: {describe_failure(r)}" for i, r in failed]
            summary = f"{len(failed)} of {total} flow invocations failed: " + "; ".join(lines)
            if total > 1:
                summary += " " + SHARED_TRANSACTION
            return Outcome(result, is_error=True, message=summary)
    return Outcome(result)


def _arg(name: str) -> Callable[[Args], str | None]:
    def get(args: Args) -> str | None:
        value = args.get(name)
        return value if isinstance(value, str) else None

    return get


def _interview_flow(args: Args) -> str | None:
    view = args.get("FlowDefinitionView")
    value = view.get("ApiName") if isinstance(view, dict) else None
    return value if isinstance(value, str) else None


def _check_soql(required: bool) -> Callable[[Args], None]:
    """q checked as a read-only query over flow objects; with `after`, limited to the records after that Id."""

    def check(args: Args) -> None:
        q = (args.get("q") or "").strip()
        after = args.pop("after", None)
        if q.upper().startswith("SELECT") or required:
            args["q"] = check_flow_soql(q)
            if after is not None:
                args["q"] = after_id(args["q"], after)
        elif q or after is not None:
            # A bare condition becomes the WHERE clause of the default flow query: check it as such.
            condition = keyset_condition(q, after) if after is not None else q
            check_flow_soql(f"SELECT Id FROM Flow WHERE {condition}")
            args["q"] = condition

    return check


FLOW_ID = _record_id("Flow version Id (301...) from list_flows")
INTERVIEW_ID = _record_id("Paused FlowInterview Id (0Fo...)")
FLOW_API_NAME = _api_name("Flow API name, e.g. Route_Support_Case")
AFTER = _record_id("Records after this Id, in Id order (a cut page's truncated.after)")

OPERATION_TOOLS: tuple[OperationTool, ...] = (
    OperationTool(
        name="list_flows",
        title="List flows",
        description=(
            "The org's flow versions in Id order: Id, ApiName, Label, ProcessType, Status, VersionNumber (records, "
            "totalSize, done). q: a SOQL SELECT over Flow, or a condition such as Status = 'Active' or ApiName LIKE "
            "'Order%'."
        ),
        properties={
            "q": {"type": "string", "maxLength": 20000, "description": "SELECT or WHERE condition"},
            "after": AFTER,
        },
        output=output_schema("FlowListResponse"),
        hints=READ,
        checks=(_check_soql(required=False),),
        result=bounded("records", keyset_rest(condition_in_id_order=True)),
    ),
    OperationTool(
        name="get_flow",
        title="Get a flow",
        description=(
            "One flow version: Id, ApiName (ns__Name when namespaced), Label, Description, DefinitionDescription, "
            "ProcessType, Status, VersionNumber, and which version is active."
        ),
        **_one_id("flowId", FLOW_ID),
        output=output_schema("FlowDefinition"),
        hints=READ,
    ),
    OperationTool(
        name="update_flow",
        title="Activate, deactivate or describe a flow",
        description=(
            "Status Active activates this version (the one active before becomes obsolete); Obsolete deactivates "
            "the flow only when this version is the active one. Description replaces the definition's description. "
            "Changes the org for every user; the result says which version is active and what changed."
        ),
        properties={
            "flowId": FLOW_ID,
            "Description": {"type": "string", "maxLength": 4000, "description": "New description"},
            "Status": {"type": "string", "enum": ["Active", "Obsolete"]},
        },
        required=("flowId",),
        output=SUCCESS_SCHEMA,
        hints=CHANGE,
        checks=(_check_id("flowId"), _require_one_of("Description", "Status")),
        changes_flows=True,
    ),
    OperationTool(
        name="create_flow_interview",
        title="Start a flow interview",
        description=(
            "Start an autolaunched flow with input variables. One that reaches a Wait stays paused: id is its "
            "FlowInterview Id (get_flow_interview, delete_flow_interview). One that runs to the end is not stored: "
            "id is null, its outputs come back. The flow may write records."
        ),
        properties={
            "FlowDefinitionView": {
                "type": "object",
                "properties": {"ApiName": FLOW_API_NAME},
                "required": ["ApiName"],
                "additionalProperties": False,
            },
            "inputs": {
                "type": "array",
                "maxItems": 500,
                "description": '[{"name": "varName", "value": ...}]',
                "items": {
                    "type": "object",
                    "properties": {"name": {"type": "string", "minLength": 1}, "value": {}},
                    "required": ["name"],
                    "additionalProperties": False,
                },
            },
        },
        required=("FlowDefinitionView",),
        output=output_schema("CreateResponse"),
        hints=RUN,
        checks=(_check_api_name(_interview_flow, "FlowDefinitionView.ApiName"),),
        flow_name=_interview_flow,
    ),
    OperationTool(
        name="get_flow_interview",
        title="Read a flow interview",
        description="A paused flow interview: CurrentElement, InterviewStatus, InterviewLabel, PauseLabel.",
        **_one_id("interviewId", INTERVIEW_ID),
        output=output_schema("FlowInterview"),
        hints=READ,
    ),
    OperationTool(
        name="delete_flow_interview",
        title="Delete a flow interview",
        description="Delete a paused flow interview; it cannot be resumed. Returns success.",
        **_one_id("interviewId", INTERVIEW_ID),
        output=SUCCESS_SCHEMA,
        hints=CHANGE,
    ),
    OperationTool(
        name="list_invocable_flows",
        title="List invocable flows",
        description="Flows that run as actions (autolaunched, an active version): actions, each name, label, type.",
        properties={},
        output=output_schema("InvocableActionList"),
        hints=READ,
        result=bounded(
            "actions",
            offset_hint(
                "Page through them with query_flows: SELECT Id, ApiName, Label FROM FlowDefinitionView WHERE "
                "ActiveVersionId != null ORDER BY Id; each cut page names the after to send next."
            ),
        ),
    ),
    OperationTool(
        name="get_invocable_flow_metadata",
        title="Describe an invocable flow",
        description=(
            "An invocable flow's inputs and outputs: name, type, required, maxOccurs (> 1: a list), for invoke_flow."
        ),
        properties={
            "flowApiName": FLOW_API_NAME,
            "offset": {"type": "integer", "minimum": 0, "description": "A cut page's truncated.offset"},
        },
        required=("flowApiName",),
        output=output_schema("InvocableFlowMetadata"),
        hints=READ,
        result=bounded_describe(),
        checks=(_check_api_name(_arg("flowApiName"), "flowApiName"),),
        flow_name=_arg("flowApiName"),
    ),
    OperationTool(
        name="invoke_flow",
        title="Invoke a flow",
        description=(
            "Run a flow once per inputs item (input name -> value). Returns outputs: one {isSuccess, outputValues, "
            "errors} per item, in order. All items run in one Salesforce transaction: if one fails, the org's "
            "partial-save setting decides whether the others are kept, so isSuccess alone does not mean saved. May "
            "write records."
        ),
        properties={
            "flowApiName": FLOW_API_NAME,
            "inputs": {
                "type": "array",
                "minItems": 1,
                "maxItems": 200,
                "items": {"type": "object"},  # any input names: the flow's (JSON Schema's default)
            },
        },
        required=("flowApiName", "inputs"),
        output=output_schema("InvokeFlowResponse"),
        hints=RUN,
        checks=(_check_api_name(_arg("flowApiName"), "flowApiName"),),
        result=_invoke_results,
        flow_name=_arg("flowApiName"),
        types_records=True,
    ),
    OperationTool(
        name="query_flows",
        title="Query flow records with SOQL",
        description=(
            "SOQL SELECT over flow objects (Flow, FlowDefinition, FlowDefinitionView, FlowVersionView, "
            "FlowInterview, ...). Returns records, totalSize, done (false: more remain; truncated: how to get "
            "them)."
        ),
        properties={"q": {"type": "string", "minLength": 1, "maxLength": 20000}, "after": AFTER},
        required=("q",),
        output=output_schema("QueryResult"),
        hints=READ,
        checks=(_check_soql(required=True),),
        result=bounded("records", keyset_rest(condition_in_id_order=False)),
    ),
)
