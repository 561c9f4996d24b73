"""Prompts for admins and agent builders: run a flow safely, find why an interview failed, see what automation runs
on an object. Their arguments complete from the org (see completions)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import mcp_types as types
from mcp.shared.exceptions import MCPError

from .resources import flow_uri

Args = dict[str, str]


@dataclass(frozen=True)
class PromptSpec:
    prompt: types.Prompt
    render: Callable[[Args], list[types.PromptMessage]]


def _user(text: str, *links: str) -> list[types.PromptMessage]:
    content: list[types.PromptMessage] = [
        types.PromptMessage(role="user", content=types.TextContent(type="text", text=text))
    ]
    for uri in links:
        link = types.ResourceLink(
            type="resource_link", uri=uri, name=uri.rsplit("/", 1)[-1], mime_type="application/json"
        )
        content.append(types.PromptMessage(role="user", content=link))
    return content


def _run_flow_safely(args: Args) -> list[types.PromptMessage]:
    flow = args["flowApiName"]
    chosen = ""
    if args.get("input") and args.get("value"):
        chosen = f" The user chose {args['input']} = {args['value']!r}."
    text = (
        f"Run the Salesforce flow {flow} safely.{chosen}\n"
        f"1. Read the resource {flow_uri(flow)} (or call get_invocable_flow_metadata) to learn its inputs, outputs "
        "and which objects it reads and writes.\n"
        "2. If the flow's file (*.flow-meta.xml) is available, try it first on the embedded org: "
        "`salesforce-flow-mcp org serve --flows <folder>` and call it there with the same inputs; compare the outputs "
        "with what the user expects.\n"
        "3. Show the user, in one sentence, what will run: the flow, the org, the inputs and how many records. "
        "Wait for a clear yes.\n"
        f"4. Run it once with flow_{flow} (or invoke_flow). Never repeat a call that reported 'still running on the "
        "org': read the call resource it names instead. Report the outputs and any per-record errors."
    )
    return _user(text, flow_uri(flow))


def _why_did_interview_fail(args: Args) -> list[types.PromptMessage]:
    target = args.get("interviewId")
    where = f"WHERE Id = '{target}'" if target else "WHERE InterviewStatus = 'Error' ORDER BY LastModifiedDate DESC"
    text = (
        "Find out why a flow interview failed.\n"
        f"1. Call query_flows with: SELECT Id, Name, InterviewLabel, InterviewStatus, CurrentElement, PauseLabel, "
        f"LastModifiedDate FROM FlowInterview {where} LIMIT 10\n"
        "   (FlowInterview.Error, the error message, exists from API version 62.0: add it to the SELECT unless the "
        "server is pinned to an older --api-version; an INVALID_FIELD answer means it is.)\n"
        "2. CurrentElement is the element where it stopped; read the flow's resource for what that element does.\n"
        "3. Explain the cause in plain words and what to change (an input, a record, the flow). Do not delete or "
        "resume the interview unless the user asks."
    )
    return _user(text)


def _automation_on_object(args: Args) -> list[types.PromptMessage]:
    target = args["objectName"]
    text = (
        f"List the automation that runs on the {target} object.\n"
        "1. Call query_flows with: SELECT ApiName, Label, ProcessType, TriggerType, IsActive, LastModifiedDate FROM "
        f"FlowDefinitionView WHERE TriggerObjectOrEventLabel = '{target}' ORDER BY ApiName\n"
        "2. Also list the invocable flows (list_invocable_flows) whose resources say they read or write "
        f"{target}.\n"
        "3. Group them: record-triggered (before/after save), scheduled, invocable; say which are active."
    )
    return _user(text)


def _argument(name: str, description: str, required: bool) -> types.PromptArgument:
    return types.PromptArgument(name=name, description=description, required=required)


PROMPTS: dict[str, PromptSpec] = {
    spec.prompt.name: spec
    for spec in (
        PromptSpec(
            types.Prompt(
                name="run_flow_safely",
                title="Run a flow safely",
                description="Describe the flow, try it on the embedded org, confirm with the user, then run it once.",
                arguments=[
                    _argument("flowApiName", "API name of an invocable flow", True),
                    _argument("input", "A picklist input to set (completes from the flow's inputs)", False),
                    _argument("value", "Its value (completes from the picklist's values)", False),
                ],
            ),
            _run_flow_safely,
        ),
        PromptSpec(
            types.Prompt(
                name="why_did_interview_fail",
                title="Why did this flow interview fail?",
                description="Read the FlowInterview and its error fields and explain the failure.",
                arguments=[
                    _argument("interviewId", "Id of the FlowInterview (0Fo...); empty: the latest failed", False)
                ],
            ),
            _why_did_interview_fail,
        ),
        PromptSpec(
            types.Prompt(
                name="automation_on_object",
                title="What automation runs on this object?",
                description="The flows triggered by an object, and the invocable flows that read or write it.",
                arguments=[_argument("objectName", "An object label, e.g. Case or Account", True)],
            ),
            _automation_on_object,
        ),
    )
}


async def list_prompts(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListPromptsResult:
    return types.ListPromptsResult(prompts=[spec.prompt for spec in PROMPTS.values()])


async def get_prompt(ctx: Any, params: types.GetPromptRequestParams) -> types.GetPromptResult:
    spec = PROMPTS.get(params.name)
    if spec is None:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Unknown prompt {params.name!r}; prompts/list names them")
    args = {k: v for k, v in (params.arguments or {}).items() if v}
    missing = [a.name for a in spec.prompt.arguments or [] if a.required and a.name not in args]
    if missing:
        raise MCPError(code=types.INVALID_PARAMS, message=f"Prompt {params.name} needs {', '.join(missing)}")
    _check_values(args)
    return types.GetPromptResult(description=spec.prompt.description, messages=spec.render(args))


def _check_values(args: Args) -> None:
    """Arguments end up in SOQL the agent is told to run: only names and Ids, nothing that could close a quote."""
    from salesforce_flow_mcp.sfid import is_api_name, is_salesforce_id

    for name, value in args.items():
        ok = is_salesforce_id(value) if name == "interviewId" else (name == "value" and "'" not in value)
        ok = ok or (name != "interviewId" and is_api_name(value.replace(" ", "_")))
        if not ok:
            raise MCPError(code=types.INVALID_PARAMS, message=f"Prompt argument {name}={value!r} is not a valid name")
