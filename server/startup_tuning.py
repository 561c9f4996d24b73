"""Startup tuning: what makes the first complete tools/list come sooner, in one place and behind one switch.

Three tricks, each for the first seconds only (until the first flow catalogue is in, STARTUP_LIMIT at most):

- `gc`: cyclic garbage collection paused, then what exists frozen. The imports and a catalogue of many tools make
  objects that live as long as the server; the collector kept rescanning them. Startup makes next to no cyclic
  garbage; after the freeze, later garbage (replaced catalogues included) is collected as usual.
- `switch`: a short GIL switch interval, so that while the import thread runs the event loop is not kept waiting
  for each answer from the org.
- `import`: the MCP side imported on a thread of its own while the org answers the first flow requests. What it
  imports is `preload`, the same function the composition root calls for the MCP side, so the two cannot differ.

`SALESFORCE_FLOW_MCP_STARTUP_TUNING` turns them off (`off`, `0`, `none`) or picks some (`gc,switch`); unset or `on`
means all. Why each is kept, with the figures with and without it: docs/benchmarks.md, "Startup tuning".
"""

from __future__ import annotations

import gc
import logging
import os
import sys
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from contextlib import asynccontextmanager

import anyio

__all__ = ["ENV_VAR", "STARTUP_LIMIT", "TRICKS", "StartupTuning", "startup_tuning", "tricks_from_env"]

logger = logging.getLogger(__name__)

ENV_VAR = "SALESFORCE_FLOW_MCP_STARTUP_TUNING"
TRICKS = frozenset({"gc", "switch", "import"})
STARTUP_LIMIT = 10.0  # seconds: the longest the tuning lasts when the first catalogue is slow to come
SWITCH_INTERVAL = 0.0005  # seconds (the interpreter's default is 0.005)
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

    def __init__(self, tricks: frozenset[str], preload: Callable[[], object] | None) -> None:
        self.tricks = tricks
        self._gc_paused = "gc" in tricks and gc.isenabled()
        self._switch_interval: float | None = None
        self._preload_error: BaseException | None = None
        self._thread: threading.Thread | None = None
        if self._gc_paused:
            gc.disable()
        if "switch" in tricks:
            self._switch_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(SWITCH_INTERVAL, self._switch_interval))
        if "import" in tricks and preload is not None:
            self._thread = threading.Thread(target=self._run, args=(preload,), name="import-mcp-side", daemon=True)
            self._thread.start()

    def _run(self, preload: Callable[[], object]) -> None:
        try:
            preload()
        except BaseException as exc:  # raised again in the server's task, where it would have happened
            self._preload_error = exc

    async def preloaded(self) -> None:
        """Wait for the import thread (if any); its error, if it had one, is raised here."""
        if self._thread is not None:
            await anyio.to_thread.run_sync(self._thread.join)
        if self._preload_error is not None:
            raise self._preload_error

    def end(self) -> None:
        if self._switch_interval is not None:
            sys.setswitchinterval(self._switch_interval)
            self._switch_interval = None
        if self._gc_paused:
            self._gc_paused = False
            gc.freeze()
            gc.enable()

    async def end_when(self, ready: Callable[[], Awaitable[object]]) -> None:
        """End once `ready()` returns, or after STARTUP_LIMIT seconds."""
        with anyio.move_on_after(STARTUP_LIMIT):
            await ready()
        self.end()


@asynccontextmanager
async def startup_tuning(
    preload: Callable[[], object] | None = None, tricks: frozenset[str] | None = None
) -> AsyncIterator[StartupTuning]:
    """The tricks (by default those the environment asks for) from here until `end()` or the block's end.

    A misspelt switch is not worth a server that does not start: it is logged, and the tuning is off."""
    if tricks is None:
        try:
            tricks = tricks_from_env()
        except ValueError as exc:
            logger.warning("%s; startup tuning is off", exc)
            tricks = frozenset()
    chosen = tricks
    logger.debug("startup tuning: %s", ", ".join(sorted(chosen)) or "off")
    tuning = StartupTuning(chosen, preload)
    try:
        yield tuning
    finally:
        tuning.end()
