"""Results sized for agents: a list result stays within MAX_RESULT_BYTES and says how to get the rest.

Hosts cut tool output they find too long (Claude Code at about 25,000 tokens, MAX_MCP_OUTPUT_TOKENS), and a cut
JSON document is worse than none. So a result whose records would pass the bound keeps the records that fit, in
order, and says how many it shows and how to ask for the rest (LIMIT/OFFSET in the SOQL, or a narrower WHERE).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from .outcome import Outcome

MAX_RESULT_BYTES = 60_000  # ~15,000 tokens at ~4 bytes a token: well inside Claude Code's 25,000


def _size(value: Any) -> int:
    return len(json.dumps(value, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8"))


def bounded(key: str, how: str, limit: int = MAX_RESULT_BYTES) -> Callable[[Any], Outcome]:
    """A result rule: cut the list under `key` to fit `limit` bytes; `how` says how to get the rest ({shown} is
    replaced by the number of records shown)."""

    def rule(result: Any) -> Outcome:
        if not isinstance(result, dict) or not isinstance(result.get(key), list) or _size(result) <= limit:
            return Outcome(result)
        items: list[Any] = result[key]
        room = limit - _size({**result, key: []}) - 400  # the note below
        kept: list[Any] = []
        used = 0
        for item in items:
            cost = _size(item) + 1
            if used + cost > room:
                break
            kept.append(item)
            used += cost
        cut = {**result, key: kept, "done": False}
        cut["truncated"] = {
            "shown": len(kept),
            "of": len(items),
            "reason": f"the result would pass {limit:,} bytes, more than an agent's host shows at once",
            "how": how.format(shown=len(kept)),
        }
        return Outcome(cut)

    return rule
