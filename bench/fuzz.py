"""Seeded hostile input for the server over stdio: fuzzed tool calls and lines that are not valid JSON-RPC.

`fuzz_lines(seed, count)` yields the same lines for the same seed. Each line says which answer it must get: the id
of the response (`expect_id`), `None` for a response with `"id": null` (the request's id cannot be read), or no
answer at all (`answered=False`, blank lines only: valid notifications are not generated). Used by the fuzz test
(a few hundred lines) and `make soak` (10,000).
"""

from __future__ import annotations

import json
import random
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

# The demo org's tools and the argument names their inputSchemas list (`serve --demo`).
TOOLS: dict[str, tuple[str, ...]] = {
    "list_flows": ("q",),
    "get_flow": ("flowId",),
    "update_flow": ("flowId", "Description", "Status"),
    "create_flow_interview": ("FlowDefinitionView", "inputs"),
    "get_flow_interview": ("interviewId",),
    "delete_flow_interview": ("interviewId",),
    "list_invocable_flows": (),
    "get_invocable_flow_metadata": ("flowApiName",),
    "invoke_flow": ("flowApiName", "inputs"),
    "query_flows": ("q",),
    "refresh_flows": (),
    "flow_Create_Contact": ("accountId", "email", "firstName", "lastName"),
    "flow_Quote_Discount_Calculator": ("quantity", "unitPrice", "quoteName", "productCodes", "isPreferredCustomer"),
    "flow_Route_Support_Case": ("isVipCustomer", "priority", "subject"),
    "flow_Schedule_Follow_Up": ("subject",),
    "flow_Total_Order_Lines": ("lineAmounts", "taxRatePercent"),
}
FLOW_NAMES = ("Create_Contact", "Quote_Discount_Calculator", "Route_Support_Case", "Schedule_Follow_Up", "No_Such")
QUERIES = (
    "SELECT Id FROM FlowInterview",
    "SELECT Id, ApiName FROM FlowDefinitionView",
    "Status = 'Active'",
    "SELECT Id FROM Flow, Account",
    "SELECT TYPEOF Owner WHEN User THEN Email END FROM FlowInterview",
    "SELECT Id FROM FlowInterview WHERE Id IN (SELECT Id FROM Account)",
    "SELECT Owner.Email FROM FlowInterview",
    "SELECT Id FROM FlowInterview; DELETE FROM Account",
    "SELECT Id FROM FlowInterview WHERE",
    "SELECT COUNT() FROM FlowInterview",
    "DELETE FROM Flow",
    "SELECT Id FROM Account",
    "Status = 'Active' OR Id IN (SELECT Id FROM Contact)",
)
IDS = ("3015g0000000001AAA", "0Fo5g0000000001AAA", "../../sobjects/Account/001", "001%2F..%2F", "3015g0000000001")


@dataclass(frozen=True)
class FuzzLine:
    raw: bytes  # without the newline
    expect_id: int | str | None  # the response's id; None: "id": null
    answered: bool = True
    kind: str = "call"


def _value(rng: random.Random, depth: int = 0) -> Any:
    """A JSON value an agent (or an attacker) might put in an argument."""
    pick = rng.random()
    if depth > 2 or pick < 0.35:
        return rng.choice(_STRINGS)(rng)
    if pick < 0.5:
        return rng.choice((0, -1, 1.5, 10**20, 3, 1e308))
    if pick < 0.6:
        return rng.choice((True, False, None))
    if pick < 0.8:
        return [_value(rng, depth + 1) for _ in range(rng.randint(0, 3))]
    return {rng.choice(("name", "value", "ApiName", "x", "")): _value(rng, depth + 1) for _ in range(rng.randint(0, 3))}


_STRINGS: tuple[Callable[[random.Random], str], ...] = (
    lambda rng: rng.choice(("", "High", "Active", "Obsolete", "a b c", "é ü 漢字 🙂", "null", "true")),
    lambda rng: rng.choice(QUERIES),
    lambda rng: rng.choice(IDS),
    lambda rng: rng.choice(FLOW_NAMES),
    lambda rng: "x" * rng.choice((101, 5_000, 30_000)),  # longer than any maxLength in the schemas
    lambda rng: "'; DROP TABLE Flow; --",
    lambda rng: "\x00\x1f\u2028",
    lambda rng: "{!$Api.Session_ID}",
)


def _arguments(rng: random.Random, tool: str) -> dict[str, Any]:
    names = list(TOOLS[tool])
    chosen = rng.sample(names, rng.randint(0, len(names))) if names else []
    args = {name: _value(rng) for name in chosen}
    if tool in ("list_flows", "query_flows") and rng.random() < 0.7:
        args["q"] = rng.choice(QUERIES)
    if tool in ("invoke_flow", "get_invocable_flow_metadata") and rng.random() < 0.6:
        args["flowApiName"] = rng.choice(FLOW_NAMES)
    if tool == "invoke_flow" and rng.random() < 0.6:
        args["inputs"] = [{k: _value(rng) for k in rng.sample(("quantity", "unitPrice", "lastName"), 2)}]
    if rng.random() < 0.1:
        args[rng.choice(("extra", "nope", "flowId"))] = rng.choice((None, 1, "x"))  # extra keys, null ones too
    return args


