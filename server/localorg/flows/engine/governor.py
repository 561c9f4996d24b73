"""Salesforce's per-transaction governor limits, as flows meet them, and the infinite-loop guard (which is ours).

Salesforce Help, "Per-Transaction Flow Limits" (platform.flow_considerations_limit_transaction): SOQL queries are
every Get Records execution and every Update/Delete Records execution that uses filters (100); records they retrieve
(50,000); DML statements are Create/Update/Delete Records executions (150); records they process (10,000); CPU time
(10,000 ms). An element that exceeds a limit rolls the whole transaction back, even when it has a fault connector.
The messages are Apex's LimitException texts ("Too many SOQL queries: 101").

Bulkification (Help, "Flow Bulkification in Transactions"): interviews of one flow that stop at the same element in
one transaction run it as one statement; `Transaction.step` names the element being run that way.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .interview_state import FlowHalt

__all__ = ["DEFAULT_LOOP_GUARD", "GovernorLimits", "LimitExceeded", "LoopGuardTripped", "Transaction"]

# Salesforce dropped the 2,000 executed-elements limit (Spring '23); a flow that never ends still has to stop here.
DEFAULT_LOOP_GUARD = 100_000
_CPU_CHECK_EVERY = 32  # elements between looks at the wall clock
_CPU_READ_AFTER = 0.05  # seconds of wall time between CPU-time readings (a thread CPU clock can cost milliseconds)


class LimitExceeded(FlowHalt):
    """A governor limit: the transaction fails and rolls back; no fault connector catches it."""

    def __init__(self, message: str) -> None:
        super().__init__(message, "LIMIT_EXCEEDED", prefixed=False)


class LoopGuardTripped(FlowHalt):
    """The embedded org's infinite-loop guard (not a Salesforce limit) stopped an interview."""


# A statement kind -> its statement and row counters (fields of both GovernorLimits and Transaction) and the
# messages of Apex's LimitException for each.
_COUNTERS = {
    "soql": ("soql_queries", "query_rows", "Too many SOQL queries", "Too many query rows"),
    "dml": ("dml_statements", "dml_rows", "Too many DML statements", "Too many DML rows"),
}


@dataclass(frozen=True)
class GovernorLimits:
    """Synchronous per-transaction limits; every field can be changed for tests that want to reach one quickly."""

    soql_queries: int = 100
    query_rows: int = 50_000
    dml_statements: int = 150
    dml_rows: int = 10_000
    cpu_ms: int = 10_000


@dataclass
class Transaction:
    """What one transaction has used so far. One per invoke request (all its inputs) or per started interview."""

    limits: GovernorLimits = field(default_factory=GovernorLimits)
    soql_queries: int = 0
    query_rows: int = 0
    dml_statements: int = 0
    dml_rows: int = 0
    step: tuple[str, str] | None = None  # (flow, element) run in bulk for several interviews right now
    _step_counted: set[str] = field(default_factory=set)
    _cpu_started: float = field(default_factory=time.thread_time)
    _ticks: int = 0
    _last_read: float = field(default_factory=time.perf_counter)

    def begin_step(self, key: tuple[str, str] | None) -> None:
        self.step = key
        self._step_counted = set()

    def _shared(self, kind: str, key: tuple[str, str]) -> bool:
        """True when this statement is part of a bulk step that already counted one of its kind."""
        if self.step != key:
            return False
        if kind in self._step_counted:
            return True
        self._step_counted.add(kind)
        return False

    def query(self, key: tuple[str, str], rows: int) -> None:
        self._count("soql", key, rows)

    def dml(self, key: tuple[str, str], rows: int) -> None:
        if rows > 0:  # nothing to save: no statement is issued
            self._count("dml", key, rows)

    def _count(self, kind: str, key: tuple[str, str], rows: int) -> None:
        statements, row_counter, statement_message, row_message = _COUNTERS[kind]
        if not self._shared(kind, key):
            self._add(statements, 1, statement_message)
        self._add(row_counter, rows, row_message)

    def _add(self, counter: str, amount: int, message: str) -> None:
        value = getattr(self, counter) + amount
        setattr(self, counter, value)
        limit = getattr(self.limits, counter)
        if value > limit:
            raise LimitExceeded(f"{message}: {limit + 1}")

    def tick(self) -> None:
        """Called once per executed element: reads the thread's CPU time now and then."""
        self._ticks += 1
        if self._ticks % _CPU_CHECK_EVERY:
            return
        now = time.perf_counter()
        if now - self._last_read < _CPU_READ_AFTER and self.limits.cpu_ms > 0:
            return
        self._last_read = now
        if (time.thread_time() - self._cpu_started) * 1000 > self.limits.cpu_ms:
            raise LimitExceeded("Apex CPU time limit exceeded")

    def usage(self) -> dict[str, int]:
        return {
            "soqlQueries": self.soql_queries,
            "queryRows": self.query_rows,
            "dmlStatements": self.dml_statements,
            "dmlRows": self.dml_rows,
            "cpuMs": int((time.thread_time() - self._cpu_started) * 1000),
        }
