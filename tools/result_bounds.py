"""Results sized for agents: a result stays within MAX_RESULT_BYTES and says how to get the rest.

Hosts cut tool output they find too long (Claude Code at about 25,000 tokens, MAX_MCP_OUTPUT_TOKENS), and a cut
JSON document is worse than none. So a result whose list would pass the bound keeps the items that fit, in order,
and says in `truncated` how many it shows and how to ask for the rest: for records, the `after` to send (keyset
paging by Id, tools/keyset.py) or LIMIT/OFFSET; for a flow's describe, the `offset` of its next parameter.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from salesforce_flow_mcp.aliases import Args

from .outcome import Outcome

__all__ = ["MAX_RESULT_BYTES", "ResultRule", "bounded", "bounded_describe", "fitting", "offset_hint"]

MAX_RESULT_BYTES = 60_000  # ~15,000 tokens at ~4 bytes a token: well inside Claude Code's 25,000
NOTE_ROOM = 600  # bytes kept free for the `truncated` note
REASON = "the result would pass {limit:,} bytes, more than an agent's host shows at once"

ResultRule = Callable[[Any, Args], Outcome]
# What `truncated` says about the rest, from the items shown and the call's arguments: "how", and any value to send.
Continuation = Callable[[list[Any], Args], dict[str, Any]]


def size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))


def fitting(items: list[Any], room: int) -> list[Any]:
    """The first items whose JSON fits in `room` bytes (at least one, so every page makes progress)."""
    kept: list[Any] = []
    used = 0
    for item in items:
        cost = size(item) + 1
        if kept and used + cost > room:
            break
        kept.append(item)
        used += cost
    return kept


def offset_hint(how: str) -> Continuation:
    """A fixed text, {shown} replaced by the number of items shown."""
    return lambda kept, args: {"how": how.format(shown=len(kept))}


def bounded(key: str, rest: Continuation, limit: int = MAX_RESULT_BYTES) -> ResultRule:
    """A result rule: cut the list under `key` to fit `limit` bytes; `rest` says how to get the others."""

    def rule(result: Any, args: Args) -> Outcome:
        if not isinstance(result, dict) or not isinstance(result.get(key), list) or size(result) <= limit:
            return Outcome(result)
        items: list[Any] = result[key]
        kept = fitting(items, limit - size({**result, key: []}) - NOTE_ROOM)
        cut = {**result, key: kept, "done": False}
        cut["truncated"] = {"shown": len(kept), "of": len(items), "reason": REASON.format(limit=limit)}
        cut["truncated"].update(rest(kept, args))
        return Outcome(cut)

    return rule


def bounded_describe(limit: int = MAX_RESULT_BYTES) -> ResultRule:
    """get_invocable_flow_metadata: the parameters from `offset` (inputs, then outputs) that fit in `limit` bytes;
    `truncated.offset` is where the next page starts."""

    def rule(result: Any, args: Args) -> Outcome:
        offset = int(args.get("offset") or 0)
        if not isinstance(result, dict) or (offset == 0 and size(result) <= limit):
            return Outcome(result)
        sides = ("inputs", "outputs")
        params = [
            (side, p) for side in sides for p in (result.get(side) or [] if isinstance(result.get(side), list) else [])
        ]
        empty = {**result, "inputs": [], "outputs": []}
        kept = fitting(params[offset:], limit - size(empty) - NOTE_ROOM) if offset < len(params) else []
        page: dict[str, Any] = {**empty, **{side: [p for s, p in kept if s == side] for side in sides}}
        following = offset + len(kept)
        if offset:
            page["offset"] = offset
        if following < len(params):
            page["truncated"] = {
                "shown": len(kept),
                "of": len(params),
                "reason": REASON.format(limit=limit),
                "offset": following,
                "how": f"Ask again with offset {following} for the next parameters (inputs first, then outputs).",
            }
        return Outcome(page)

    return rule