def _request(request_id: int, method: str, params: Any = None) -> dict[str, Any]:
    message: dict[str, Any] = {"jsonrpc": "2.0", "id": request_id, "method": method}
    if params is not None:
        message["params"] = params
    return message


def _dump(message: Any) -> bytes:
    return json.dumps(message, separators=(",", ":"), ensure_ascii=False).encode()


def _call_line(rng: random.Random, request_id: int) -> FuzzLine:
    tool = rng.choice(list(TOOLS)) if rng.random() < 0.95 else rng.choice(("no_such_tool", "flow_", "x" * 300))
    params: dict[str, Any] = {"name": tool, "arguments": _arguments(rng, tool) if tool in TOOLS else {}}
    if rng.random() < 0.05:
        params["arguments"] = rng.choice(([1, 2], "text", 5))
    return FuzzLine(_dump(_request(request_id, "tools/call", params)), request_id)


def _call(request_id: int, arguments_json: str) -> bytes:
    params = '{"name":"flow_Route_Support_Case","arguments":' + arguments_json + "}"
    return f'{{"jsonrpc":"2.0","id":{request_id},"method":"tools/call","params":{params}}}'.encode()


# Hostile lines: (kind, make(rng, id) -> (raw, expected id or None)).
_HOSTILE: tuple[tuple[str, Callable[[random.Random, int], tuple[bytes, int | str | None]]], ...] = (
    ("lone surrogate", lambda rng, i: (_call(i, '{"subject":"\\ud800"}'), i)),
    ("lone low surrogate", lambda rng, i: (_call(i, '{"subject":"a\\udc00b"}'), i)),
    ("deep nesting", lambda rng, i: (_call(i, '{"subject":' + "[" * 10_000 + "]" * 10_000 + "}"), i)),
    ("nesting past the parser", lambda rng, i: (_call(i, '{"subject":' + "[" * 300 + "]" * 300 + "}"), i)),
    ("bom", lambda rng, i: (b"\xef\xbb\xbf" + _dump(_request(i, "tools/list")), i)),
    ("nul after json", lambda rng, i: (_dump(_request(i, "tools/list")) + b"\x00", i)),
    ("jsonrpc 1.0", lambda rng, i: (_dump({**_request(i, "tools/list"), "jsonrpc": "1.0"}), i)),
    ("no jsonrpc", lambda rng, i: (_dump({"id": i, "method": "tools/list"}), i)),
    ("method not a string", lambda rng, i: (_dump({"jsonrpc": "2.0", "id": i, "method": rng.choice((5, None))}), i)),
    ("params array", lambda rng, i: (_dump(_request(i, "tools/call", ["list_flows"])), i)),
    ("params string", lambda rng, i: (_dump(_request(i, "tools/call", "x")), i)),
    ("batch", lambda rng, i: (_dump([_request(i, "tools/list"), _request(i + 1, "ping")]), None)),
    ("empty batch", lambda rng, i: (b"[]", None)),
    ("garbage", lambda rng, i: (rng.choice((b"hello", b"{", b"}{", b"\x7fELF", b"null", b"42", b'"text"')), None)),
    ("not utf-8", lambda rng, i: (_call(i, '{"subject":"') + b"\xff\xfe" + b'"}}}', i)),
    ("bool id", lambda rng, i: (_dump({**_request(i, "tools/list"), "id": True}), None)),
    ("float id", lambda rng, i: (_dump({**_request(i, "tools/list"), "id": i + 0.5}), None)),
    ("null id", lambda rng, i: (_dump({**_request(i, "tools/list"), "id": None}), None)),
    ("unknown method", lambda rng, i: (_dump(_request(i, rng.choice(("nope", "tools/nope", "resources/read")))), i)),
    ("params not for the method", lambda rng, i: (_dump(_request(i, "tools/call", {"name": 5})), i)),
    ("tools/list", lambda rng, i: (_dump(_request(i, "tools/list")), i)),
    ("ping", lambda rng, i: (_dump(_request(i, "ping")), i)),
    ("string id", lambda rng, i: (_dump({**_request(i, "ping"), "id": f"s{i}"}), f"s{i}")),
    ("response from the client", lambda rng, i: (_dump({"jsonrpc": "2.0", "id": i, "result": 5}), None)),
    ("huge argument", lambda rng, i: (_call(i, json.dumps({"subject": "y" * 1_000_000})), i)),
    (
        "huge query",
        lambda rng, i: (_dump(_request(i, "tools/call", {"name": "list_flows", "arguments": _huge_q()})), i),
    ),
)


def _huge_q() -> dict[str, str]:
    return {"q": "Status = '" + "z" * 2_000_000 + "'"}


def fuzz_lines(seed: int, count: int, *, hostile_share: float = 0.3) -> Iterator[FuzzLine]:
    """`count` lines; about `hostile_share` of them are not plain tool calls. Request ids are 1000 + index."""
    rng = random.Random(seed)
    for index in range(count):
        request_id = 1000 + index
        if rng.random() >= hostile_share:
            yield _call_line(rng, request_id)
            continue
        kind, make = rng.choice(_HOSTILE)
        raw, expected = make(rng, request_id)
        yield FuzzLine(raw, expected, kind=kind)
