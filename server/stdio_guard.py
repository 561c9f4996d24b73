"""Every line a client writes on stdin gets an answer, including the lines the mcp SDK cannot read.

The SDK's stdio transport (mcp 2.3.0, `mcp/server/stdio.py`) hands a line that fails JSON-RPC validation to the
session as an exception, and the session only logs it: a request with a lone UTF-16 surrogate, nesting deeper than
its JSON parser's limit (about 200 levels), a BOM, a NUL after the JSON, `"jsonrpc": "1.0"`, a non-string method,
`params` as an array, an `id` that is neither a string nor an integer, a batch or plain garbage gets no reply, and the
client waits until its own timeout. Upstream: modelcontextprotocol/python-sdk#2751 (fix proposed in #2766, closed
without a merge). Until the SDK answers them, this reader sits in front of the SDK's: it passes on the lines the SDK
reads, and answers every other line with a JSON-RPC error (JSON-RPC 2.0, section 5.1): `-32700` when the line cannot
be parsed, `-32600` when it parses but is not a valid message, with the request's id when it can be read and `null`
otherwise.
"""

from __future__ import annotations

import json
import logging
import os
import re
import sys
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from typing import Any, BinaryIO

import anyio
import mcp_types as types
from mcp.shared.message import SessionMessage
from pydantic import ValidationError

from .salesforce.quoting import excerpt

logger = logging.getLogger(__name__)

BOM = b"\xef\xbb\xbf"
RequestId = str | int


class GuardedLines:
    """The lines of `source` the SDK can read; every other line is answered on the write stream given to `attach`.

    A leading UTF-8 byte order mark is dropped (RFC 8259 section 8.1 lets a parser ignore it), so such a request is
    served rather than refused; blank lines are ignored.
    """

    def __init__(self, source: AsyncIterator[bytes]) -> None:
        self._source = source
        self._replies: Any = None
        self._attached = anyio.Event()
        self.refused = 0

    def attach(self, write_stream: Any) -> None:
        self._replies = write_stream
        self._attached.set()

    async def __aiter__(self) -> AsyncIterator[str]:
        async for line in self._source:
            text, refusal = check_line(line)
            if text is not None:
                yield text
            elif refusal is not None:
                self.refused += 1
                logger.warning("refused a stdin line: %s", refusal.error.message)
                await self._attached.wait()
                await self._replies.send(SessionMessage(refusal))


def check_line(line: bytes) -> tuple[str | None, types.JSONRPCError | None]:
    """(the line as text for the SDK, None) when it is a valid message; (None, the error to send) otherwise."""
    raw = line.rstrip(b"\r\n")
    if raw.startswith(BOM):
        raw = raw[len(BOM) :]
    if not raw.strip():
        return None, None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        readable = raw.decode("utf-8", errors="replace")
        return None, _error(types.PARSE_ERROR, f"the line is not UTF-8 (byte {exc.start})", _id_in(readable))
    try:
        message = types.jsonrpc_message_adapter.validate_json(text, by_name=False)
    except ValidationError as exc:
        return None, _diagnose(text, exc)
    if isinstance(message, types.JSONRPCNotification) and '"id"' in text and _has_top_level_id(text):
        return None, _error(types.INVALID_REQUEST, '"id" must be a string or an integer', None)
    return text, None


def _error(code: int, problem: str, request_id: RequestId | None) -> types.JSONRPCError:
    kind = "Parse error" if code == types.PARSE_ERROR else "Invalid Request"
    return types.JSONRPCError(
        jsonrpc="2.0", id=request_id, error=types.ErrorData(code=code, message=f"{kind}: {problem}")
    )


def _diagnose(text: str, exc: ValidationError) -> types.JSONRPCError:
    try:
        value = json.loads(text)
    except RecursionError:
        return _error(types.PARSE_ERROR, "the JSON is nested too deeply", _scan_top_level_id(text))
    except ValueError as parse_error:
        problem = getattr(parse_error, "msg", "not JSON")
        where = getattr(parse_error, "pos", None)
        detail = f"{problem} at character {where}" if where is not None else problem
        return _error(types.PARSE_ERROR, f"not a JSON value ({detail})", _id_in(text))
    request_id = _readable_id(value)
    first = _first_error(exc)
    if first.get("type") == "json_invalid":  # JSON the stdlib reads but the SDK's parser does not
        return _error(types.PARSE_ERROR, _json_reason(text, str(first.get("msg", ""))), request_id)
    return _error(types.INVALID_REQUEST, _envelope_problem(value, exc), request_id)


