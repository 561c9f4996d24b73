"""Calls that outlive the client's patience. Hosts give up on a tool call after about 60 s; a flow can run longer.

Each call that may change the org runs as a background job. If it is still running at the bound (default 40 s), the
call answers that it is still running on the org, with how to find its outcome, instead of timing out at the client;
the job goes on, is never sent again, and its outcome is kept as the resource `salesforce-flow://calls/{callId}`
(and logged) when it arrives. A cancelled call stops the job from sending anything further; a request already on
the wire finishes (and is not retried), so nothing runs twice.
"""

from __future__ import annotations

import itertools
import logging
import time
from collections import OrderedDict
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from typing import Any

import anyio
import mcp_types as types
from anyio.abc import TaskGroup

logger = logging.getLogger(__name__)

CALL_URI_PREFIX = "salesforce-flow://calls/"
KEPT_CALLS = 100  # finished calls kept for reading; the oldest go first
DRAIN_SECONDS = 30.0  # at shutdown, how long calls still running on the org are waited for


@dataclass
class Job:
    call_id: str
    tool: str
    started: float
    work: Callable[[Job], Awaitable[types.CallToolResult]]
    stop: anyio.Event = field(default_factory=anyio.Event)  # set on cancellation: send nothing further
    done: anyio.Event = field(default_factory=anyio.Event)
    result: types.CallToolResult | None = None
    answered: bool = False  # the caller already got a "still running" answer
    sent: list[int] = field(default_factory=lambda: [0])  # records sent so far (batched invoke_flow)
    reads_only: bool = False  # nothing to lose by cutting it short: a cancelled read stops at once
    background: bool = False  # runs on past the bound (its caller gets "still running" then)
    _scope: anyio.CancelScope = field(default_factory=anyio.CancelScope, repr=False)

    @property
    def uri(self) -> str:
        return CALL_URI_PREFIX + self.call_id

    def cancel(self) -> None:
        """The caller went away: nothing further is sent; a read stops at once (nothing to lose), a write finishes
        what is on the wire."""
        self.stop.set()
        if self.reads_only:
            self._scope.cancel()

    async def run(self) -> None:
        try:
            # A scope, not a watcher task: cancel() reaches a read directly (one task less on every call).
            with self._scope:
                self.result = await self.work(self)
            if self.result is None:
                self.result = _error(f"{self.tool} was cancelled; it only reads, so nothing changed on the org")
        except Exception as exc:  # the server keeps serving whatever a job hits
            logger.exception("%s (call %s) failed in the background", self.tool, self.call_id)
            self.result = _error(f"{self.tool} failed unexpectedly ({type(exc).__name__}: {exc})")
        finally:
            self.done.set()
            if self.answered and self.result is not None:
                state = "failed" if self.result.is_error else "finished"
                logger.warning(
                    "%s (call %s, answered as still running) has %s: %s",
                    self.tool,
                    self.call_id,
                    state,
                    _text(self.result)[:500],
                )

    def status(self) -> dict[str, Any]:
        outcome = None
        if self.result is not None:
            outcome = self.result.model_dump(by_alias=True, exclude_none=True, mode="json")
        return {
            "callId": self.call_id,
            "tool": self.tool,
            "state": "running" if self.result is None else ("failed" if self.result.is_error else "finished"),
            "startedAt": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(self.started)),
            "result": outcome,
        }


class LongCalls:
    def __init__(self, bound: float) -> None:
        self.bound = bound
        self.jobs: OrderedDict[str, Job] = OrderedDict()
        self._groups: list[TaskGroup] = []
        self._ids = itertools.count(1)
        self._prefix = f"{int(time.time()):x}"

    @asynccontextmanager
    async def running(self) -> AsyncIterator[None]:
        """Where background jobs live: one task group per served connection (the server's lifespan)."""
        async with anyio.create_task_group() as group:
            self._groups.append(group)
            try:
                yield
            finally:
                self._groups.remove(group)
                with anyio.move_on_after(DRAIN_SECONDS, shield=True):
                    for job in [j for j in self.jobs.values() if not j.done.is_set()]:
                        await job.done.wait()
                group.cancel_scope.cancel()

    def get(self, call_id: str) -> Job | None:
        return self.jobs.get(call_id)

    async def run(
        self,
        tool: str,
        work: Callable[[Job], Awaitable[types.CallToolResult]],
        still_running: Callable[[Job], types.CallToolResult],
        *,
        reads_only: bool = False,
        bounded: bool = True,
    ) -> types.CallToolResult:
        """`bounded=False`: the work answers in time by itself (a read under the catalogue's per-call deadline)."""
        job = Job(f"{self._prefix}-{next(self._ids)}", tool, time.time(), work, reads_only=reads_only)
        if not self._groups:  # no lifespan to run it in (a bare server): run it here, unbounded
            await job.run()
            assert job.result is not None
            return job.result
        self._keep(job)
        if reads_only and not bounded:
            # A read that answers in time by itself runs in its caller's task (no background task on the common
            # path): cancelled with its caller, as a read is anyway.
            try:
                await job.run()
            except anyio.get_cancelled_exc_class():
                job.cancel()
                raise
            assert job.result is not None
            return job.result
        job.background = True
        self._groups[-1].start_soon(job.run)
        try:
            with anyio.move_on_after(self.bound if bounded else None):
                await job.done.wait()
        except anyio.get_cancelled_exc_class():
            job.cancel()
            logger.warning("%s (call %s) was cancelled; no further request is sent for it", tool, job.call_id)
            raise
        if job.result is not None:
            return job.result
        job.answered = True
        return still_running(job)

    def _keep(self, job: Job) -> None:
        self.jobs[job.call_id] = job
        while len(self.jobs) > KEPT_CALLS:
            oldest = next(iter(self.jobs.values()))
            if not oldest.done.is_set():
                break
            self.jobs.popitem(last=False)


def still_running_result(job: Job, bound: float, flow: str | None, total_records: int | None) -> types.CallToolResult:
    parts = [
        f"{job.tool} is still running on the org after {bound:g} s (call {job.call_id}). This is not a failure: "
        "it was not cancelled and will not be sent again, so do not call it again."
    ]
    if total_records is not None and total_records > 1:
        parts.append(f"{job.sent[0]} of {total_records} records have been sent so far; the rest follow.")
    where = f"flow {flow}" if flow else "call"
    parts.append(
        f"Its outcome: read the resource {job.uri} (its result once it finishes); a flow that pauses shows up as a "
        f"FlowInterview (query_flows: SELECT Id, InterviewLabel, InterviewStatus, CurrentElement FROM FlowInterview); "
        f"a finished {where} shows in the records it writes."
    )
    result = _error(" ".join(parts))
    result.content.append(
        types.ResourceLink(type="resource_link", uri=job.uri, name=f"call {job.call_id}", mime_type="application/json")
    )
    return result


def _error(message: str) -> types.CallToolResult:
    return types.CallToolResult(content=[types.TextContent(type="text", text=message)], is_error=True)


def _text(result: types.CallToolResult) -> str:
    return " ".join(getattr(c, "text", "") for c in result.content)
