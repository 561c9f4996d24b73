"""Governance of a shared server, as one Server middleware around every `tools/call`:

- the flow allow/deny list (the `--include-flows` / `--exclude-flows` globs) is enforced on every call that names a
  flow, not only on which flow tools exist: `invoke_flow` and `create_flow_interview` cannot run a flow the list
  leaves out;
- per-user rate limits (`--rate-limit N/SECONDS`, counted in the store, so across replicas on Redis);
- an audit log: one JSON line per call (time, user, org, tool, flow, record count, outcome, duration, request ids);
  never a token, and argument values only with `--audit-inputs` (masked for known secrets even then).
"""

from __future__ import annotations

import fnmatch
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import IO, Any

import mcp_types as types
from mcp.server.context import CallNext, ServerRequestContext

from ..auth.masking import redact
from .identity import request_subject
from .store import Store

logger = logging.getLogger(__name__)

# Where each operation tool names its flow (flow_<ApiName> tools are looked up in the flow catalogue).
FLOW_ARGUMENT: Mapping[str, tuple[str, ...]] = {
    "invoke_flow": ("flowApiName",),
    "get_invocable_flow_metadata": ("flowApiName",),
    "create_flow_interview": ("FlowDefinitionView", "ApiName"),
}


class GovernanceError(ValueError):
    """A governance setting that cannot be used; the message names it."""


@dataclass(frozen=True)
class RateLimit:
    calls: int
    seconds: int

    @classmethod
    def parse(cls, text: str) -> RateLimit:
        calls, sep, seconds = text.partition("/")
        try:
            limit = cls(int(calls), int(seconds or "60"))
        except ValueError:
            limit = cls(0, 0)
        if limit.calls < 1 or limit.seconds < 1 or (sep and not seconds):
            raise GovernanceError(f"--rate-limit must be CALLS/SECONDS, e.g. 60/60, not {text!r}")
        return limit


@dataclass(frozen=True)
class FlowPolicy:
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()

    def allows(self, api_name: str) -> bool:
        included = not self.include or any(fnmatch.fnmatchcase(api_name, g) for g in self.include)
        return included and not any(fnmatch.fnmatchcase(api_name, g) for g in self.exclude)


class AuditLog:
    """JSON lines to a file (created 0600, appended) or to stderr ('-')."""

    def __init__(self, target: str, *, inputs: bool = False) -> None:
        self.inputs = inputs
        self._lock = threading.Lock()
        self._stream: IO[str]
        if target == "-":
            import sys

            self._stream, self._owned = sys.stderr, False
        else:
            path = Path(target)
            try:
                fd = os.open(path, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o600)
            except OSError as exc:
                raise GovernanceError(f"cannot open the audit log {path}: {exc.strerror}") from None
            self._stream, self._owned = os.fdopen(fd, "a", encoding="utf-8"), True

    def write(self, entry: dict[str, Any]) -> None:
        line = json.dumps(entry, separators=(",", ":"), default=str)
        with self._lock:
            self._stream.write(redact(line) + "\n")
            self._stream.flush()

    def close(self) -> None:
        if self._owned:
            self._stream.close()


def _flow_of(tool: str, arguments: Mapping[str, Any], flow_of_tool: Mapping[str, str]) -> str | None:
    if tool in flow_of_tool:
        return flow_of_tool[tool]
    path = FLOW_ARGUMENT.get(tool)
    value: Any = arguments
    for key in path or ():
        value = value.get(key) if isinstance(value, Mapping) else None
    return value if path and isinstance(value, str) else None


def _record_count(arguments: Mapping[str, Any], result: Any) -> int | None:
    """Records a call ran on (its `inputs`) or returned (`records`, `outputs`, `actions`)."""
    if isinstance(arguments.get("inputs"), list):
        return len(arguments["inputs"])
    content = _result_field(result, "structured_content", "structuredContent")
    if isinstance(content, Mapping):
        for key in ("records", "outputs", "actions", "flows"):
            if isinstance(content.get(key), list):
                return len(content[key])
    return None


def _result_field(result: Any, attribute: str, key: str) -> Any:
    """A field of a tool result, whether the handler returned the model or its wire-shaped dict."""
    if isinstance(result, Mapping):
        return result.get(key)
    return getattr(result, attribute, None)


def _refusal(text: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=text)], is_error=True)


@dataclass(kw_only=True)
class Governance:
    org: str
    audit: AuditLog | None
    policy: FlowPolicy
    rate_limit: RateLimit | None
    store: Store | None
    flow_of_tool: Callable[[], Mapping[str, str]]  # the flow catalogue's current map (replaced on every refresh)
    default_user: str  # who a request without an OAuth subject is (the shared token's holder)

    async def __call__(self, ctx: ServerRequestContext[Any, Any], call_next: CallNext) -> Any:
        if ctx.method != "tools/call":
            return await call_next(ctx)
        params = ctx.params or {}
        tool = str(params.get("name", ""))
        raw = params.get("arguments")
        arguments: Mapping[str, Any] = raw if isinstance(raw, Mapping) else {}
        user = request_subject(ctx) or self.default_user
        flow = _flow_of(tool, arguments, self.flow_of_tool())
        started = time.monotonic()
        outcome: str = "error"
        result: Any = None
        try:
            refusal = await self._refusal(user, flow)
            if refusal is not None:
                outcome, result = refusal
                return result
            result = await call_next(ctx)
            outcome = "tool error" if _result_field(result, "is_error", "isError") else "ok"
            return result
        except Exception:
            outcome = "failed"
            raise
        finally:
            if self.audit is not None:
                self._log(ctx, user, tool, flow, arguments, result, outcome, started)

    async def _refusal(self, user: str, flow: str | None) -> tuple[str, types.CallToolResult] | None:
        """Rate limit first (every call counts, refused ones too), then the flow list."""
        if self.rate_limit is not None and self.store is not None:
            limit = self.rate_limit
            window = int(time.time() // limit.seconds)
            count = await self.store.incr(f"rate:{user}:{window}", limit.seconds)
            if count > limit.calls:
                wait = limit.seconds - int(time.time()) % limit.seconds
                return "rate limited", _refusal(
                    f"Rate limit: at most {limit.calls} tool calls per {limit.seconds} s per user on this server; "
                    f"try again in {wait} s."
                )
        if flow is not None and not self.policy.allows(flow):
            return "denied", _refusal(
                f"The flow {flow!r} is not available on this server (its allow/deny list leaves it out); ask the "
                "server's operator, or use a flow list_invocable_flows shows as a tool."
            )
        return None

    def _log(
        self,
        ctx: ServerRequestContext[Any, Any],
        user: str,
        tool: str,
        flow: str | None,
        arguments: Mapping[str, Any],
        result: Any,
        outcome: str,
        started: float,
    ) -> None:
        assert self.audit is not None
        headers = getattr(ctx.request, "headers", None)
        entry: dict[str, Any] = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "user": user,
            "org": self.org,
            "tool": tool,
            "flow": flow,
            "records": _record_count(arguments, result),
            "outcome": outcome,
            "ms": round((time.monotonic() - started) * 1000),
            "request_id": ctx.request_id,
            "http_request_id": headers.get("x-request-id") if headers is not None else None,
        }
        if self.audit.inputs:
            entry["arguments"] = arguments
        try:
            self.audit.write(entry)
        except (OSError, ValueError) as exc:  # the call's answer must not depend on the log
            logger.error("could not write the audit log: %s", exc)