_SURROGATE_ESCAPE = re.compile(r"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


def _json_reason(text: str, parser_message: str) -> str:
    if "recursion limit" in parser_message:
        return "the JSON is nested too deeply (at most about 200 levels)"
    if _SURROGATE_ESCAPE.search(text):
        # json.loads keeps a lone surrogate; the SDK's parser (and UTF-8 output) cannot.
        return "a string holds a lone UTF-16 surrogate escape (\\ud800-\\udfff without its pair), which is not text"
    return excerpt(parser_message.removeprefix("Invalid JSON: "))


# The first rule a parsed message breaks names the problem; the rules follow JSON-RPC 2.0 section 4 and MCP's
# restrictions on it (named parameters only, ids are strings or integers, no batches since 2025-06-18).
_ENVELOPE_RULES: tuple[tuple[Callable[[dict[str, Any]], bool], str], ...] = (
    (lambda m: m.get("jsonrpc") != "2.0", '"jsonrpc" must be "2.0"'),
    (lambda m: "method" in m and not isinstance(m["method"], str), '"method" must be a string'),
    (
        lambda m: m.get("params") is not None and not isinstance(m["params"], dict),
        '"params" must be an object (MCP uses named parameters)',
    ),
    (lambda m: "id" in m and not _is_request_id(m["id"]), '"id" must be a string or an integer'),
    (
        lambda m: not {"method", "result", "error"} & m.keys(),
        'a message needs "method" (a request or notification), or "result" or "error" (a response)',
    ),
)


def _envelope_problem(value: Any, exc: ValidationError) -> str:
    if isinstance(value, list):
        return "batches are not supported: send one JSON-RPC message per line"
    if not isinstance(value, dict):
        return "a JSON-RPC message is a JSON object"
    for broken, problem in _ENVELOPE_RULES:
        if broken(value):
            return problem
    first = _first_error(exc)
    where = ".".join(str(part) for part in first.get("loc", ())[1:])
    return excerpt(f"not a valid JSON-RPC 2.0 message ({where}: {first.get('msg', 'invalid')})")


def _first_error(exc: ValidationError) -> dict[str, Any]:
    errors = exc.errors(include_url=False)
    return dict(errors[0]) if errors else {}


def _is_request_id(value: Any) -> bool:
    return isinstance(value, str) or (isinstance(value, int) and not isinstance(value, bool))


def _readable_id(value: Any) -> RequestId | None:
    """The id to answer with: a request's own id; None for responses (their ids are ours) and unreadable ids."""
    if isinstance(value, dict) and "method" in value and _is_request_id(value.get("id")):
        request_id: RequestId = value["id"]
        return request_id
    return None


def _id_in(text: str) -> RequestId | None:
    """The id of a line that does not parse as a whole (a NUL after the JSON): the first JSON value's id."""
    try:
        value, _ = json.JSONDecoder().raw_decode(text.lstrip())
    except (ValueError, RecursionError):
        return _scan_top_level_id(text)
    return _readable_id(value)


_TOKEN = re.compile(r'"(?:[^"\\]|\\.)*"|[{}\[\]:,]')


def _top_level_members(text: str) -> Iterator[tuple[str, int]]:
    """(key, offset of its value) for each member of the outermost object, without building the nested values
    (a line nested 10,000 deep is beyond the stdlib parser's recursion limit)."""
    depth = 0
    expect_key = False
    pending: str | None = None
    for token in _TOKEN.finditer(text):
        kind = token.group(0)
        if kind in "{[":
            depth += 1
            expect_key = depth == 1 and kind == "{"
        elif kind in "}]":
            depth -= 1
        elif depth == 1 and kind == ",":
            expect_key = True
        elif depth == 1 and kind == ":" and pending is not None:
            yield pending, token.end()
            pending = None
        elif depth == 1 and expect_key and kind.startswith('"'):
            try:
                pending = json.loads(kind)
            except ValueError:
                pending = None
            expect_key = False


def _scan_top_level_id(text: str) -> RequestId | None:
    members = dict(_top_level_members(text))
    if "method" not in members or "id" not in members:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(text, _skip_spaces(text, members["id"]))
    except ValueError:
        return None
    return value if _is_request_id(value) else None


def _has_top_level_id(text: str) -> bool:
    return any(key == "id" for key, _ in _top_level_members(text))


def _skip_spaces(text: str, offset: int) -> int:
    while offset < len(text) and text[offset] in " \t\r\n":
        offset += 1
    return offset


# --- the process's stdin ------------------------------------------------------------------------------------------


@contextmanager
def _claimed_stdin() -> Iterator[BinaryIO]:
    """The wire on a private descriptor, and fd 0 pointed at the null device while serving (as the SDK does for the
    stdin it reads itself), so a child process cannot read protocol bytes. Restored on exit."""
    try:
        private = os.dup(0)
    except OSError:
        yield sys.stdin.buffer
        return
    diverted = False
    try:
        null = os.open(os.devnull, os.O_RDONLY)
        try:
            os.dup2(null, 0)
            diverted = True
        finally:
            os.close(null)
    except OSError:
        pass
    try:
        # closefd=False: a worker thread may still block reading it after the transport exits.
        yield os.fdopen(private, "rb", closefd=False)
    finally:
        if diverted:
            os.dup2(private, 0)


async def _lines_of(stream: BinaryIO) -> AsyncIterator[bytes]:
    async for line in anyio.wrap_file(stream):
        yield line


@asynccontextmanager
async def guarded_stdio_server() -> AsyncIterator[tuple[Any, Any]]:
    """The SDK's stdio_server, reading stdin through GuardedLines."""
    from mcp.server.stdio import stdio_server

    with _claimed_stdin() as stdin:
        lines = GuardedLines(_lines_of(stdin))
        async with stdio_server(stdin=lines) as (read_stream, write_stream):  # type: ignore[arg-type]
            lines.attach(write_stream)
            yield read_stream, write_stream
