"""`demo`: start `serve --demo` as a subprocess and drive it with the official MCP client over stdio.

The transcript shows what an agent sees: the tool list, a flow's own tool, a batch invocation, a paused interview
read and deleted, a SOQL query, and a bad call answered as a tool error.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from dataclasses import dataclass
from typing import TextIO

from mcp import Client, StdioServerParameters

from .aliases import Args

# Demo flows shipped with the embedded org (server/localorg/demo_flows).
QUOTE_FLOW = "Quote_Discount_Calculator"
# An autolaunched flow with a Wait: it pauses, so its interview can be read and deleted (real orgs start only
# autolaunched flows over REST; screen flows need a person).
PAUSING_FLOW = "Schedule_Follow_Up"


def _names(result: Args) -> str:
    return ", ".join(a["name"] for a in result["actions"])


def _parameters(result: Args) -> str:
    def line(p: Args) -> str:
        many = f"[] (up to {p['maxOccurs']})" if (p.get("maxOccurs") or 1) > 1 else ""
        kind = p.get("sobjectType") or p.get("type")
        return f"{p['name']}: {kind}{many}"

    inputs = "; ".join(line(p) for p in result.get("inputs") or [])
    outputs = "; ".join(line(p) for p in result.get("outputs") or [])
    return f"inputs  {inputs}\noutputs {outputs}"


def _per_record(result: Args) -> str:
    lines = []
    for i, record in enumerate(result["outputs"]):
        values = {k: v for k, v in (record.get("outputValues") or {}).items() if k != "Flow__InterviewGuid"}
        lines.append(f"record {i}: isSuccess={record['isSuccess']} {json.dumps(values)}")
    return "\n".join(lines)


def _pick(*keys: str) -> Callable[[Args], str]:
    return lambda result: json.dumps({k: result.get(k) for k in keys})


def _records(result: Args) -> str:
    return f"{result['totalSize']} record(s): " + json.dumps(
        [{k: v for k, v in r.items() if k != "attributes"} for r in result["records"]]
    )


@dataclass(frozen=True)
class Step:
    say: str
    tool: str
    arguments: Callable[[Args], Args]  # built from what earlier steps returned
    show: Callable[[Args], str]
    expect_error: bool = False


STEPS: tuple[Step, ...] = (
    Step("Which flows can an agent invoke?", "list_invocable_flows", lambda _: {}, _names),
    Step(
        f"What does {QUOTE_FLOW} take and return?",
        "get_invocable_flow_metadata",
        lambda _: {"flowApiName": QUOTE_FLOW},
        _parameters,
    ),
    Step(
        "Each invocable flow is a tool of its own, with a JSON Schema from its metadata",
        "flow_Route_Support_Case",
        lambda _: {"priority": "High", "subject": "Checkout outage", "isVipCustomer": False},
        _pick("assignedQueue", "slaHours", "escalated", "Flow__InterviewStatus"),
    ),
    Step(
        f"Invoke {QUOTE_FLOW} for two quotes in one request",
        "invoke_flow",
        lambda _: {
            "flowApiName": QUOTE_FLOW,
            "inputs": [
                {
                    "quoteName": "Q-1001",
                    "quantity": 10,
                    "unitPrice": 25,
                    "isPreferredCustomer": True,
                    "validUntil": "2026-12-31",
                    "productCodes": ["BIKE-1", "HELMET-2"],
                    "account": {"attributes": {"type": "Account"}, "Name": "Acme Corp"},
                },
                {"quoteName": "Q-1002", "quantity": 120, "unitPrice": 4.5, "isPreferredCustomer": False},
            ],
        },
        _per_record,
    ),
    Step(
        f"Start {PAUSING_FLOW}: it pauses at its Wait element",
        "create_flow_interview",
        lambda _: {
            "FlowDefinitionView": {"ApiName": PAUSING_FLOW},
            "inputs": [{"name": "subject", "value": "Call Acme"}],
        },
        _pick("id", "success", "interviewStatus", "outputValues"),
    ),
    Step(
        "Read the paused interview",
        "get_flow_interview",
        lambda seen: {"interviewId": seen["create_flow_interview"]["id"]},
        _pick("Id", "InterviewLabel", "CurrentElement", "InterviewStatus", "PauseLabel", "HasFinished"),
    ),
    Step(
        "Query paused interviews with SOQL",
        "query_flows",
        lambda _: {"q": "SELECT Id, CurrentElement, InterviewStatus FROM FlowInterview"},
        _records,
    ),
    Step(
        "Clean up: delete the interview",
        "delete_flow_interview",
        lambda seen: {"interviewId": seen["create_flow_interview"]["id"]},
        _pick("success"),
    ),
    Step(
        "Bad input is a tool error the agent can act on, not a crash",
        "get_flow",
        lambda _: {"flowId": "../../sobjects/Account/001"},
        _pick(),
        expect_error=True,
    ),
)


def _indent(text: str) -> str:
    return "\n".join("     " + line for line in text.splitlines())


async def run_demo(dialect: str = "salesforce", out: TextIO | None = None) -> int:
    out = out or sys.stdout
    env = {**os.environ, "SALESFORCE_API_DIALECT": dialect}
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "salesforce_flow_mcp", "serve", "--demo"], env=env
    )
    print(f"Starting `salesforce-flow-mcp serve --demo` over stdio (route dialect: {dialect})", file=out)
    failures = 0
    async with Client(server, mode="legacy") as client:
        name, version = (client.server_info.name, client.server_info.version) if client.server_info else ("?", "")
        print(f"Connected: {name} {version}, protocol {client.protocol_version}", file=out)
        tools = (await client.list_tools()).tools
        print(f"\n== tools/list: {len(tools)} tools", file=out)
        for tool in tools:
            hints = tool.annotations
            kind = "read-only" if hints and hints.read_only_hint else "changes data"
            print(f"     {tool.name:<34} {kind:<13} {tool.title or ''}", file=out)
        seen: Args = {}
        for number, step in enumerate(STEPS, start=1):
            print(f"\n== {number}. {step.say}", file=out)
            try:
                arguments = step.arguments(seen)
            except KeyError as missing:
                print(f"  (skipped: needs the result of {missing})", file=out)
                failures += 1
                continue
            print(f"  -> {step.tool} {json.dumps(arguments)}", file=out)
            result = await client.call_tool(step.tool, arguments)
            if result.is_error:
                text = " ".join(c.text for c in result.content if hasattr(c, "text"))
                print(f"  <- isError: {text}", file=out)
                failures += not step.expect_error
            else:
                seen[step.tool] = result.structured_content
                print("  <- " + _indent(step.show(result.structured_content or {})).lstrip(), file=out)
                failures += step.expect_error
    print(f"\nDemo finished: {len(STEPS)} calls, {failures} unexpected results.", file=out)
    return 1 if failures else 0
