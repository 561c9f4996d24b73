"""Startup tuning: what makes the first complete tools/list come sooner, in one place and behind one switch.

One trick is kept, for the first seconds only (from the command line's start, before the heavy imports, until the
first flow catalogue is in, STARTUP_LIMIT at most):

- `gc`: cyclic garbage collection paused, then what exists frozen. The imports and a catalogue of many tools make
  objects that live as long as the server; the collector kept rescanning them. Startup makes next to no cyclic
  garbage; after the freeze, later garbage (replaced catalogues included) is collected as usual.

Two more were measured and dropped because they did not pay on their own: a short GIL switch interval, and importing
the MCP side on a thread of its own. `SALESFORCE_FLOW_MCP_STARTUP_TUNING=off` turns the tuning off (`on`, the
default, or a list of trick names turns it on). The figures with and without each trick: docs/benchmarks.md,
"Startup tuning".
"""

from __future__ import annotations

import gc
import logging
import os
from collections.abc import Awaitable, Callable, Iterator, Mapping
from contextlib import contextmanager

import anyio

__all__ = [
    "ENV_VAR",
    "STARTUP_LIMIT",
    "TRICKS",
    "StartupTuning",
    "begin_startup_tuning",
    "startup_tuning",
    "tricks_from_env",
]

logger = logging.getLogger(__name__)

ENV_VAR = "SALESFORCE_FLOW_MCP_STARTUP_TUNING"
TRICKS = frozenset({"gc"})
STARTUP_LIMIT = 10.0  # seconds: the longest the tuning lasts when the first catalogue is slow to come
_OFF = frozenset({"off", "0", "none", "false", "no"})
_ALL = frozenset({"", "on", "1", "all", "true", "yes"})


def tricks_from_env(env: Mapping[str, str] | None = None) -> frozenset[str]:
    """The tricks the environment asks for; an unknown name is a ValueError that lists the known ones."""
    value = (os.environ if env is None else env).get(ENV_VAR, "").strip().lower()
    if value in _ALL:
        return TRICKS
    if value in _OFF:
        return frozenset()
    chosen = frozenset(part.strip() for part in value.split(",") if part.strip())
    if unknown := chosen - TRICKS:
        known = ", ".join(sorted(TRICKS))
        raise ValueError(f"{ENV_VAR}: unknown {', '.join(sorted(unknown))}; use off, on, or some of {known}")
    return chosen


class StartupTuning:
    """The tricks in force; `end()` undoes them (once; later calls do nothing)."""

    def __init__(self, tricks: frozenset[str]) -> None:
        self.tricks = tricks
        self.ended = False
        self._gc_paused = "gc" in tricks and gc.isenabled()
        if self._gc_paused:
            gc.disable()

    def end(self) -> None:
        global _current
        self.ended = True
        if _current is self:
            _current = None
        if self._gc_paused:
            self._gc_paused = False
            gc.freeze()
            gc.enable()

    async def end_when(self, ready: Callable[[], Awaitable[object]]) -> None:
        """End once `ready()` returns, or after STARTUP_LIMIT seconds."""
        with anyio.move_on_after(STARTUP_LIMIT):
            await ready()
        self.end()


_current: StartupTuning | None = None  # begun by the command line, adopted by the server's startup_tuning() block


def begin_startup_tuning(tricks: frozenset[str] | None = None) -> StartupTuning:
    """The tricks in force from now (the command line calls this before its heavy imports, which make most of the
    objects a start makes); the next `startup_tuning()` block adopts them. The caller ends them in any case."""
    global _current
    if _current is None:
        _current = StartupTuning(_chosen(tricks))
    return _current


@contextmanager
def startup_tuning(tricks: frozenset[str] | None = None) -> Iterator[StartupTuning]:
    """The tricks (by default those the environment asks for, or those begun earlier) from here until `end()` or the
    block's end."""
    tuning = begin_startup_tuning(tricks)
    logger.debug("startup tuning: %s", ", ".join(sorted(tuning.tricks)) or "off")
    try:
        yield tuning
    finally:
        tuning.end()


def _chosen(tricks: frozenset[str] | None) -> frozenset[str]:
    """A misspelt switch is not worth a server that does not start: it is logged, and the tuning is off."""
    if tricks is not None:
        return tricks
    try:
        return tricks_from_env()
    except ValueError as exc:
        logger.warning("%s; startup tuning is off", exc)
        return frozenset()
