"""Bulk invocation: each input object runs as its own interview (the org shapes the 200/400 response)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from ..model import Flow
from .flow_engine import FlowEngine, InterviewOutcome

__all__ = ["run_bulk"]


def run_bulk(engine: FlowEngine, flow: Flow, inputs_list: Sequence[Mapping[str, Any]]) -> list[InterviewOutcome]:
    """One outcome per input, in order; a failing input does not stop the others."""
    return [engine.run(flow, inputs) for inputs in inputs_list]
