"""Statistics and load patterns: percentiles, sequential latency, throughput with a fixed number of calls in flight."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass

Call = Callable[[], Awaitable[object]]


def percentile(values: Sequence[float], fraction: float) -> float:
    """Linear interpolation between closest ranks (fraction 0.5 is the median)."""
    if not values:
        raise ValueError("no values")
    ordered = sorted(values)
    position = (len(ordered) - 1) * fraction
    low = int(position)
    high = min(low + 1, len(ordered) - 1)
    return ordered[low] + (ordered[high] - ordered[low]) * (position - low)


def median(values: Sequence[float]) -> float:
    return statistics.median(values)


@dataclass(frozen=True)
class Latency:
    samples: tuple[float, ...]  # seconds

    @property
    def p50(self) -> float:
        return percentile(self.samples, 0.5)

    @property
    def p90(self) -> float:
        return percentile(self.samples, 0.9)


async def sequential(call: Call, count: int) -> list[float]:
    """Seconds per call, one call at a time."""
    samples = []
    for _ in range(count):
        started = time.perf_counter()
        await call()
        samples.append(time.perf_counter() - started)
    return samples


async def in_flight(call: Call, total: int, width: int) -> float:
    """Calls per second with `width` calls always outstanding, `total` calls in all."""
    remaining = total

    async def worker() -> None:
        nonlocal remaining
        while remaining > 0:
            remaining -= 1
            await call()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(width)))
    return total / (time.perf_counter() - started)
