"""One deadline per tool call, retries and waits for a free request slot included, and what the call sent meanwhile.

MCP clients give up on a call after about 60 s; a call that answers later answers no one. Every tool call therefore
runs inside `call_deadline(seconds)` (default 45 s, SALESFORCE_CALL_TIMEOUT): when it passes, the call is cancelled
and raises CallDeadlineExceeded. The client notes each request that may change the org (anything but GET and HEAD)
in the call's budget before it leaves, so the error can say whether the change may have happened (a POST that ran a
flow) or certainly did not.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

import anyio

from .errors import CallDeadlineExceeded


@dataclass
class CallBudget:
    seconds: float
    writes_sent: list[str] = field(default_factory=list)  # "POST /actions/custom/flow/X", in the order sent

    def note_write(self, method: str, path: str) -> None:
        self.writes_sent.append(f"{method} {path.split('?', 1)[0]}")


_current: ContextVar[CallBudget | None] = ContextVar("salesforce_call_budget", default=None)


def current_budget() -> CallBudget | None:
    return _current.get()


@asynccontextmanager
async def call_deadline(seconds: float | None) -> AsyncIterator[CallBudget]:
    """The body runs for at most `seconds` (None or 0: no deadline), then CallDeadlineExceeded."""
    budget = CallBudget(seconds or 0.0)
    token = _current.set(budget)
    try:
        with anyio.move_on_after(seconds if seconds else None) as scope:
            yield budget
        if scope.cancelled_caught:
            raise deadline_error(budget)
    finally:
        _current.reset(token)


def deadline_error(budget: CallBudget) -> CallDeadlineExceeded:
    sent = budget.writes_sent
    what = f"; {sent[-1]} had been sent" if sent else "; nothing that changes the org had been sent"
    return CallDeadlineExceeded(
        f"Salesforce did not answer within {budget.seconds:g} s, the deadline of one tool call (retries included; "
        f"SALESFORCE_CALL_TIMEOUT sets it){what}",
        seconds=budget.seconds,
        may_have_run=bool(sent),
    )
