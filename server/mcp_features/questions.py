"""The one sentence a confirmation shows: what will happen, to which flow, on which org, for how many records."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Args = dict[str, Any]


def _records(count: int) -> str:
    return f"{count} record" + ("" if count == 1 else "s")


def _update_flow(args: Args) -> str:
    status = args.get("Status")
    what = {"Active": "Activate", "Obsolete": "Deactivate"}.get(str(status), "Change")
    sentence = f"{what} flow version {args.get('flowId')}"
    if args.get("Description") is not None:
        sentence += " and replace its description" if status else "'s description"
    return sentence + " (for every user)"


def _invoke_flow(args: Args) -> str:
    return f"Run flow {args.get('flowApiName')} for {_records(len(args.get('inputs') or []))}"


def _create_interview(args: Args) -> str:
    flow = (args.get("FlowDefinitionView") or {}).get("ApiName")
    return f"Start flow {flow} with {len(args.get('inputs') or [])} input variable(s)"


# Tool name -> what its call does, in words; flow tools and anything else fall back to the generic forms below.
SENTENCES: dict[str, Callable[[Args], str]] = {
    "update_flow": _update_flow,
    "delete_flow_interview": lambda a: f"Delete paused flow interview {a.get('interviewId')} (it cannot be resumed)",
    "invoke_flow": _invoke_flow,
    "create_flow_interview": _create_interview,
}


def question(tool: str, args: Args, org_label: str, flow_api_name: str | None) -> str:
    sentence = SENTENCES.get(tool)
    if sentence is not None:
        what = sentence(args)
    elif flow_api_name is not None and tool.startswith("flow_"):
        what = f"Run flow {flow_api_name} for {_records(1)}"
    else:
        what = f"Call {tool}"
    return f"{what} on {org_label}?"
