"""`demo`: start `serve --demo` as a subprocess and drive it with the official MCP client over stdio.

The transcript shows what an agent sees: the tool list, a flow invocation, a paused screen-flow interview, a query.
"""

from __future__ import annotations

import json
import os
import sys
import textwrap
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from mcp import Client, StdioServerParameters

# Demo flows shipped with the embedded org (server/localorg/demo_flows).
INVOCABLE_FLOW = "Quote_Discount_Calculator"
# An autolaunched flow with a Wait: it pauses, so its interview can be read and deleted (real orgs start only
# autolaunched flows over REST; screen flows need a person).
PAUSING_FLOW = "Schedule_Follow_Up"

Args = dict[str, Any]


@dataclass(frozen=True)
class Step:
    say: str
    tool: str
    arguments: Callable[[Args], Args]  # built from what earlier steps returned


STEPS: tuple[Step, ...] = (
    Step("Which flows can an agent invoke?", "list_invocable_flows", lambda _: {}),
    Step(
        f"What does {INVOCABLE_FLOW} take and return?",
        "get_invocable_flow_metadata",
        lambda _: {"flowApiName": INVOCABLE_FLOW},
    ),
    Step(
        f"Invoke {INVOCABLE_FLOW} for two quotes in one request",
        "invoke_flow",
        lambda _: {
            "flowApiName": INVOCABLE_FLOW,
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
    ),
    Step(
        f"Start {PAUSING_FLOW}: it pauses at its Wait element",
        "create_flow_interview",
        lambda _: {
            "FlowDefinitionView": {"ApiName": PAUSING_FLOW},
            "inputs": [{"name": "subject", "value": "Call Acme"}],
        },
    ),
    Step(
        "Read the paused interview",
        "get_flow_interview",
        lambda seen: {"interviewId": seen["create_flow_interview"]["id"]},
    ),
    Step(
        "Query paused interviews with SOQL",
        "query_flows",
        lambda _: {"q": "SELECT Id, InterviewLabel, CurrentElement, InterviewStatus FROM FlowInterview"},
    ),
    Step(
        "Clean up: delete the interview",
        "delete_flow_interview",
        lambda seen: {"interviewId": seen["create_flow_interview"]["id"]},
    ),
    Step("Bad input is a tool error, not a crash", "get_flow", lambda _: {"flowId": "../../sobjects/Account/001"}),
)


def _show(value: Any, limit: int = 1400) -> str:
    text = json.dumps(value, indent=2, ensure_ascii=False)
    if len(text) > limit:
        text = text[:limit] + "\n  ... (truncated)"
    return textwrap.indent(text, "    ")


async def run_demo(dialect: str = "salesforce", out: Any = None) -> int:
    out = out or sys.stdout
    env = {**os.environ, "SALESFORCE_API_DIALECT": dialect}
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "salesforce_flow_mcp", "serve", "--demo"], env=env
    )
    print(f"Starting `salesforce-flow-mcp serve --demo` over stdio (dialect: {dialect})\n", file=out)
    failures = 0
    async with Client(server, mode="legacy") as client:
        name, version = (client.server_info.name, client.server_info.version) if client.server_info else ("?", "")
        print(f"Connected: {name} {version}, protocol {client.protocol_version}", file=out)
        tools = (await client.list_tools()).tools
        print(f"\n== tools/list: {len(tools)} tools", file=out)
        for tool in tools:
            hints = tool.annotations
            kind = "read-only" if hints and hints.read_only_hint else "changes data"
            print(f"    {tool.name:<34} {kind:<13} {tool.title or ''}", file=out)
        seen: Args = {}
        for number, step in enumerate(STEPS, start=1):
            try:
                arguments = step.arguments(seen)
            except KeyError as missing:
                print(f"\n== {number}. {step.say}\n  (skipped: needs the result of {missing})", file=out)
                failures += 1
                continue
            print(f"\n== {number}. {step.say}\n  -> {step.tool} {json.dumps(arguments)}", file=out)
            result = await client.call_tool(step.tool, arguments)
            if result.is_error:
                text = " ".join(c.text for c in result.content if hasattr(c, "text"))
                print(f"  <- isError: {text}", file=out)
                failures += step.tool != "get_flow"  # the last step is meant to fail
            else:
                seen[step.tool] = result.structured_content
                print("  <- structuredContent:\n" + _show(result.structured_content), file=out)
    print(f"\nDemo finished: {len(STEPS)} calls, {failures} unexpected failures.", file=out)
    return 1 if failures else 0
