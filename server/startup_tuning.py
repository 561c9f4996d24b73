"""Startup tuning: what makes the first complete tools/list come sooner, in one place and behind one switch.

One trick is kept, for the first seconds only (until the first flow catalogue is in, STARTUP_LIMIT at most):

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

__all__ = ["ENV_VAR", "STARTUP_LIMIT", "TRICKS", "StartupTuning", "startup_tuning", "tricks_from_env"]

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
        self._gc_paused = "gc" in tricks and gc.isenabled()
        if self._gc_paused:
            gc.disable()

    def end(self) -> None:
        if self._gc_paused:
            self._gc_paused = False
            gc.freeze()
            gc.enable()

    async def end_when(self, ready: Callable[[], Awaitable[object]]) -> None:
        """End once `ready()` returns, or after STARTUP_LIMIT seconds."""
        with anyio.move_on_after(STARTUP_LIMIT):
            await ready()
        self.end()


@contextmanager
def startup_tuning(tricks: frozenset[str] | None = None) -> Iterator[StartupTuning]:
    """The tricks (by default those the environment asks for) from here until `end()` or the block's end.

    A misspelt switch is not worth a server that does not start: it is logged, and the tuning is off."""
    if tricks is None:
        try:
            tricks = tricks_from_env()
        except ValueError as exc:
            logger.warning("%s; startup tuning is off", exc)
            tricks = frozenset()
    logger.debug("startup tuning: %s", ", ".join(sorted(tricks)) or "off")
    tuning = StartupTuning(tricks)
    try:
        yield tuning
    finally:
        tuning.end()
