"""Fixtures for the corpus tests: the flows of tests/data/flows-corpus, an engine over them (at a fixed time, with the
test's action stubs) and `run(name, inputs)`."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest

from salesforce_flow_mcp.localorg.flows.engine.actions import ActionRegistry
from salesforce_flow_mcp.localorg.flows.engine.flow_engine import FlowEngine, InterviewOutcome
from salesforce_flow_mcp.localorg.flows.model import Flow
from salesforce_flow_mcp.localorg.flows.parse.loader import load_flow_dir
from salesforce_flow_mcp.localorg.store.records import RecordStore
from tests.support import CORPUS  # a copy of the shared corpus; its SOURCES.md says from where

CORPUS_NOW = dt.datetime(2024, 5, 1, 12, 34, 56, tzinfo=dt.UTC)


@pytest.fixture(scope="session")
def corpus() -> dict[str, Flow]:
    """ApiName -> Flow of every corpus file."""
    return {flow.api_name: flow for flow in load_flow_dir(CORPUS)}


@pytest.fixture
def engine(corpus: dict[str, Flow], store: RecordStore, actions: ActionRegistry) -> FlowEngine:
    """An engine whose subflows are the corpus flows, at CORPUS_NOW, with base URL http://127.0.0.1:8765."""
    return FlowEngine(store, corpus.get, actions, base_url="http://127.0.0.1:8765", clock=lambda: CORPUS_NOW)


@pytest.fixture
def run(corpus: dict[str, Flow], engine: FlowEngine) -> Callable[..., InterviewOutcome]:
    """`run(name, inputs, **kw)`: one interview of the corpus flow `name`."""

    def _run(name: str, inputs: dict[str, Any] | None = None, **kwargs: Any) -> InterviewOutcome:
        return engine.run(corpus[name], inputs or {}, **kwargs)

    return _run
