"""The floor: the least an mcp 2.x server over stdio can be for this job.

A low-level `mcp.server.Server` with ONE tool whose handler makes the same HTTP call a flow tool makes
(POST /actions/custom/flow/<name>) with httpx2, and returns the outputs as structured content. No auth package, no
catalogue, no validation: what remains is the SDK, the interpreter and the HTTP client, which any server pays.

Run: SALESFORCE_INSTANCE_URL=... SALESFORCE_ACCESS_TOKEN=... BENCH_FLOW=Bench_Flow_0001 python bench/floor_server.py
"""

from __future__ import annotations

import json
import os
from typing import Any

import anyio
import httpx2
import mcp_types as types
from mcp.server import Server
from mcp.server.stdio import stdio_server

INPUT_SCHEMA: dict[str, Any] = {
    "type": "object",
    "properties": {
        "customerName": {"type": "string"},
        "quantity": {"type": "number"},
        "unitPrice": {"type": "number"},
        "isRush": {"type": "boolean"},
    },
    "additionalProperties": False,
}


async def main() -> None:
    base = os.environ["SALESFORCE_INSTANCE_URL"].rstrip("/")
    flow = os.environ.get("BENCH_FLOW", "Bench_Flow_0001")
    url = f"{base}/services/data/v59.0/actions/custom/flow/{flow}"
    headers = {
        "Authorization": f"Bearer {os.environ['SALESFORCE_ACCESS_TOKEN']}",
        "Accept": "application/json",
        "Content-Type": "application/json",
    }
    tool = types.Tool(name=f"flow_{flow}", description="Run the flow.", input_schema=INPUT_SCHEMA)

    async with httpx2.AsyncClient(timeout=60.0) as http:

        async def list_tools(ctx: Any, params: types.PaginatedRequestParams | None) -> types.ListToolsResult:
            return types.ListToolsResult(tools=[tool])

        async def call_tool(ctx: Any, params: types.CallToolRequestParams) -> types.CallToolResult:
            body = json.dumps({"inputs": [params.arguments or {}]}).encode()
            response = await http.post(url, content=body, headers=headers)
            result = response.json()[0]
            outputs = result.get("outputValues") or {}
            return types.CallToolResult(
                content=[types.TextContent(type="text", text=json.dumps(outputs, separators=(",", ":")))],
                structured_content=outputs,
                is_error=not result.get("isSuccess"),
            )

        server: Server[Any] = Server("bench-floor", version="0", on_list_tools=list_tools, on_call_tool=call_tool)
        async with stdio_server() as (read_stream, write_stream):
            await server.run(read_stream, write_stream, server.create_initialization_options())


if __name__ == "__main__":
    anyio.run(main)
