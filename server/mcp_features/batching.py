"""invoke_flow in batches, for progress (opt-in: --invoke-batch-size N). When it is set and the caller gave a progress
token, the records go to the org a batch at a time (each batch one request, one API call) and progress follows each
batch; a cancelled call sends no further batch, and the batch already sent finishes and is not sent again.

Off by default, because it changes what a failure undoes: Salesforce runs all inputs of one request in one transaction
and, with partial save off (InvocableActionSettings.isPartialSaveAllowed, the default), rolls all of them back when
one fails (Metadata API, InvocableActionSettings). In batches, only the failing batch is rolled back; the others stay
committed. Without batches, invoke_flow sends its records in one request and reports progress while it waits.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from typing import Any

import anyio
import mcp_types as types

from salesforce_flow_mcp.salesforce.normalize import describe_failure

Args = dict[str, Any]
CallFn = Callable[[str, Args], Awaitable[types.CallToolResult]]
Report = Callable[[float, float | None, str | None], Awaitable[None]]

INVOKE_FLOW = "invoke_flow"


async def invoke_in_batches(
    call: CallFn, args: Args, size: int, report: Report, stop: anyio.Event, sent: list[int]
) -> types.CallToolResult:
    """`sent` gets the number of records sent so far (read by whoever reports on a call still running)."""
    inputs: list[Any] = list(args.get("inputs") or [])
    total = len(inputs)
    outputs: list[Any] = []
    await report(0, total, f"0 of {total} records")
    for start in range(0, total, size):
        if stop.is_set():
            break
        chunk = inputs[start : start + size]
        sent[0] = start + len(chunk)
        result = await call(INVOKE_FLOW, {**args, "inputs": chunk})
        structured = result.structured_content if isinstance(result.structured_content, dict) else None
        batch = structured.get("outputs") if structured else None
        if not isinstance(batch, list):  # the whole batch failed (a REST error): later batches are not sent
            return _stopped_by_error(result, start, len(chunk), total, outputs)
        outputs.extend(batch)
        await report(len(outputs), total, f"{len(outputs)} of {total} records")
    return merged(outputs, total)


def merged(outputs: list[Any], total: int) -> types.CallToolResult:
    """One result as a single invoke_flow call of all records gives it (failures numbered across batches)."""
    structured = {"outputs": outputs}
    failed = [(i, r) for i, r in enumerate(outputs) if not (isinstance(r, dict) and r.get("isSuccess"))]
    not_sent = total - len(outputs)
    if failed or not_sent:
        parts = []
        if failed:
            lines = "; ".join(f"record {i}: {describe_failure(r)}" for i, r in failed)
            parts.append(f"{len(failed)} of {total} flow invocations failed: {lines}")
        if not_sent:
            parts.append(f"records {len(outputs)} to {total - 1} were not sent (the call was cancelled)")
        return _error(". ".join(parts), structured)
    text = json.dumps(structured, ensure_ascii=False, separators=(",", ":"), default=str)
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], structured_content=structured)


def _stopped_by_error(
    result: types.CallToolResult, start: int, size: int, total: int, outputs: list[Any]
) -> types.CallToolResult:
    reason = " ".join(getattr(c, "text", "") for c in result.content)
    parts = [f"that request carried records {start} to {start + size - 1}"]
    if start:
        parts.insert(0, f"records 0 to {start - 1} ran (their results are kept)")
    if start + size < total:
        parts.append(f"records {start + size} to {total - 1} were not sent")
    message = f"{reason} ({'; '.join(parts)})"
    return _error(message, {"outputs": outputs} if outputs else None)


def _error(message: str, structured: Any) -> types.CallToolResult:
    return types.CallToolResult(
        content=[types.TextContent(type="text", text=message)], structured_content=structured, is_error=True
    )
